"""subsidy-preview/ (API.md "Subsidies"): the worked examples of the issue and one case per other
rule line of each seed city, through the API; an enterprise's exclusions and enrolment batch;
bilingual 400s; who may use it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from enterprises.models import Application, ApplicationStatus
from subsidies.models import ClaimStatus, RulebookVersion, SubsidyClaim
from subsidies.rulebook import SEED_CITIES, load
from tests.factories import (
    BatchFactory,
    CityFactory,
    DistrictFactory,
    EnterpriseFactory,
    ProviderFactory,
)
from tests.subsidies.preview_helpers import api, city_with_rulebook, line, member, version_from

pytestmark = pytest.mark.django_db


def url(city) -> str:
    return f"/api/v1/cities/{city.code}/subsidy-preview/"


def preview(user, city, **body):
    return api(user).post(url(city), body, format="json")


@pytest.fixture
def shenyang():
    return city_with_rulebook("shenyang")


@pytest.fixture
def xiamen():
    return city_with_rulebook("xiamen")


@pytest.fixture
def xinxiang():
    return city_with_rulebook("xinxiang")


@pytest.fixture
def cities(shenyang, xiamen, xinxiang):
    return {"shenyang": shenyang, "xiamen": xiamen, "xinxiang": xinxiang}


# -- the worked examples of the issue ---------------------------------------------------------

WORKED = [
    ("shenyang", 2, "1200000.00", "500000.00", True),
    ("shenyang", 3, "300000.00", "150000.00", True),
    ("shenyang", 1, "300000.00", "0.00", False),
    ("xiamen", 2, "500000.00", "200000.00", True),
    ("xiamen", 3, "1000000.00", "350000.00", True),
    ("xiamen", 4, "2000000.00", "400000.00", True),
    ("xinxiang", 2, "800000.00", "400000.00", True),
    ("xinxiang", 3, "800000.00", "560000.00", True),
    ("xinxiang", 3, "1200000.00", "700000.00", True),
]


@pytest.mark.parametrize(("source", "level", "investment", "amount", "eligible"), WORKED)
def test_worked_examples_hold_through_the_api(cities, source, level, investment, amount, eligible):
    city = cities[source]
    user = member(city, "enterprise", enterprise=EnterpriseFactory(city=city))

    response = preview(user, city, kind="transformation", level=level, investment=investment)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["amount"], body["eligible"]) == (amount, eligible)
    assert body["kind"] == "transformation"
    assert body["rule"].endswith(" / " + line_name_en(city, "transformation"))
    assert body["explanation"][-1] == {"key": "result", "zh": "补助", "en": "subsidy",
                                       "value": amount}  # fmt: skip
    assert body["explanation_zh"].endswith(f"补助 {Decimal(amount):,.2f}") or not eligible


def line_name_en(city, code) -> str:
    return line(RulebookVersion.objects.get(city=city).data, code)["name_en"]


def test_the_explanation_lists_each_step_in_both_languages(shenyang):
    user = member(shenyang, "city_admin")

    body = preview(user, shenyang, kind="transformation", level=2, investment="1200000.00").json()

    assert [(s["key"], s["value"]) for s in body["explanation"]] == [
        ("level", 2), ("base", "1200000.00"), ("rate", "0.50"), ("raw", "600000.00"),
        ("cap", "500000.00"), ("result", "500000.00"),
    ]  # fmt: skip
    assert body["explanation_zh"] == (
        "数字化水平 二级；可补助投资 1,200,000.00 × 50% = 600,000.00；封顶 500,000.00；"
        "补助 500,000.00"
    )
    assert body["explanation_en"].startswith("digital level 2; eligible investment 1,200,000.00")
    assert body["reasons"] == []
    assert body["rulebook_version"]["version"] == "2023.1"


def test_level_1_is_not_eligible_with_the_reason(shenyang):
    body = preview(
        member(shenyang, "auditor"), shenyang, kind="transformation", level=1, investment="300000"
    ).json()

    assert (body["amount"], body["eligible"]) == ("0.00", False)
    assert body["reasons"] == ["不符合条件：数字化水平须达到二级及以上 / not eligible: digital "
                               "level 2 or above required"]  # fmt: skip


# One case per other rule line, from DOMAIN.md's figures.
OTHER_LINES = [
    ("shenyang", "chain_case", {"requested": "600000.00"}, "500000.00"),
    ("shenyang", "chain_case", {}, "500000.00"),  # the ceiling, until the city proposes a figure
    ("shenyang", "excellent_product", {"requested": "320000.00"}, "320000.00"),
    ("shenyang", "public_platform", {"fee": "6000000.00"}, "5000000.00"),
    ("shenyang", "sector_platform", {"fee": "1000000.00"}, "1000000.00"),
    ("shenyang", "diagnosis", {"fee": "9000.00"}, "7000.00"),
    ("shenyang", "acceptance", {"fee": "8000.00"}, "8000.00"),
    ("shenyang", "services_events", {"fee": "3500000.00"}, "3000000.00"),
    ("xiamen", "diagnosis", {"fee": "50000.00"}, "30000.00"),
    ("xiamen", "diagnosis", {"fee": "200000.00"}, "60000.00"),
    ("xiamen", "chain_leader", {"units": 3}, "150000.00"),
    ("xiamen", "chain_leader", {"units": 25}, "1000000.00"),
    ("xiamen", "cloud_first", {"fee": "400000.00"}, "300000.00"),
    ("xiamen", "national_demo", {"requested": "1200000.00"}, "1000000.00"),
    ("xiamen", "national_demo", {"requested": "300000.00"}, "500000.00"),
    ("xiamen", "training", {"units": 40, "fee": "30000.00"}, "20000.00"),
    ("xiamen", "training", {"units": 40, "fee": "15000.00"}, "15000.00"),
    (
        "xiamen",
        "transformation",
        {"level": 2, "investment": "500000.00", "granted_elsewhere": "150000.00"},
        "50000.00",
    ),
    ("xinxiang", "loan_interest", {"loan_interest": "30000.00"}, "30000.00"),
    ("xinxiang", "loan_interest", {"loan_interest": "80000.00"}, "50000.00"),
    ("xinxiang", "benchmark", {"requested": "200000.00"}, "150000.00"),
    ("xinxiang", "excellent_provider", {}, "100000.00"),
    ("xinxiang", "excellent_product", {"requested": "80000.00"}, "80000.00"),
    ("xinxiang", "chain_case", {"requested": "100000.00"}, "100000.00"),
    ("xinxiang", "diagnosis", {"fee": "2500.00"}, "2000.00"),
    ("xinxiang", "acceptance", {"fee": "5000.00"}, "5000.00"),
    ("xinxiang", "national_demo", {}, "500000.00"),
    ("xinxiang", "provincial_demo", {}, "200000.00"),
    ("xinxiang", "little_giant_national", {}, "500000.00"),
    ("xinxiang", "specialised_provincial", {}, "300000.00"),
    ("xinxiang", "training_session", {"fee": "250000.00"}, "200000.00"),
    ("xinxiang", "industry_event", {"fee": "90000.00"}, "90000.00"),
    ("xinxiang", "star_rating_bonus", {"level": 3}, "0.00"),
]


@pytest.mark.parametrize(("source", "kind", "inputs", "amount"), OTHER_LINES)
def test_every_other_rule_line_can_be_previewed(cities, source, kind, inputs, amount):
    city = cities[source]

    response = preview(member(city, "city_admin"), city, kind=kind, **inputs)

    assert response.status_code == 200, response.json()
    assert response.json()["amount"] == amount


def test_every_line_of_every_seed_city_is_covered_by_a_case():
    covered = {(source, kind) for source, kind, _inputs, _amount in OTHER_LINES}
    covered |= {(source, "transformation") for source, *_rest in WORKED}

    assert {(c, line.code) for c in SEED_CITIES for line in load(c).lines} == covered


def test_the_star_rating_bonus_gives_points_not_money(xinxiang):
    body = preview(
        member(xinxiang, "city_admin"), xinxiang, kind="star_rating_bonus", level=3
    ).json()

    assert (body["amount"], body["points"]) == ("0.00", 4)  # pilot +1, level 3 +3


def test_a_category_total_counts_what_the_city_already_granted(xinxiang):
    # given: 999,000 of Xinxiang's 1,000,000 diagnosis total already approved
    enterprise = EnterpriseFactory(city=xinxiang)
    SubsidyClaim.objects.create(
        city=xinxiang, kind="diagnosis", enterprise=enterprise, status=ClaimStatus.APPROVED,
        approved_amount=Decimal("999000.00"),
    )  # fmt: skip
    # when
    body = preview(member(xinxiang, "city_admin"), xinxiang, kind="diagnosis", fee="2000").json()
    # then
    assert body["amount"] == "1000.00"
    assert "only 1,000.00 left in the category total (004 任务24)" in body["reasons"][0]


def test_the_lines_and_their_inputs_are_listed(xiamen):
    response = api(member(xiamen, "expert")).get(url(xiamen))

    assert response.status_code == 200
    kinds = {k["kind"]: k for k in response.json()["kinds"]}
    assert list(kinds) == ["diagnosis", "chain_leader", "cloud_first", "transformation",
                           "national_demo", "training"]  # fmt: skip
    assert kinds["transformation"]["required"] == ["level", "investment"]
    assert kinds["transformation"]["optional"] == ["granted_elsewhere"]  # 就高不重复
    assert kinds["training"]["required"] == ["units", "fee"]
    assert kinds["national_demo"]["optional"] == ["requested", "granted_elsewhere"]


# -- an enterprise's exclusions and batch ----------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "reason_en"),
    [
        ({"central_fund_little_giant": True}, "little giant already funded by the central SME"),
        ({"in_2022_pilot": True}, "already in the 2022 transformation pilot"),
        ({"blacklisted_until": date.today() + timedelta(days=30)}, "blacklisted for fraud"),
        ({"blacklisted_until": timezone.localdate()}, "blacklisted for fraud"),
    ],
)
def test_an_excluded_enterprise_gets_0_with_the_reason(shenyang, flags, reason_en):
    enterprise = EnterpriseFactory(city=shenyang, **flags)
    user = member(shenyang, "enterprise", enterprise=enterprise)

    body = preview(user, shenyang, kind="transformation", level=2, investment="1200000.00",
                   enterprise=enterprise.pk).json()  # fmt: skip

    assert (body["amount"], body["eligible"], body["enterprise"]) == ("0.00", False, enterprise.pk)
    assert reason_en in body["reasons"][0]
    assert body["reasons"][0].startswith("不予支持：")


def test_a_blacklist_that_has_ended_excludes_nothing(shenyang):
    enterprise = EnterpriseFactory(
        city=shenyang, blacklisted_until=timezone.localdate() - timedelta(days=1)
    )

    body = preview(member(shenyang, "city_admin"), shenyang, kind="transformation", level=2,
                   investment="1200000.00", enterprise=enterprise.pk).json()  # fmt: skip

    assert (body["amount"], body["eligible"]) == ("500000.00", True)


def test_without_the_enterprise_its_flags_are_not_applied(shenyang):
    EnterpriseFactory(city=shenyang, central_fund_little_giant=True)

    body = preview(member(shenyang, "city_admin"), shenyang, kind="transformation", level=2,
                   investment="1200000.00").json()  # fmt: skip

    assert body["amount"] == "500000.00"


def test_little_giant_lines_stay_open_to_a_central_little_giant_in_xinxiang(xinxiang):
    enterprise = EnterpriseFactory(city=xinxiang, central_fund_little_giant=True)

    body = preview(member(xinxiang, "city_admin"), xinxiang, kind="little_giant_national",
                   enterprise=enterprise.pk).json()  # fmt: skip

    assert body["amount"] == "500000.00"


def test_the_enterprise_batch_lowers_a_falling_rate(shenyang):
    # given: a version (in effect) whose transformation rate falls 10 % from the second batch,
    # and an enterprise enrolled in the city's second batch
    base = RulebookVersion.objects.get(city=shenyang)
    version_from(
        base,
        version="2023.2",
        effective_from=timezone.localdate(),
        mutate=lambda data: data.update(
            falling_rates=[
                {
                    "line": "transformation",
                    "from_batch": 2,
                    "factor": "0.90",
                    "source": "测试 / test",
                }
            ]
        ),
    )
    first = BatchFactory(city=shenyang, opens=date(2024, 1, 1), closes=date(2024, 3, 1))
    second = BatchFactory(city=shenyang, opens=date(2025, 1, 1), closes=date(2025, 3, 1))
    early, late = EnterpriseFactory(city=shenyang), EnterpriseFactory(city=shenyang)
    for enterprise, batch in ((early, first), (late, second)):
        Application.objects.create(city=shenyang, enterprise=enterprise, batch=batch,
                                   status=ApplicationStatus.APPROVED)  # fmt: skip
    admin = member(shenyang, "city_admin")

    def amount(**extra):
        body = preview(admin, shenyang, kind="transformation", level=2, investment="800000.00",
                       **extra).json()  # fmt: skip
        return body["amount"], body["batch_index"]

    # then
    assert amount(enterprise=early.pk) == ("400000.00", 1)
    assert amount(enterprise=late.pk) == ("360000.00", 2)
    assert amount(batch_index=3) == ("360000.00", 3)
    assert amount(enterprise=early.pk, batch_index=2) == ("360000.00", 2)  # as typed


def test_another_city_enterprise_is_404(shenyang):
    other = EnterpriseFactory(city=CityFactory())

    response = preview(member(shenyang, "city_admin"), shenyang, kind="transformation", level=2,
                       investment="1200000.00", enterprise=other.pk)  # fmt: skip

    assert response.status_code == 404


def test_an_enterprise_user_may_apply_only_its_own_enterprise(shenyang):
    own, neighbour = EnterpriseFactory(city=shenyang), EnterpriseFactory(city=shenyang)
    user = member(shenyang, "enterprise", enterprise=own)

    def status(enterprise):
        return preview(user, shenyang, kind="transformation", level=2, investment="100000",
                       enterprise=enterprise.pk).status_code  # fmt: skip

    assert (status(own), status(neighbour)) == (200, 404)


def test_a_district_officer_may_apply_only_the_district(shenyang):
    district = DistrictFactory(city=shenyang)
    officer = member(shenyang, "district_officer", district=district)
    inside = EnterpriseFactory(city=shenyang, district=district)
    outside = EnterpriseFactory(city=shenyang, district=DistrictFactory(city=shenyang))

    def status(enterprise):
        return preview(officer, shenyang, kind="diagnosis", fee="100",
                       enterprise=enterprise.pk).status_code  # fmt: skip

    assert (status(inside), status(outside)) == (200, 404)


# -- refusals ---------------------------------------------------------------------------------


def test_an_unknown_kind_is_400_listing_the_city_kinds(xiamen):
    response = preview(member(xiamen, "city_admin"), xiamen, kind="platform", level=2)

    assert response.status_code == 400
    message = response.json()["kind"][0]
    assert message.startswith("未知的补助类型：platform；本市可选：diagnosis, chain_leader")
    assert "unknown kind: platform; this city's kinds: diagnosis, chain_leader, cloud_first, " \
           "transformation, national_demo, training" in message  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field", "en"),
    [
        ({"level": 2, "investment": "abc"}, "investment", "investment must be an amount (abc)"),
        ({"level": 2, "investment": "-5"}, "investment", "must be an amount ≥ 0"),
        ({"level": 2, "investment": "1.005"}, "investment", "at most two decimals"),
        ({"level": 2, "investment": "NaN"}, "investment", "must be an amount ≥ 0"),
        ({"level": 7, "investment": "100"}, "level", "level must be 1–4 (7)"),
        ({"level": "二", "investment": "100"}, "level", "level must be a whole number"),
        ({"investment": "100"}, "level", "level is required for transformation"),
        ({"level": 2}, "investment", "investment is required for transformation"),
    ],
)
def test_bad_numbers_are_400_bilingual_naming_the_field(shenyang, body, field, en):
    response = preview(member(shenyang, "city_admin"), shenyang, kind="transformation", **body)

    assert response.status_code == 400
    message = response.json()[field][0]
    assert en in message
    assert " / " in message and message.split(" / ")[0] != message  # Chinese first


def test_every_bad_input_is_named_at_once(shenyang):
    response = preview(member(shenyang, "city_admin"), shenyang, kind="transformation",
                       level="x", investment="y")  # fmt: skip

    assert response.status_code == 400
    assert set(response.json()) == {"level", "investment"}


def test_a_city_without_a_rulebook_answers_409():
    city = CityFactory()

    response = preview(member(city, "city_admin"), city, kind="transformation", level=2,
                       investment="1")  # fmt: skip

    assert response.status_code == 409
    assert "has no subsidy rulebook in effect" in response.json()["detail"]


# -- who ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [
        "city_admin",
        "district_officer",
        "finance_officer",
        "expert",
        "assessor",
        "auditor",
        "enterprise",
        "provider",
    ],
)
def test_every_member_of_the_city_may_preview(shenyang, role):
    extra = {}
    if role == "enterprise":
        extra["enterprise"] = EnterpriseFactory(city=shenyang)
    if role == "provider":
        extra["provider"] = ProviderFactory()
    user = member(shenyang, role, **extra)

    response = preview(user, shenyang, kind="diagnosis", fee="5000")

    assert (response.status_code, response.json()["amount"]) == (200, "5000.00")


def test_a_member_of_another_city_gets_404(shenyang):
    stranger = member(CityFactory(), "city_admin")

    assert preview(stranger, shenyang, kind="diagnosis", fee="5000").status_code == 404


def test_anonymous_users_are_refused(shenyang):
    status = APIClient().post(url(shenyang), {"kind": "diagnosis"}, format="json").status_code

    assert status in (401, 403)


def test_a_future_version_is_previewed_only_by_those_who_see_versions(shenyang):
    base = RulebookVersion.objects.get(city=shenyang)
    future = version_from(
        base, version="2026.1", effective_from=timezone.localdate() + timedelta(days=90),
        mutate=lambda data: line(data, "diagnosis")["params"].update(cap="9000.00"),
    )  # fmt: skip
    body = {"kind": "diagnosis", "fee": "9500.00", "version": future.pk}
    enterprise_user = member(shenyang, "enterprise", enterprise=EnterpriseFactory(city=shenyang))

    admin = api(member(shenyang, "city_admin")).post(url(shenyang), body, format="json")
    finance = api(member(shenyang, "finance_officer")).post(url(shenyang), body, format="json")
    other = api(enterprise_user).post(url(shenyang), body, format="json")
    today = api(enterprise_user).post(url(shenyang), {**body, "version": None}, format="json")

    assert admin.json()["amount"] == finance.json()["amount"] == "9000.00"
    assert other.status_code == 404
    assert today.json()["amount"] == "7000.00"  # the version in effect


def test_another_city_version_is_404(shenyang):
    elsewhere = city_with_rulebook("xiamen")
    version = RulebookVersion.objects.get(city=elsewhere)

    response = preview(member(shenyang, "city_admin"), shenyang, kind="diagnosis", fee="1",
                       version=version.pk)  # fmt: skip

    assert response.status_code == 404
