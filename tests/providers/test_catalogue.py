"""The 小快轻准 catalogue through its pages and API: who sees what, search and filters,
publishing, editing, listing and unlisting."""

import pytest
from rest_framework.test import APIClient

from enterprises.models import ProviderRating
from pilot_portal.audit.models import AuditEntry
from providers.catalogue import provider_ratings_refresh
from providers.models import Product
from tests.factories import (
    CityFactory,
    EnterpriseFactory,
    MembershipFactory,
    ProductFactory,
    ProviderFactory,
    ProviderSelectionFactory,
    SectorFactory,
)

pytestmark = pytest.mark.django_db


def pooled_provider(city, status="selected"):
    provider = ProviderFactory()
    ProviderSelectionFactory(city=city, provider=provider, status=status)
    return provider


def rate(city, provider, *scores):
    for score in scores:
        rater = EnterpriseFactory(city=city)
        user = MembershipFactory(city=city, role="enterprise", enterprise=rater).user
        ProviderRating.objects.create(
            city=city, enterprise=rater, provider=provider, score=score, rated_by=user
        )
    provider_ratings_refresh(city_id=city.pk, provider_ids=[provider.pk])  # as the service does


def product(city, provider, name, sectors=(), **kwargs):
    row = ProductFactory(city=city, provider=provider, name=name, **kwargs)
    row.sectors.set(sectors)
    provider_ratings_refresh(city_id=city.pk, provider_ids=[provider.pk])
    row.refresh_from_db()
    return row


@pytest.fixture
def world():
    city = CityFactory()
    s1 = SectorFactory(city=city, code="C11")
    s2 = SectorFactory(city=city, code="C22")
    alpha, beta = pooled_provider(city), pooled_provider(city)
    suspended = pooled_provider(city, status="suspended")
    rate(city, alpha, 4, 4)
    rate(city, beta, 2)
    enterprise = EnterpriseFactory(city=city)
    users = {
        "admin": MembershipFactory(city=city, role="city_admin").user,
        "alpha": MembershipFactory(city=city, role="provider", provider=alpha).user,
        "beta": MembershipFactory(city=city, role="provider", provider=beta).user,
        "enterprise": MembershipFactory(city=city, role="enterprise", enterprise=enterprise).user,
    }
    products = {
        "vision": product(city, alpha, "Vision QC", [s1], scenario="quality", price="30000"),
        "meter": product(city, alpha, "Energy meter", [s2], scenario="energy",
                         deployment="on_premise", price="80000"),
        "store": product(city, beta, "Warehouse SaaS", [s1, s2], scenario="warehouse",
                         deployment="hybrid", price="12000"),
        "draft": product(city, alpha, "Draft thing", status="submitted"),
        "withdrawn": product(city, beta, "Withdrawn", status="unlisted"),
        "suspended": product(city, suspended, "Suspended one"),
    }  # fmt: skip
    other_city = CityFactory()
    elsewhere = product(other_city, pooled_provider(other_city), "Elsewhere")
    return {"city": city, "users": users, "products": products, "elsewhere": elsewhere,
            "alpha": alpha, "beta": beta, "s1": s1, "s2": s2}  # fmt: skip


def api_as(user):
    client = APIClient()
    client.force_login(user)
    return client


def names(response):
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def products_url(world, tail=""):
    return f"/api/v1/cities/{world['city'].code}/products/{tail}"


# -- who sees what ----------------------------------------------------------------------------


def test_enterprises_see_only_listed_solutions_of_pooled_providers(world):
    response = api_as(world["users"]["enterprise"]).get(products_url(world))

    assert names(response) == ["Energy meter", "Vision QC", "Warehouse SaaS"]


def test_the_admin_sees_every_solution_with_its_status(world):
    response = api_as(world["users"]["admin"]).get(products_url(world))

    statuses = {row["name"]: row["status"] for row in response.json()["results"]}
    assert statuses == {
        "Draft thing": "submitted", "Energy meter": "listed", "Suspended one": "listed",
        "Vision QC": "listed", "Warehouse SaaS": "listed", "Withdrawn": "unlisted",
    }  # fmt: skip


def test_a_provider_sees_the_public_catalogue_and_its_own_solutions(world):
    alpha = api_as(world["users"]["alpha"]).get(products_url(world))
    beta = api_as(world["users"]["beta"]).get(products_url(world))

    assert names(alpha) == ["Draft thing", "Energy meter", "Vision QC", "Warehouse SaaS"]
    assert names(beta) == ["Energy meter", "Vision QC", "Warehouse SaaS", "Withdrawn"]


@pytest.mark.parametrize("hidden", ["draft", "withdrawn", "suspended"])
def test_a_hidden_solution_is_not_found_by_an_enterprise(world, client, hidden):
    pk = world["products"][hidden].pk
    client.force_login(world["users"]["enterprise"])

    assert (
        api_as(world["users"]["enterprise"]).get(products_url(world, f"{pk}/")).status_code == 404
    )
    assert client.get(f"/c/{world['city'].code}/catalogue/{pk}/").status_code == 404
    assert api_as(world["users"]["admin"]).get(products_url(world, f"{pk}/")).status_code == 200


