"""Enumerate every URL pattern and try city B's objects as each member of city A.

Nothing here names a URL: a new page or endpoint is covered as soon as it exists.
A leak is any of:
* a city-B URL answered with anything but 401/403/404/405;
* a city-A URL with city B's ids answered 2xx with B's marker in the body;
* any change to city B's data after all requests;
* a URL without a city answering with B's marker.
"""

from dataclasses import dataclass, field

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.urls.resolvers import RoutePattern

from tests.isolation.world import MARKER, object_candidates, snapshot

WRITE_METHODS = ("post", "put", "patch", "delete")
# Against city A's URLs with B's ids: PUT is offered nowhere (PATCH is), so it is left out.
WRITES_WITH_B_IDS = ("post", "patch", "delete")
REFUSED = {401, 403, 404, 405}


@dataclass
class Route:
    name: str
    kwargs: dict[str, bool] = field(default_factory=dict)  # kwarg -> is an integer

    @property
    def city_scoped(self) -> bool:
        return "city_code" in self.kwargs


def _kwargs_of(pattern) -> dict[str, bool]:
    if isinstance(pattern, RoutePattern):
        return {name: isinstance(conv, IntConverter) for name, conv in pattern.converters.items()}
    regex = pattern.regex.pattern
    names = {name: f"(?P<{name}>\\d+)" in regex for name in pattern.regex.groupindex}
    if pattern.regex.groups > len(names):  # positional groups (Django admin's history URLs)
        names["__positional__"] = False
    return names


def routes(urlconf=None) -> list[Route]:
    found: list[Route] = []

    def walk(patterns, namespace, kwargs):
        for entry in patterns:
            here = {**kwargs, **_kwargs_of(entry.pattern)}
            if isinstance(entry, URLResolver):
                ns = [*namespace, entry.namespace] if entry.namespace else namespace
                walk(entry.url_patterns, ns, here)
            elif isinstance(entry, URLPattern):
                if entry.name is None:
                    # Only Django admin's redirects are unnamed; every city URL must be named.
                    assert "city_code" not in here, f"name the URL pattern {entry.pattern}"
                    continue
                found.append(Route(":".join([*namespace, entry.name]), here))

    walk(get_resolver(urlconf).url_patterns, [], {})
    return found


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _urls(route: Route, city_code: str, ids, codes, urlconf):
    """Every concrete URL of `route` for `city_code`, trying B's ids and codes in its kwargs."""
    others = [name for name in route.kwargs if name != "city_code"]
    if not others:
        yield reverse(route.name, kwargs={"city_code": city_code}, urlconf=urlconf)
        return
    values = set()
    for name in others:
        values.update(ids if route.kwargs[name] else [*map(str, ids), *codes])
    for value in sorted(values, key=str):
        kwargs = {"city_code": city_code, **dict.fromkeys(others, value)}
        yield reverse(route.name, kwargs=kwargs, urlconf=urlconf)


def find_leaks(*, users, city_a, city_b, built, urlconf=None) -> list[str]:
    ids, codes = object_candidates(built)
    before = snapshot(city_b)
    marker = MARKER.encode()
    leaks: list[str] = []
    all_routes = routes(urlconf)
    for user in users:
        client = Client(raise_request_exception=False)  # a crash is an answer too, not a pass
        client.force_login(user)
        for route in all_routes:
            if not route.city_scoped:
                if route.kwargs:
                    continue
                url = reverse(route.name, urlconf=urlconf)
                response = client.get(url)
                if marker in _body(response):
                    leaks.append(f"{user.username} GET {url} shows city B's data")
                continue
            for url in _urls(route, city_b.code, ids[:1], codes[:1], urlconf):
                for method in ("get", *WRITE_METHODS):
                    status = getattr(client, method)(url).status_code
                    if status not in REFUSED:
                        leaks.append(f"{user.username} {method.upper()} {url} -> {status}")
            for url in _urls(route, city_a.code, ids, codes, urlconf):
                response = client.get(url)
                if 200 <= response.status_code < 300 and marker in _body(response):
                    leaks.append(f"{user.username} GET {url} shows city B's object")
                for method in WRITES_WITH_B_IDS:
                    getattr(client, method)(url, content_type="application/json", data={})
    if snapshot(city_b) != before:
        leaks.append("city B's data changed")
    return leaks
