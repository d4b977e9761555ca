"""SQL queries per page, counted in-process with Django's test client (Django set up).

The same pages are counted on a small data set and on the full one: a count that grows
with the number of cities or enterprises is an N+1 somewhere.
"""

import statistics
import time
from dataclasses import dataclass

# (name, path, who, auth) — `auth` names the credential: a session cookie, an API token, or
# none (anonymous).
# {city} is the measured city of the national data set, {big} the one big city (its
# administrator is `big_admin`), {district} one of its district codes, {search} six digits
# of one of its enterprises' credit codes.
FILTERED = "district={district}&size=above"
PAGES = [
    ("city_home", "/c/{city}/", "city_admin", "session"),
    ("api_cities", "/api/v1/cities/", "ministry", "token"),
    ("api_sectors", "/api/v1/cities/{city}/sectors/", "city_admin", "token"),
    ("overview", "/overview/", "ministry", "session"),
    ("enterprise_list", "/c/{big}/enterprises/", "big_admin", "session"),
    ("enterprise_list_filtered", "/c/{big}/enterprises/?" + FILTERED, "big_admin", "session"),
    ("enterprise_list_search", "/c/{big}/enterprises/?search={search}", "big_admin", "session"),
    ("api_enterprises", "/api/v1/cities/{big}/enterprises/", "big_admin", "token"),
    (
        "api_enterprises_filtered",
        "/api/v1/cities/{big}/enterprises/?" + FILTERED,
        "big_admin",
        "token",
    ),
    (
        "api_enterprises_search",
        "/api/v1/cities/{big}/enterprises/?search={search}",
        "big_admin",
        "token",
    ),
    ("application_list", "/c/{big}/applications/", "big_admin", "session"),
    ("api_applications", "/api/v1/cities/{big}/applications/", "big_admin", "token"),
]
# The catalogue city ({cat}, its enterprise user `cat_buyer`): a buyer's typical search (a
# keyword and a scenario, {q} and {scenario}) and the whole catalogue by rating, as a page,
# through the API and on the public page (no login).
CATALOGUE_SEARCH = "q={q}&scenario={scenario}"
PRODUCTS = "/api/v1/cities/{cat}/products/"
CATALOGUE_PAGES = [
    ("catalogue_search", "/c/{cat}/catalogue/?" + CATALOGUE_SEARCH, "cat_buyer", "session"),
    ("catalogue_by_rating", "/c/{cat}/catalogue/?order=-rating", "cat_buyer", "session"),
    ("api_products_search", PRODUCTS + "?" + CATALOGUE_SEARCH, "cat_buyer", "token"),
    ("api_products_by_rating", PRODUCTS + "?order=-rating", "cat_buyer", "token"),
    ("public_catalogue", "/public/{cat}/catalogue/?" + CATALOGUE_SEARCH, "anonymous", "none"),
]
# The projects city ({prj}, its administrator `prj_admin`): the monitoring page and the
# projects list through the API.
# The list first: a slow page leaves requests queued at the server after its run.
PROJECT_PAGES = [
    ("api_projects", "/api/v1/cities/{prj}/projects/", "prj_admin", "token"),
    ("project_monitoring", "/c/{prj}/projects/monitoring/", "prj_admin", "session"),
]
SECRETS = ("_session", "_token")  # credentials' keys whose values never reach the results


def page_path(template: str, credentials: dict) -> str:
    from urllib.parse import quote

    values = {
        name: credentials.get(name, "")
        for name in ("city", "big", "district", "search", "cat", "scenario", "prj")
    }
    return template.format(q=quote(credentials.get("q", "")), **values)


@dataclass
class PageQueries:
    name: str
    path: str
    who: str
    status: int
    queries: int
    sql: list[str]
    median_ms: float
    bytes: int


def _client_for(credentials: dict, who: str, auth: str):
    from django.conf import settings
    from django.test import Client

    if auth == "none":
        return Client()
    if auth == "token":
        return Client(HTTP_AUTHORIZATION=f"Token {credentials[f'{who}_token']}")
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = credentials[f"{who}_session"]
    return client


def _redact(statement: str, credentials: dict) -> str:
    """One line, with the session keys and tokens shown as their names (results are committed)."""
    statement = " ".join(statement.split())
    for name, value in credentials.items():
        if name.endswith(SECRETS):
            statement = statement.replace(value, f"<{name}>")
    return statement


def count_pages(
    credentials: dict, *, repeat: int = 5, budget_seconds: float = 2.0, pages=None
) -> list:
    """Each page's status, query count and SQL (first request), and median in-process time.

    The timing repeats a page `repeat` times, or fewer once `budget_seconds` have passed.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = []
    for name, template, who, auth in PAGES if pages is None else pages:
        path = page_path(template, credentials)
        client = _client_for(credentials, who, auth)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        # Read now: the log is a view of the connection's, which the next request clears.
        sql = [_redact(query["sql"], credentials) for query in captured.captured_queries]
        if response.status_code != 200:
            raise RuntimeError(f"{path} as {who} answered {response.status_code}, not 200")
        timings, started = [], time.perf_counter()
        for _ in range(repeat):  # stop early for a slow page; at least one timing
            begin = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - begin) * 1000)
            if time.perf_counter() - started > budget_seconds:
                break
        results.append(
            PageQueries(
                name=name,
                path=path,
                who=who,
                status=response.status_code,
                queries=len(sql),
                sql=[statement[:300] for statement in sql],
                median_ms=round(statistics.median(timings), 2),
                bytes=len(response.content),
            )
        )
    return results
