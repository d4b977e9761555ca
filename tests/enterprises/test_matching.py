"""Supply–demand matching: demand, proposals in their exact order, shortlist, ratings, and the
city's demand-versus-supply overview; through services, the API and the pages."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from enterprises.matching import rules, selectors, services
from enterprises.matching.rules import Candidate
from enterprises.models import Demand, Project, ProviderRating, Shortlist
from pilot_portal.audit.models import AuditEntry
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from providers.catalogue import provider_ratings_refresh
from tests.enterprises.test_matching_rules import CANDIDATES, DEMANDS, EXPECTED
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


def pooled_provider(city, status="selected", **kwargs):
    provider = ProviderFactory(**kwargs)
    ProviderSelectionFactory(city=city, provider=provider, status=status)
    return provider


def rate(provider, *scores):
    """Ratings of `provider` by as many other enterprises of the city."""
    city = provider.selections.first().city
    for score in scores:
        rater = EnterpriseFactory(city=city)
        user = MembershipFactory(city=city, role="enterprise", enterprise=rater).user
        ProviderRating.objects.create(
            city=city, enterprise=rater, provider=provider, score=score, rated_by=user
        )
    provider_ratings_refresh(city_id=city.pk, provider_ids=[provider.pk])  # as the service does


@pytest.fixture
def world():
    """Alice's enterprise (sector C1) demands quality and energy; the catalogue holds the
    rules test's candidates, plus solutions that must never be proposed."""
    city = CityFactory()
    c1 = SectorFactory(city=city, code="C1")
    c2 = SectorFactory(city=city, code="C2")
    enterprise = EnterpriseFactory(city=city, sector=c1)
    alice = MembershipFactory(city=city, role="enterprise", enterprise=enterprise).user
    admin = MembershipFactory(city=city, role="city_admin").user
    p45, p30, p50, unrated = (pooled_provider(city) for _ in range(4))
    rate(p45, 4, 5)
    rate(p30, 3)
    rate(p50, 5)
    providers = {"Alpha": p45, "Echo": p45, "Foxtrot": p50, "Hotel": p30, "Charlie": p50,
                 "Delta": p50, "Bravo": unrated, "Golf": unrated}  # fmt: skip
    sectors = {"C1": c1, "C2": c2}
    by_rule_id = {}
    for c in CANDIDATES:
        product = ProductFactory(
            city=city, provider=providers[c.name], name=c.name, scenario=c.scenario,
            price=c.price,
        )  # fmt: skip
        product.sectors.set([sectors[code] for code in c.sectors])
        by_rule_id[c.id] = product
    # Never proposed: a suspended provider's, an unlisted and a submitted solution, another
    # city's solution, all for a demanded scenario and the enterprise's sector.
    suspended = pooled_provider(city, status="suspended")
    hidden = [
        ProductFactory(city=city, provider=suspended, name="Aaa suspended", scenario="quality"),
        ProductFactory(city=city, provider=p45, name="Aaa unlisted", status="unlisted"),
        ProductFactory(city=city, provider=p45, name="Aaa submitted", status="submitted"),
    ]
    for product in hidden:
        product.sectors.set([c1])
    other_city = CityFactory()
    elsewhere = ProductFactory(
        city=other_city, provider=pooled_provider(other_city), name="Aaa elsewhere"
    )
    services.demand_set(enterprise=enterprise, actor=alice, scenarios=sorted(DEMANDS))
    return {
        "city": city, "enterprise": enterprise, "alice": alice, "admin": admin,
        "products": by_rule_id, "hidden": hidden, "elsewhere": elsewhere, "p45": p45,
        "suspended": suspended, "c1": c1,
    }  # fmt: skip


def api_as(user):
    client = APIClient()
    client.force_login(user)
    return client


def url(world, tail):
    return f"/api/v1/cities/{world['city'].code}/enterprises/{world['enterprise'].pk}/{tail}"


def expected_ids(world):
    return [world["products"][i].pk for i in EXPECTED]


# -- the ranking ------------------------------------------------------------------------------


def test_matches_come_in_the_rules_exact_order(world):
    found = selectors.matches(world["enterprise"])

    assert [p.pk for p in found] == expected_ids(world)


