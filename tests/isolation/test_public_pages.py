"""The public pages (no login) show what a city has made public, and nothing it keeps private.

The isolation suite lets anyone read city B's `public-*` pages; here each of them, fetched
anonymously, shows B's selected provider, the one under publicity and a listed solution,
and never an application still in review, a rejected or suspended provider, a solution
waiting for listing or unlisted, a suspended provider's solution, experts' comments, or
another city's rows. Every public URL pattern is tried, so new public pages are covered.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pilot_portal.tenancy.models import City
from tests.factories import (
    ExpertScoreFactory,
    ProductFactory,
    ProviderFactory,
    ProviderSelectionFactory,
    SelectionRoundFactory,
    UserFactory,
)
from tests.isolation.harness import routes

pytestmark = pytest.mark.django_db

SHOWN = {
    "pool": "PUB-SHOWN-SELECTED",
    "publicised": "PUB-SHOWN-PUBLICISED",
    "product": "PUB-SHOWN-PRODUCT",
}
HIDDEN = [
    "PUB-HIDDEN-APPLIED",
    "PUB-HIDDEN-REVIEW",
    "PUB-HIDDEN-REJECTED",
    "PUB-HIDDEN-SUSPENDED",
    "PUB-HIDDEN-SUSPENDED-PRODUCT",
    "PUB-HIDDEN-SUBMITTED-PRODUCT",
    "PUB-HIDDEN-UNLISTED-PRODUCT",
    "PUB-HIDDEN-SCORE-COMMENT",
    "PUB-HIDDEN-CLOSED-ROUND",
    "PUB-HIDDEN-OTHER-CITY-PRODUCT",
    "PUB-HIDDEN-OTHER-CITY-PROVIDER",
]


@pytest.fixture
def public_world(demo):
    """City B (xinxiang) with a row at every step; city A (xiamen) with rows of its own."""
    city_b, city_a = City.objects.get(code="xinxiang"), City.objects.get(code="xiamen")
    today = timezone.localdate()
    open_round = SelectionRoundFactory(
        city=city_b, name="PUB-SHOWN-OPEN-ROUND", opens=today - timedelta(days=5)
    )
    SelectionRoundFactory(
        city=city_b, name="PUB-HIDDEN-CLOSED-ROUND", opens=today - timedelta(days=300),
        closes=today - timedelta(days=200),
    )  # fmt: skip

    def selection(name, status, city=city_b, **extra):
        return ProviderSelectionFactory(
            city=city, provider=ProviderFactory(name=name), status=status,
            round=open_round if city == city_b else SelectionRoundFactory(city=city),
            statement=f"{name} statement", **extra,
        )  # fmt: skip

    pooled = selection(
        SHOWN["pool"], "selected", publicity_start=today - timedelta(days=9),
        publicity_end=today - timedelta(days=2),
    )  # fmt: skip
    publicised = selection(
        SHOWN["publicised"], "publicised", publicity_start=today,
        publicity_end=today + timedelta(days=5),
    )  # fmt: skip
    ExpertScoreFactory(selection=publicised, city=city_b, comment="PUB-HIDDEN-SCORE-COMMENT")
    selection("PUB-HIDDEN-APPLIED", "applied")
    review = selection("PUB-HIDDEN-REVIEW", "under_review")
    ExpertScoreFactory(selection=review, city=city_b, comment="PUB-HIDDEN-SCORE-COMMENT")
    selection("PUB-HIDDEN-REJECTED", "rejected")
    suspended = selection("PUB-HIDDEN-SUSPENDED", "suspended")

    products = [
        ProductFactory(city=city_b, provider=pooled.provider, name=SHOWN["product"]),
        ProductFactory(
            city=city_b, provider=suspended.provider, name="PUB-HIDDEN-SUSPENDED-PRODUCT"
        ),
        ProductFactory(
            city=city_b,
            provider=pooled.provider,
            name="PUB-HIDDEN-SUBMITTED-PRODUCT",
            status="submitted",
        ),
        ProductFactory(
            city=city_b,
            provider=pooled.provider,
            name="PUB-HIDDEN-UNLISTED-PRODUCT",
            status="unlisted",
            status_reason="价格不符",
        ),
    ]
    # City A: a provider of its own in its pool, and B's pooled provider's solution listed there.
    other = selection("PUB-HIDDEN-OTHER-CITY-PROVIDER", "selected", city=city_a)
    products += [
        ProductFactory(city=city_a, provider=pooled.provider, name="PUB-HIDDEN-OTHER-CITY-PRODUCT"),
        ProductFactory(city=city_a, provider=other.provider, name="PUB-HIDDEN-OTHER-CITY-PRODUCT"),
    ]
    ids = sorted({p.pk for p in products} | {pooled.pk, publicised.pk, review.pk, suspended.pk})
    return city_b, ids


def _public_urls(city_code: str, ids) -> list[str]:
    urls = []
    for route in routes():
        if not (route.city_scoped and route.public):
            continue
        others = [name for name in route.kwargs if name != "city_code"]
        if not others:
            urls.append(reverse(route.name, kwargs={"city_code": city_code}))
            continue
        for value in ids:
            kwargs = {"city_code": city_code, **dict.fromkeys(others, value)}
            urls.append(reverse(route.name, kwargs=kwargs))
    return urls


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code in (200, 404), f"{url}: {response.status_code}"
    return response.content.decode() if response.status_code == 200 else ""


def test_the_public_pages_are_enumerated():
    names = {route.name for route in routes() if route.public}

    assert {"public-publicity", "public-pool", "public-catalogue"} <= names
    assert all(route.city_scoped for route in routes() if route.public)


def test_public_pages_show_the_city_s_public_rows(public_world):
    city_b, _ids = public_world
    client = Client()

    def page(name, query=""):
        return _page(client, reverse(name, kwargs={"city_code": city_b.code}) + query)

    assert SHOWN["publicised"] in page("public-publicity")
    assert SHOWN["pool"] in page("public-pool")
    assert SHOWN["product"] in page("public-catalogue")
    assert SHOWN["product"] in page("public-catalogue", "?q=PUB-SHOWN")


def test_no_public_page_shows_what_the_city_keeps_private(public_world):
    city_b, ids = public_world
    client = Client()
    queries = ["", "?q=PUB-HIDDEN", "?status=submitted", "?status=unlisted", "?page=2"]

    shown = {}
    for url in _public_urls(city_b.code, ids):
        for query in queries:
            body = _page(client, url + query)
            shown.update({f"{url}{query}: {m}": True for m in HIDDEN if m in body})

    assert list(shown) == []


def test_the_pool_and_the_catalogue_leave_out_providers_not_selected(public_world):
    city_b, _ids = public_world
    client = Client()
    pool = _page(client, reverse("public-pool", kwargs={"city_code": city_b.code}))
    publicity = _page(client, reverse("public-publicity", kwargs={"city_code": city_b.code}))

    assert SHOWN["publicised"] not in pool  # under publicity is not yet in the pool
    assert SHOWN["pool"] not in publicity  # and the pool is no longer under publicity


def test_the_national_apply_page_shows_only_the_city_s_call(public_world):
    """A provider's staff see the city's open round and sectors to apply, nothing else."""
    city_b, _ids = public_world
    user = UserFactory()
    ProviderFactory(name="PUB-APPLICANT").staff.add(user)
    client = Client()
    client.force_login(user)

    body = _page(client, reverse("provider-apply", kwargs={"code": city_b.code}))

    assert "PUB-SHOWN-OPEN-ROUND" in body
    assert [m for m in HIDDEN if m in body] == []


def test_an_unknown_city_has_no_public_pages(db):
    client = Client()

    for url in _public_urls("nowhere", [1]):
        assert client.get(url).status_code == 404, url


def test_public_pages_take_no_writes(public_world):
    city_b, ids = public_world
    client = Client()
    client.force_login(get_user_model().objects.get(username="xinxiang-city_admin"))

    for url in _public_urls(city_b.code, ids):
        for method in ("post", "put", "patch", "delete"):
            assert getattr(client, method)(url).status_code in (403, 404, 405), url