def test_another_city_s_solution_is_not_found(world, client):
    pk = world["elsewhere"].pk
    client.force_login(world["users"]["admin"])

    assert api_as(world["users"]["admin"]).get(products_url(world, f"{pk}/")).status_code == 404
    assert client.get(f"/c/{world['city'].code}/catalogue/{pk}/").status_code == 404


def test_a_solution_has_the_contract_fields(world):
    vision = world["products"]["vision"]

    body = api_as(world["users"]["enterprise"]).get(products_url(world, f"{vision.pk}/")).json()

    assert body == {
        "id": vision.pk, "provider": world["alpha"].pk, "provider_name": world["alpha"].name,
        "name": "Vision QC", "scenario": "quality", "sectors": ["C11"], "price": "30000.00",
        "price_unit": "", "deployment": "saas", "description": vision.description, "cases": "",
        "status": "listed", "rating": "4.00",
    }  # fmt: skip


# -- search and filters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        ("scenario=quality", ["Vision QC"]),
        ("sector=C22", ["Energy meter", "Warehouse SaaS"]),
        ("deployment=hybrid", ["Warehouse SaaS"]),
        ("price_min=20000", ["Energy meter", "Vision QC"]),
        ("price_max=20000", ["Warehouse SaaS"]),
        ("price_min=20000&price_max=50000", ["Vision QC"]),
        pytest.param("min_rating=3", ["Energy meter", "Vision QC"]),
        ("q=meter", ["Energy meter"]),
        ("order=-price", ["Energy meter", "Vision QC", "Warehouse SaaS"]),
        ("order=price", ["Warehouse SaaS", "Vision QC", "Energy meter"]),
        ("order=-rating", ["Energy meter", "Vision QC", "Warehouse SaaS"]),
    ],
)
def test_each_filter_narrows_the_catalogue(world, query, expected):
    response = api_as(world["users"]["enterprise"]).get(products_url(world) + "?" + query)

    assert names(response) == expected