def test_the_database_order_is_the_rules_order_on_the_same_rows(world):
    found = selectors.matches(world["enterprise"])
    candidates = [
        Candidate(id=p.pk, name=p.name, scenario=p.scenario, price=p.price, rating=p.rating,
                  sectors=frozenset(s.code for s in p.sectors.all()))
        for p in found
    ]  # fmt: skip

    ranked = rules.rank(candidates, demands=DEMANDS, sector="C1")

    assert [c.id for c in ranked] == [p.pk for p in found]


def test_the_matches_endpoint_returns_the_exact_order_with_reasons(world):
    response = api_as(world["alice"]).get(url(world, "matches/"))

    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body] == expected_ids(world)
    assert body[0]["reasons"] == ["场景匹配 / scenario match", "行业匹配 / sector match"]
    assert body[0]["rating"] == "4.50"
    assert body[-1]["reasons"] == ["场景匹配 / scenario match"]
    assert body[-1]["rating"] is None


def test_the_matching_page_lists_the_proposals_in_the_exact_order(world, client):
    client.force_login(world["alice"])

    html = client.get(f"/c/{world['city'].code}/matching/").content.decode()

    table = html[html.index('data-testid="proposals"') : html.index('data-testid="shortlist"')]
    positions = [table.index(f'data-product="{pk}"') for pk in expected_ids(world)]
    assert positions == sorted(positions)
    assert "行业匹配 / sector match" in table


def test_suspended_unlisted_submitted_and_other_cities_solutions_are_never_proposed(world):
    found = {p.pk for p in selectors.matches(world["enterprise"])}

    assert found.isdisjoint({p.pk for p in world["hidden"]} | {world["elsewhere"].pk})


@pytest.mark.parametrize("extra", [3, 30])
def test_matches_run_a_fixed_number_of_queries(world, extra, django_assert_max_num_queries):
    client = api_as(world["alice"])
    for n in range(extra):
        product = ProductFactory(city=world["city"], provider=world["p45"], name=f"Z{n}")
        product.sectors.set([world["c1"]])

    # session, user, city, memberships, enterprise, products, their sectors
    with django_assert_max_num_queries(7):
        response = client.get(url(world, "matches/"))
    assert len(response.json()) == len(EXPECTED) + extra


@pytest.mark.parametrize("extra", [3, 30])
def test_the_matching_page_runs_a_fixed_number_of_queries(
    world, client, extra, django_assert_max_num_queries
):
    client.force_login(world["alice"])
    for n in range(extra):
        ProductFactory(city=world["city"], provider=world["p45"], name=f"Z{n}")
        services.shortlist_add(
            enterprise=world["enterprise"], actor=world["alice"],
            product=ProductFactory(city=world["city"], provider=world["p45"], name=f"Y{n}"),
        )  # fmt: skip

    # session, user, city, memberships, enterprise, demands, shortlist, rateable providers,
    # products, their sectors, ratings, the header's provider-staff check
    with django_assert_max_num_queries(12):
        assert client.get(f"/c/{world['city'].code}/matching/").status_code == 200


# -- demand -----------------------------------------------------------------------------------


def test_setting_demand_replaces_the_entered_scenarios_and_keeps_the_diagnosis_ones(world):
    enterprise = world["enterprise"]
    Demand.objects.create(
        city=world["city"], enterprise=enterprise, scenario="finance", source="diagnosis"
    )

    services.demand_set(enterprise=enterprise, actor=world["alice"], scenarios=["hr"], note="急")

    rows = {(d.scenario, d.source, d.note) for d in Demand.objects.filter(enterprise=enterprise)}
    assert rows == {("finance", "diagnosis", ""), ("hr", "enterprise", "急")}


def test_the_demands_endpoint_reads_and_replaces(world):
    client = api_as(world["alice"])

    response = client.put(url(world, "demands/"), {"scenarios": ["hr", "office"]}, format="json")

    assert response.status_code == 200
    assert [d["scenario"] for d in response.json()] == ["hr", "office"]
    assert [d["scenario"] for d in client.get(url(world, "demands/")).json()] == ["hr", "office"]


def test_an_unknown_scenario_is_a_400_and_changes_nothing(world):
    response = api_as(world["alice"]).put(
        url(world, "demands/"), {"scenarios": ["hr", "nope"]}, format="json"
    )

    assert response.status_code == 400
    assert "scenarios" in response.json()
    assert (
        set(
            Demand.objects.filter(enterprise=world["enterprise"]).values_list("scenario", flat=True)
        )
        == DEMANDS
    )


