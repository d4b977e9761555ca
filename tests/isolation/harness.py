"""Enumerate every URL pattern and try city B's objects as each member of city A.

Nothing here names a URL: a new page or endpoint is covered as soon as it exists.
A leak is any of:
* a city-B URL answered with anything but 401/403/404/405;
* a city-A URL with city B's ids answered 2xx with B's marker in the body;
* any change to city B's data after all requests;
* a URL without a city answering with B's marker (with B's ids and codes in its kwargs).

Public pages (`public-*`, no login: a city's publicity, pool and catalogue) show city B's
public data to anyone, so reading city B's are not leaks; writing to them is, and city A's
must not show B's objects. `test_public_pages.py` proves they show nothing B keeps private.
"""

from dataclasses import dataclass, field

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.urls.resolvers import RoutePattern

from pilot_portal.tenancy import policy
from tests.isolation.world import MARKER, object_candidates, snapshot

WRITE_METHODS = ("post", "put", "patch", "delete")
# Against city A's URLs with B's ids: PUT is offered nowhere (PATCH is), so it is left out.
WRITES_WITH_B_IDS = ("post", "patch", "delete")
REFUSED = {401, 403, 404, 405}
PUBLIC_PREFIX = "public-"  # URL names of the no-login public pages
# A provider's staff act nationally: they may apply to any city (a 400 for the empty body
# here; no change, which the snapshot checks), and the national apply page shows a city's
# public call — its open rounds and the sectors it pilots (test_public_pages.py checks that
# it shows nothing else of the city).
PROVIDER_WRITES = {("api:provider-selection-list", "post")}
PROVIDER_CALL_ROUTES = {"provider-apply"}
# Django admin's URLs need staff (none of the users is) and would multiply the requests.
SKIPPED_NAMESPACES = ("admin",)


ALL_METHODS = frozenset({"get", *WRITE_METHODS})


@dataclass
class Route:
    name: str
    kwargs: dict[str, bool] = field(default_factory=dict)  # kwarg -> is an integer
    # The methods the view handles; the others are answered 405 before any of its code runs,
    # so sending them proves nothing (and they were most of the suite's time).
    methods: frozenset = ALL_METHODS

    @property
    def city_scoped(self) -> bool:
        return "city_code" in self.kwargs

    @property
    def public(self) -> bool:
        return self.name.rsplit(":", 1)[-1].startswith(PUBLIC_PREFIX)


def _kwargs_of(pattern) -> dict[str, bool]:
    if isinstance(pattern, RoutePattern):
        return {name: isinstance(conv, IntConverter) for name, conv in pattern.converters.items()}
    regex = pattern.regex.pattern
    names = {name: f"(?P<{name}>\\d+)" in regex for name in pattern.regex.groupindex}
    if pattern.regex.groups > len(names):  # positional groups (Django admin's history URLs)
        names["__positional__"] = False
    return names


def _methods_of(callback) -> frozenset:
    """The HTTP methods a view handles: a DRF viewset's action map, a class-based view's
    handlers; a function view may handle anything."""
    actions = getattr(callback, "actions", None)
    if actions:
        return frozenset(actions) & ALL_METHODS
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:
        return ALL_METHODS
    return frozenset(
        m for m in ALL_METHODS if m in view_class.http_method_names and hasattr(view_class, m)
    )


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
                found.append(
                    Route(":".join([*namespace, entry.name]), here, _methods_of(entry.callback))
                )

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


def _national_urls(route: Route, ids, codes, urlconf):
    """A URL without a city: as is, or with each of B's ids (and codes) in its kwargs."""
    if not route.kwargs:
        yield reverse(route.name, urlconf=urlconf)
        return
    if "__positional__" in route.kwargs or route.name.split(":")[0] in SKIPPED_NAMESPACES:
        return
    values = set()
    for integer in route.kwargs.values():
        values.update(ids if integer else [*map(str, ids), *codes])
    for value in sorted(values, key=str):
        yield reverse(route.name, kwargs=dict.fromkeys(route.kwargs, value), urlconf=urlconf)


def find_leaks(*, users, city_a, city_b, built, urlconf=None, only=None) -> list[str]:
    """Every leak of city B's data to `users` (members of city A), through every URL pattern
    of `urlconf` (or only the patterns named in `only`)."""
    ids, codes = object_candidates(built)
    before = snapshot(city_b)
    marker = MARKER.encode()
    leaks: list[str] = []
    all_routes = [route for route in routes(urlconf) if only is None or route.name in only]
    for user in users:
        client = Client(raise_request_exception=False)  # a crash is an answer too, not a pass
        client.force_login(user)
        provider_staff = policy.is_provider_staff(user)
        for route in all_routes:
            if not route.city_scoped:
                if provider_staff and route.name in PROVIDER_CALL_ROUTES:
                    continue
                for url in _national_urls(route, ids, [*codes, city_b.code], urlconf):
                    response = client.get(url)
                    if marker in _body(response):
                        leaks.append(f"{user.username} GET {url} shows city B's data")
                continue
            # Anyone may read city B's public pages; nobody may write through them.
            methods = WRITE_METHODS if route.public else ("get", *WRITE_METHODS)
            methods = [m for m in methods if m in route.methods]
            for url in _urls(route, city_b.code, ids[:1], codes[:1], urlconf):
                for method in methods:
                    status = getattr(client, method)(url).status_code
                    allowed = REFUSED
                    if provider_staff and (route.name, method) in PROVIDER_WRITES:
                        allowed = REFUSED | {400}
                    if status not in allowed:
                        leaks.append(f"{user.username} {method.upper()} {url} -> {status}")
            for url in _urls(route, city_a.code, ids, codes, urlconf):
                if "get" in route.methods:
                    response = client.get(url)
                    if 200 <= response.status_code < 300 and marker in _body(response):
                        leaks.append(f"{user.username} GET {url} shows city B's object")
                for method in WRITES_WITH_B_IDS:
                    if method in route.methods:
                        getattr(client, method)(url, content_type="application/json", data={})
    if snapshot(city_b) != before:
        leaks.append("city B's data changed")
    return leaks