@pytest.mark.parametrize(
    "query, field",
    [
        ("scenario=nope", "scenario"),
        ("sector=XX", "sector"),
        ("deployment=cloud", "deployment"),
        ("price_min=abc", "price_min"),
        ("price_min=-1", "price_min"),
        ("min_rating=9", "min_rating"),
        ("order=cost", "order"),
        ("price_min=5&price_max=1", "price_max"),
        ("status=gone", "status"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(world, query, field):
    response = api_as(world["users"]["enterprise"]).get(products_url(world) + "?" + query)

    assert response.status_code == 400
    assert field in response.json()


def test_the_page_filters_and_shows_a_bad_filter_as_a_form_error(world, client):
    client.force_login(world["users"]["enterprise"])
    base = f"/c/{world['city'].code}/catalogue/"

    good = client.get(base, {"scenario": "quality"}).content.decode()
    bad = client.get(base, {"price_min": "abc"})

    assert "Vision QC" in good and "Energy meter" not in good
    assert bad.status_code == 200
    html = bad.content.decode()
    assert 'data-testid="filter-errors"' in html
    assert "Vision QC" not in html


def test_the_page_shows_provider_price_in_yuan_and_rating(world, client):
    client.force_login(world["users"]["enterprise"])
    vision = world["products"]["vision"]

    html = client.get(f"/c/{world['city'].code}/catalogue/{vision.pk}/").content.decode()

    assert world["alpha"].name in html
    assert "30,000.00" in html
    assert "4.00" in html
    assert "Unlist" not in html  # listing is the admin's


# -- query counts -----------------------------------------------------------------------------


def add_listed(world, n):
    for i in range(n):
        product(world["city"], world["beta"], f"Extra {i:02d}", [world["s1"], world["s2"]])


@pytest.mark.parametrize("extra", [3, 30])
@pytest.mark.parametrize("who", ["enterprise", "admin", "alpha"])
def test_the_catalogue_api_runs_a_fixed_number_of_queries(
    world, extra, who, django_assert_max_num_queries
):
    add_listed(world, extra)
    client = api_as(world["users"][who])

    # session, user, city, memberships, count, page of products, their sectors
    with django_assert_max_num_queries(7):
        response = client.get(products_url(world))
    assert response.json()["count"] >= extra


@pytest.mark.parametrize("extra", [3, 30])
@pytest.mark.parametrize("who", ["enterprise", "admin"])
def test_the_catalogue_page_runs_a_fixed_number_of_queries(
    world, client, extra, who, django_assert_max_num_queries
):
    add_listed(world, extra)
    client.force_login(world["users"][who])

    # session, user, city, memberships, sector choices, count, page, their sectors, header
    with django_assert_max_num_queries(10):
        assert client.get(f"/c/{world['city'].code}/catalogue/").status_code == 200


# -- publishing and editing -------------------------------------------------------------------

NEW = {"name": "Smart energy", "scenario": "energy", "sectors": ["C11"], "price": "45000.50",
       "price_unit": "每年", "deployment": "saas", "description": "能耗监测"}  # fmt: skip


def test_a_pooled_provider_publishes_a_solution_that_waits_for_listing(world):
    response = api_as(world["users"]["alpha"]).post(products_url(world), NEW, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["sectors"], body["price"]) == ("submitted", ["C11"], "45000.50")
    assert body["provider"] == world["alpha"].pk
    assert "Smart energy" not in names(
        api_as(world["users"]["enterprise"]).get(products_url(world))
    )


def test_an_enterprise_may_not_publish(world):
    response = api_as(world["users"]["enterprise"]).post(products_url(world), NEW, format="json")

    assert response.status_code == 403
    assert not Product.objects.filter(name="Smart energy").exists()


def test_a_provider_out_of_the_pool_may_not_publish(world):
    outsider = pooled_provider(world["city"], status="under_review")
    user = MembershipFactory(city=world["city"], role="provider", provider=outsider).user

    response = api_as(user).post(products_url(world), NEW, format="json")

    assert response.status_code == 409
    assert not Product.objects.filter(name="Smart energy").exists()


def test_an_unknown_sector_is_a_400(world):
    data = {**NEW, "sectors": ["NOPE"]}

    response = api_as(world["users"]["alpha"]).post(products_url(world), data, format="json")

    assert response.status_code == 400
    assert "sectors" in response.json()


def test_editing_a_listed_solution_sends_it_back_for_listing(world):
    vision = world["products"]["vision"]

    response = api_as(world["users"]["alpha"]).patch(
        products_url(world, f"{vision.pk}/"), {"price": "28000"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["price"], response.json()["status"]) == ("28000.00", "submitted")


def test_another_provider_may_not_edit(world):
    vision = world["products"]["vision"]

    response = api_as(world["users"]["beta"]).patch(
        products_url(world, f"{vision.pk}/"), {"price": "1"}, format="json"
    )

    assert response.status_code == 403
    vision.refresh_from_db()
    assert str(vision.price) == "30000.00"


def test_the_provider_publishes_and_edits_through_the_pages(world, client):
    client.force_login(world["users"]["alpha"])
    base = f"/c/{world['city'].code}/catalogue/"

    assert client.get(base + "new/").status_code == 200
    assert client.get(f"{base}{world['products']['vision'].pk}/edit/").status_code == 200
    created = client.post(base + "new/", {**NEW, "cases": ""})
    new = Product.objects.get(name="Smart energy")
    edited = client.post(f"{base}{new.pk}/edit/", {**NEW, "name": "Smart energy 2", "cases": ""})

    assert created.status_code == 302
    assert edited.status_code == 302
    new.refresh_from_db()
    assert (new.name, new.provider, new.status) == ("Smart energy 2", world["alpha"], "submitted")
    assert client.get(f"{base}{world['products']['store'].pk}/edit/").status_code == 403


def test_the_create_page_is_for_providers(world, client):
    client.force_login(world["users"]["enterprise"])

    assert client.get(f"/c/{world['city'].code}/catalogue/new/").status_code == 403


# -- listing ----------------------------------------------------------------------------------


def test_the_admin_lists_and_unlists_with_a_reason(world):
    draft, vision = world["products"]["draft"], world["products"]["vision"]
    client = api_as(world["users"]["admin"])

    listed = client.post(products_url(world, f"{draft.pk}/list/"))
    no_reason = client.post(products_url(world, f"{vision.pk}/unlist/"), {})
    unlisted = client.post(products_url(world, f"{vision.pk}/unlist/"), {"reason": "虚假宣传"})

    assert listed.status_code == 200 and listed.json()["status"] == "listed"
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    assert unlisted.status_code == 200 and unlisted.json()["status"] == "unlisted"
    assert AuditEntry.objects.filter(action="product.unlist", reason="虚假宣传").exists()
    seen = names(api_as(world["users"]["enterprise"]).get(products_url(world)))
    assert "Draft thing" in seen and "Vision QC" not in seen


def test_a_provider_may_not_list(world):
    draft = world["products"]["draft"]

    response = api_as(world["users"]["alpha"]).post(products_url(world, f"{draft.pk}/list/"))

    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == "submitted"


def test_the_admin_unlists_through_the_page(world, client):
    vision = world["products"]["vision"]
    client.force_login(world["users"]["admin"])
    url = f"/c/{world['city'].code}/catalogue/{vision.pk}/listing/"

    refused = client.post(url, {"action": "unlist", "reason": ""})
    done = client.post(url, {"action": "unlist", "reason": "停止服务"})

    assert refused.status_code == 200
    assert "a reason is required" in refused.content.decode()
    assert done.status_code == 302
    vision.refresh_from_db()
    assert (vision.status, vision.status_reason) == ("unlisted", "停止服务")