def test_the_service_refuses_an_unknown_scenario(world):
    with pytest.raises(InvalidInput):
        services.demand_set(enterprise=world["enterprise"], actor=world["alice"], scenarios=["x"])


def test_the_city_admin_reads_demand_but_may_not_write_it(world):
    client = api_as(world["admin"])

    assert client.get(url(world, "demands/")).status_code == 200
    response = client.put(url(world, "demands/"), {"scenarios": ["hr"]}, format="json")

    assert response.status_code == 403
    assert Demand.objects.filter(enterprise=world["enterprise"]).count() == 2


def test_another_enterprise_of_the_city_is_not_found(world):
    other = EnterpriseFactory(city=world["city"])
    path = f"/api/v1/cities/{world['city'].code}/enterprises/{other.pk}/matches/"

    assert api_as(world["alice"]).get(path).status_code == 404
    put = api_as(world["alice"]).put(path.replace("matches", "demands"), {"scenarios": []})
    assert put.status_code == 404


def test_another_city_s_enterprise_is_not_found(world):
    other_city = CityFactory()
    other = EnterpriseFactory(city=other_city)
    admin = world["admin"]
    path = f"/api/v1/cities/{world['city'].code}/enterprises/{other.pk}/matches/"

    assert api_as(admin).get(path).status_code == 404


# -- shortlist --------------------------------------------------------------------------------


def test_an_enterprise_shortlists_an_offered_solution(world):
    product = world["products"][1]

    response = api_as(world["alice"]).post(url(world, "shortlist/"), {"product": product.pk})

    assert response.status_code == 201
    assert response.json()["product"] == product.pk
    assert response.json()["offered"] is True
    assert [r["product"] for r in api_as(world["alice"]).get(url(world, "shortlist/")).json()] == [
        product.pk
    ]


@pytest.mark.parametrize("which", [0, 1, 2])  # suspended provider's, unlisted, submitted
def test_a_solution_not_offered_cannot_be_shortlisted(world, which):
    product = world["hidden"][which]

    response = api_as(world["alice"]).post(url(world, "shortlist/"), {"product": product.pk})

    assert response.status_code == 409
    assert "not listed" in str(response.json())
    assert not Shortlist.objects.exists()


def test_another_city_s_solution_cannot_be_shortlisted(world):
    response = api_as(world["alice"]).post(
        url(world, "shortlist/"), {"product": world["elsewhere"].pk}
    )

    assert response.status_code == 400
    assert not Shortlist.objects.exists()


def test_shortlisting_twice_is_a_conflict(world):
    product = world["products"][1]
    services.shortlist_add(enterprise=world["enterprise"], actor=world["alice"], product=product)

    with pytest.raises(Conflict):
        services.shortlist_add(
            enterprise=world["enterprise"], actor=world["alice"], product=product
        )


def test_removing_from_the_shortlist(world):
    product = world["products"][1]
    services.shortlist_add(enterprise=world["enterprise"], actor=world["alice"], product=product)
    client = api_as(world["alice"])

    assert client.delete(url(world, f"shortlist/{product.pk}/")).status_code == 204
    assert not Shortlist.objects.exists()
    assert client.delete(url(world, f"shortlist/{product.pk}/")).status_code == 404


def test_only_the_enterprise_s_own_users_shortlist(world):
    with pytest.raises(NotAllowed):
        services.shortlist_add(
            enterprise=world["enterprise"], actor=world["admin"], product=world["products"][1]
        )
    response = api_as(world["admin"]).post(
        url(world, "shortlist/"), {"product": world["products"][1].pk}
    )
    assert response.status_code == 403
    assert not Shortlist.objects.exists()


# -- ratings ----------------------------------------------------------------------------------


def project_with(world, provider, status="accepted"):
    """A transformation project of Alice's enterprise with `provider`, at `status`."""
    return Project.objects.create(
        city=world["city"], enterprise=world["enterprise"], provider=provider, title="视觉质检",
        contract_amount=Decimal("100000.00"), planned_start=date(2025, 1, 1),
        planned_end=date(2025, 6, 30), status=status, created_by=world["admin"],
    )  # fmt: skip


