"""subsidy-claims/, projects/{id}/subsidy/ and subsidy-funds/: API.md's contract, the worked
examples end to end, refusals that change nothing, 404 across cities, fixed query counts."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from subsidies import services
from subsidies.models import SubsidyClaim
from tests.factories import EnterpriseFactory, MembershipFactory
from tests.subsidies.claim_helpers import accepted_project, publicised, subsidy_world

pytestmark = pytest.mark.django_db
D = Decimal


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(world, tail):
    return f"/api/v1/cities/{world['city'].code}/{tail}"


@pytest.mark.parametrize(
    "source, level, investment, amount",
    [
        ("shenyang", 2, "1200000.00", "500000.00"),
        ("xiamen", 4, "2000000.00", "400000.00"),
        ("xinxiang", 3, "1200000.00", "700000.00"),
    ],
)
def test_a_project_subsidy_is_computed_approved_and_paid(source, level, investment, amount):
    world = subsidy_world(source)
    project = accepted_project(world, level=level, software=investment)
    admin, finance = api(world["admin"]), api(world["finance"])
    answer = admin.post(url(world, f"projects/{project.pk}/subsidy/"))
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["amount"], body["level"], body["eligible_investment"]) == (
        amount, level, investment,
    )  # fmt: skip
    assert body["status"] == "computed" and body["explanation"][-1]["value"] == amount
    assert admin.post(url(world, f"projects/{project.pk}/subsidy/")).status_code == 200
    claim_url = url(world, f"subsidy-claims/{body['id']}/")
    approved = admin.post(claim_url + "approve/", {"comment": "同意"}).json()
    assert approved["status"] == "approved" and approved["approved_amount"] == amount
    publicised(SubsidyClaim.objects.get(pk=body["id"]), world["admin"])
    paid = [D(i["amount"]) for i in approved["instalments"]]
    assert sum(paid) == D(amount)
    for n, part in enumerate(paid, 1):
        answer = finance.post(claim_url + "disburse/", {"amount": str(part), "reference": f"B{n}"})
        assert answer.status_code == 200, answer.content
    final = answer.json()
    assert final["status"] == "paid" and final["paid_amount"] == amount
    assert [e["reference"] for e in final["ledger"]] == [f"B{n}" for n in range(1, len(paid) + 1)]
    over = finance.post(claim_url + "disburse/", {"amount": "0.01", "reference": "B9"})
    assert over.status_code == 409


def test_refusals_change_nothing():
    world = subsidy_world()
    project = accepted_project(world, software="300000")
    claim, _ = services.claim_for_project(world["admin"], project)
    claim_url = url(world, f"subsidy-claims/{claim.pk}/")
    assert api(world["finance"]).post(claim_url + "approve/").status_code == 403
    assert (
        api(world["finance"])
        .post(claim_url + "disburse/", {"amount": "1", "reference": "x"})
        .status_code
        == 409
    )  # not approved yet
    assert api(world["admin"]).post(claim_url + "void/", {"reason": ""}).status_code == 400
    assert (
        api(world["owner"]).post(url(world, f"projects/{project.pk}/subsidy/")).status_code == 403
    )
    claim.refresh_from_db()
    assert claim.status == "computed" and not claim.steps.exclude(action="compute").exists()


def test_another_citys_claim_is_404_and_enterprises_see_only_their_own():
    world, other = subsidy_world(), subsidy_world("xiamen")
    mine, _ = services.claim_for_project(world["admin"], accepted_project(world, software="300000"))
    theirs, _ = services.claim_for_project(
        other["admin"], accepted_project(other, software="300000")
    )
    assert api(world["admin"]).get(url(world, f"subsidy-claims/{theirs.pk}/")).status_code == 404
    assert (
        api(world["admin"]).post(url(world, f"subsidy-claims/{theirs.pk}/approve/")).status_code
        == 404
    )
    neighbour = EnterpriseFactory(city=world["city"])
    stranger = MembershipFactory(city=world["city"], role="enterprise", enterprise=neighbour).user
    assert api(stranger).get(url(world, f"subsidy-claims/{mine.pk}/")).status_code == 404
    assert api(stranger).get(url(world, "subsidy-claims/")).json()["count"] == 0
    owner_view = api(world["owner"]).get(url(world, f"subsidy-claims/{mine.pk}/")).json()
    assert owner_view["amount"] == "150000.00" and "300,000.00" in owner_view["explanation_zh"]


def test_award_claims_through_the_api():
    world = subsidy_world("xinxiang")
    answer = api(world["admin"]).post(
        url(world, "subsidy-claims/"),
        {"kind": "loan_interest", "enterprise": world["enterprise"].pk,
         "inputs": {"loan_interest": "80000"}, "year": 2026},
        format="json",
    )  # fmt: skip
    assert answer.status_code == 201, answer.content
    assert answer.json()["amount"] == "50000.00"  # full interest, at most 50,000 a year
    bad = api(world["admin"]).post(
        url(world, "subsidy-claims/"),
        {"kind": "loan_interest", "enterprise": 999999, "inputs": {}}, format="json",
    )  # fmt: skip
    assert bad.status_code == 400


def test_the_list_filters_and_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    world = subsidy_world("xinxiang")

    def add(n):
        for _ in range(n):
            services.claim_create(
                world["admin"], city=world["city"], kind="diagnosis",
                enterprise=EnterpriseFactory(city=world["city"]), inputs={"fee": "1500"},
            )  # fmt: skip

    add(3)
    client = api(world["auditor"])
    with django_assert_max_num_queries(12) as small:
        assert client.get(url(world, "subsidy-claims/?kind=diagnosis")).json()["count"] == 3
    add(27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(url(world, "subsidy-claims/?kind=diagnosis&status=computed")).json()
    assert body["count"] == 30 and body["results"][0]["amount"] == "1500.00"
    assert client.get(url(world, "subsidy-claims/?status=paid")).json()["count"] == 0


def test_fund_status_shows_the_split():
    world = subsidy_world("xiamen", central="1000000.00", local="500000.00")
    claim, _ = services.claim_for_project(
        world["admin"], accepted_project(world, software="500000", level=2)
    )
    services.claim_approve(world["admin"], claim)
    body = api(world["finance"]).get(url(world, "subsidy-funds/")).json()
    assert body["allocated"] == "1500000.00" and body["approved"] == "200000.00"
    assert body["remaining"] == "1300000.00" and body["ecosystem_cap"] == "200000.00"
    assert body["enterprise_share"] == "1.0000"
    assert api(world["owner"]).get(url(world, "subsidy-funds/")).status_code == 403


def test_the_city_admin_recomputes_every_claim_at_once():
    world = subsidy_world()
    project = accepted_project(world, software="300000")
    services.claim_for_project(world["admin"], project)
    project.investments.create(
        city=project.city, category="cloud", amount=D("100000"), description="云",
        created_by=world["owner"],
    )  # fmt: skip
    assert api(world["finance"]).post(url(world, "subsidy-claims/recompute/")).status_code == 403
    body = api(world["admin"]).post(url(world, "subsidy-claims/recompute/")).json()
    assert (body["claims"], body["changed"]) == (1, 1)
    assert SubsidyClaim.objects.get(project=project).amount == D("200000.00")