@pytest.mark.parametrize("status", [None, "planned", "in_progress", "completed", "failed"])
def test_an_enterprise_may_not_rate_a_provider_without_an_accepted_project(world, status):
    # Shortlisting one of its solutions is not enough any more; nor is a project not accepted.
    services.shortlist_add(
        enterprise=world["enterprise"], actor=world["alice"], product=world["products"][1]
    )
    if status:
        project_with(world, world["p45"], status)

    response = api_as(world["alice"]).post(
        url(world, "ratings/"), {"provider": world["p45"].pk, "score": 5}
    )

    assert response.status_code == 409
    assert "accepted" in response.json()["detail"]
    assert not ProviderRating.objects.filter(enterprise=world["enterprise"]).exists()


def test_an_accepted_project_with_another_provider_does_not_count(world):
    project_with(world, world["suspended"])
    other = EnterpriseFactory(city=world["city"])
    Project.objects.create(
        city=world["city"], enterprise=other, provider=world["p45"], title="别人的项目",
        contract_amount=Decimal("1.00"), planned_start=date(2025, 1, 1),
        planned_end=date(2025, 1, 1), status="accepted", created_by=world["admin"],
    )  # fmt: skip

    with pytest.raises(Conflict) as refused:
        services.rating_create(
            enterprise=world["enterprise"], actor=world["alice"], provider=world["p45"], score=4
        )
    assert refused.value.extra["status"] == "not_served"


def test_an_enterprise_rates_a_provider_of_an_accepted_project_once_and_it_is_audited(world):
    project_with(world, world["p45"])
    client = api_as(world["alice"])

    response = client.post(
        url(world, "ratings/"), {"provider": world["p45"].pk, "score": 2, "comment": "慢"}
    )
    again = client.post(url(world, "ratings/"), {"provider": world["p45"].pk, "score": 5})

    assert response.status_code == 201
    assert response.json()["score"] == 2
    assert again.status_code == 409
    assert "already rated" in again.json()["detail"]
    assert ProviderRating.objects.filter(enterprise=world["enterprise"]).count() == 1
    entry = AuditEntry.objects.filter(action="provider.rate").get()
    assert entry.actor_username == world["alice"].username
    assert [r["score"] for r in client.get(url(world, "ratings/")).json()] == [2]


def test_two_accepted_projects_still_mean_one_rating(world):
    project_with(world, world["p45"])
    project_with(world, world["p45"])
    services.rating_create(
        enterprise=world["enterprise"], actor=world["alice"], provider=world["p45"], score=4
    )

    with pytest.raises(Conflict) as refused:
        services.rating_create(
            enterprise=world["enterprise"], actor=world["alice"], provider=world["p45"], score=5
        )
    assert refused.value.extra["status"] == "already_rated"


@pytest.mark.parametrize("score", [0, 6, "abc"])
def test_a_score_outside_1_to_5_is_a_400(world, score):
    project_with(world, world["p45"])

    response = api_as(world["alice"]).post(
        url(world, "ratings/"), {"provider": world["p45"].pk, "score": score}
    )

    assert response.status_code == 400
    assert "score" in response.json()


def test_the_service_refuses_a_score_outside_1_to_5(world):
    project_with(world, world["p45"])
    with pytest.raises(InvalidInput):
        services.rating_create(
            enterprise=world["enterprise"], actor=world["alice"], provider=world["p45"], score=7
        )


def test_only_the_enterprise_s_own_users_rate(world):
    project_with(world, world["p45"])
    with pytest.raises(NotAllowed):
        services.rating_create(
            enterprise=world["enterprise"], actor=world["admin"], provider=world["p45"], score=4
        )


def test_the_rating_changes_the_provider_s_average_in_the_proposals(world):
    project_with(world, world["p45"])
    services.rating_create(
        enterprise=world["enterprise"], actor=world["alice"], provider=world["p45"], score=3
    )

    found = {p.pk: p for p in selectors.matches(world["enterprise"])}

    assert found[world["products"][1].pk].rating == Decimal("4.00")  # (4 + 5 + 3) / 3


# -- pages ------------------------------------------------------------------------------------


def test_the_page_saves_demand_shortlists_and_rates(world, client):
    client.force_login(world["alice"])
    base = f"/c/{world['city'].code}/matching/"
    product = world["products"][9]
    project_with(world, product.provider)

    r1 = client.post(base + "demands/", {"scenarios": ["quality"], "note": ""})
    r2 = client.post(base + "shortlist/", {"product": product.pk})
    r3 = client.post(base + "ratings/", {"provider": product.provider_id, "score": 4})

    assert [r1.status_code, r2.status_code, r3.status_code] == [302, 302, 302]
    assert set(
        Demand.objects.filter(enterprise=world["enterprise"]).values_list("scenario", flat=True)
    ) == {"quality"}
    assert Shortlist.objects.get().product == product
    assert ProviderRating.objects.get(enterprise=world["enterprise"]).score == 4


def test_the_page_says_when_a_provider_can_be_rated(world, client):
    client.force_login(world["alice"])

    page = client.get(f"/c/{world['city'].code}/matching/").content.decode()

    with translation.override("zh-hans"):  # the page's language
        shown = translation.gettext(
            "You can rate a provider once a transformation project of yours with it has been "
            "accepted (once per provider)."
        )
    assert shown in page


def test_the_page_explains_why_a_solution_cannot_be_shortlisted(world, client):
    client.force_login(world["alice"])

    response = client.post(
        f"/c/{world['city'].code}/matching/shortlist/",
        {"product": world["hidden"][0].pk},
        follow=True,
    )

    assert "not listed" in response.content.decode()
    assert not Shortlist.objects.exists()


def test_the_matching_page_is_for_enterprises(world, client):
    client.force_login(world["admin"])

    assert client.get(f"/c/{world['city'].code}/matching/").status_code == 403


# -- demand versus supply ---------------------------------------------------------------------


def test_demand_supply_counts_per_scenario_and_flags_thin_ones(world):
    rows = {r.scenario: r for r in selectors.demand_supply(world["city"])}

    # quality: Alpha, Charlie, Delta, Golf, Hotel (5 solutions, 4 providers); energy: Bravo,
    # Echo ×2 (3 solutions, 2 providers); the hidden ones do not count.
    assert (rows["quality"].demand, rows["quality"].products, rows["quality"].providers) == (
        1, 5, 4,
    )  # fmt: skip
    assert (rows["energy"].demand, rows["energy"].products, rows["energy"].providers) == (1, 3, 2)
    assert rows["quality"].thin is False
    assert rows["warehouse"].thin is True  # one solution
    assert len(rows) == 16


def test_demand_above_ten_per_solution_is_thin(world):
    for _ in range(31):
        Demand.objects.create(
            city=world["city"], enterprise=EnterpriseFactory(city=world["city"]), scenario="energy"
        )

    rows = {r.scenario: r for r in selectors.demand_supply(world["city"])}

    assert (rows["energy"].demand, rows["energy"].products, rows["energy"].thin) == (32, 3, True)


def test_the_demand_supply_endpoint_and_page(world, client):
    response = api_as(world["admin"]).get(f"/api/v1/cities/{world['city'].code}/demand-supply/")
    client.force_login(world["admin"])
    page = client.get(f"/c/{world['city'].code}/matching/overview/")

    assert response.status_code == 200
    quality = next(r for r in response.json() if r["scenario"] == "quality")
    assert quality == {"scenario": "quality", "label": quality["label"], "demand": 1,
                       "products": 5, "providers": 4, "thin": False}  # fmt: skip
    assert page.status_code == 200
    assert 'data-scenario="warehouse"' in page.content.decode()


def test_enterprises_do_not_see_the_overview(world, client):
    client.force_login(world["alice"])

    assert client.get(f"/c/{world['city'].code}/matching/overview/").status_code == 403
    response = api_as(world["alice"]).get(f"/api/v1/cities/{world['city'].code}/demand-supply/")
    assert response.status_code == 403


@pytest.mark.parametrize("extra", [3, 30])
def test_demand_supply_runs_a_fixed_number_of_queries(world, extra, django_assert_max_num_queries):
    client = api_as(world["admin"])
    for n in range(extra):
        ProductFactory(city=world["city"], provider=world["p45"], name=f"Z{n}", scenario="hr")
        Demand.objects.create(
            city=world["city"], enterprise=EnterpriseFactory(city=world["city"]), scenario="hr"
        )

    # session, user, city, memberships, demand counts, supply counts
    with django_assert_max_num_queries(6):
        assert client.get(f"/api/v1/cities/{world['city'].code}/demand-supply/").status_code == 200
