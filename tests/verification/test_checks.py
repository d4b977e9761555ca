"""Batch verification's checks: each finding code with data that triggers it and data that does
not; the same data gives the same list; a chunk costs a fixed number of queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from enterprises.models import Application, Enterprise, ExclusionEntry, Project
from pilot_portal.audit.services import audit_record
from pilot_portal.identifiers import check_character
from pilot_portal.verification.checks import CODES, findings_for
from providers.models import ExpertConflict
from subsidies import services
from subsidies.models import LedgerEntry, SubsidyClaim
from tests.factories import (
    DistrictFactory,
    EnterpriseFactory,
    MembershipFactory,
    SectorFactory,
)
from tests.verification.checks_helpers import (
    acceptance,
    accepted_project,
    at,
    checks_world,
    clean_enterprise,
    codes,
    diagnosis,
    enrolled,
    line,
    of_code,
    pooled_provider,
    step,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def world():
    return checks_world()


def run(world, *enterprises):
    return findings_for(world["city"], [e.pk for e in enterprises])


def test_it_finds_nothing_about_a_clean_enterprise(world):
    # given
    enterprise = clean_enterprise(world)
    # when
    found = run(world, enterprise)
    # then
    assert [(f.code, f.message_en) for f in found] == []


def test_every_code_has_a_severity_titles_and_what_to_fix():
    for code, info in CODES.items():
        assert info.severity in ("error", "warning", "info"), code
        assert info.title_zh and info.title_en and info.fix_zh and info.fix_en and info.rule


# -- credit codes --------------------------------------------------------------------------


def test_it_names_a_malformed_credit_code(world):
    short = enrolled(world, uscc="9111010100001")
    good = enrolled(world)
    found = run(world, short, good)
    assert codes(found, short) == ["uscc_malformed"] and codes(found, good) == []
    assert "9111010100001" in found[0].message_en


def test_it_names_the_wrong_and_the_expected_check_character(world):
    # given: a valid code, and the same first 17 characters with another check character
    good = enrolled(world)
    expected = check_character(good.uscc[:17])
    assert good.uscc[17] == expected
    wrong = "0" if expected != "0" else "1"
    bad = enrolled(world, uscc=good.uscc[:17] + wrong)
    # when
    found = run(world, bad, good)
    # then
    assert codes(found, bad) == ["uscc_check_digit"] and codes(found, good) == []
    (finding,) = found
    assert finding.details == {"uscc": bad.uscc, "expected": expected, "got": wrong}
    assert f"expected {expected}" in finding.message_en
    assert f"应为 {expected}，实际为 {wrong}" in finding.message_zh


def test_it_finds_a_code_registered_twice_in_the_city_once_normalised(world):
    # given: the same code, once stored in lower case (slipped past the normalising services)
    first = enrolled(world)
    second = enrolled(world, uscc=first.uscc.lower())
    other = enrolled(world)
    # when
    found = run(world, first, second, other)
    # then: reported on the record to fix, naming the other
    assert codes(found) == ["uscc_duplicate_in_city"]
    (finding,) = found
    assert (finding.enterprise_id, finding.details["other_enterprise"]) == (second.pk, first.pk)
    assert first.name in finding.message_zh


def test_it_finds_the_same_enterprise_supported_in_another_city(world):
    # given: the same code enrolled in city B (supported twice), and another only registered
    twice = enrolled(world)
    registered = enrolled(world)
    alone = enrolled(world)
    other = checks_world()
    enrolled(other, uscc=twice.uscc)
    EnterpriseFactory(city=other["city"], uscc=registered.uscc)
    # when
    found = run(world, twice, registered, alone)
    # then
    assert codes(found, twice) == ["uscc_duplicate_other_city"]
    assert codes(found, registered) == ["uscc_registered_other_city"]
    assert codes(found, alone) == []
    assert CODES["uscc_duplicate_other_city"].severity == "error"
    assert CODES["uscc_registered_other_city"].severity == "warning"
    (finding,) = of_code(found, "uscc_duplicate_other_city")
    assert finding.details["other_city"] == other["city"].code
    assert other["city"].name in finding.message_zh


# -- exclusion lists and overrides ---------------------------------------------------------


@pytest.mark.parametrize(
    "flag, value, code",
    [
        ("central_fund_little_giant", True, "exclusion_central_little_giant"),
        ("in_2022_pilot", True, "exclusion_pilot_2022"),
        ("blacklisted_until", "tomorrow", "exclusion_blacklisted"),
    ],
)
def test_an_excluded_enterprise_approved_without_an_override_is_an_error(world, flag, value, code):
    # given
    if value == "tomorrow":
        value = timezone.localdate() + timedelta(days=1)
    excluded = enrolled(world, srdi="little_giant", **{flag: value})
    expired = enrolled(world, blacklisted_until=timezone.localdate() - timedelta(days=1))
    # when
    found = run(world, excluded, expired)
    # then
    assert codes(found, excluded) == [code] and codes(found, expired) == []
    (finding,) = found
    assert (finding.severity, finding.object_type, finding.object_id) == (
        "error",
        "enterprises.application",
        excluded.application.pk,
    )
    assert world["batch"].name in finding.message_zh


def test_a_granted_claim_of_an_enterprise_flagged_later_is_an_error(world):
    # given: approved and paid, then found to be in the 2022 pilot
    enterprise = clean_enterprise(world)
    Enterprise.objects.filter(pk=enterprise.pk).update(in_2022_pilot=True)
    # when
    found = of_code(run(world, enterprise), "exclusion_pilot_2022")
    # then: the application and the claim
    assert sorted((f.object_type, f.object_id) for f in found) == [
        ("enterprises.application", enterprise.application.pk),
        ("subsidies.subsidyclaim", enterprise.claim.pk),
    ]


def _override(application, reason, *, recorded, actor):
    Application.objects.filter(pk=application.pk).update(exclusion_override_reason=reason)
    if recorded:
        audit_record(
            actor=actor,
            action="application.approve",
            city=application.city,
            obj=application,
            reason=reason,
        )


def test_a_recorded_override_is_info_and_an_unrecorded_one_a_warning(world):
    # given
    recorded = enrolled(world, central_fund_little_giant=True, srdi="little_giant")
    unrecorded = enrolled(world, central_fund_little_giant=True, srdi="little_giant")
    plain = enrolled(world)
    _override(recorded.application, "市政府常务会议决定", recorded=True, actor=world["admin"])
    _override(unrecorded.application, "口头同意", recorded=False, actor=world["admin"])
    _override(plain.application, "无关", recorded=True, actor=world["admin"])
    # when
    found = run(world, recorded, unrecorded, plain)
    # then
    assert codes(found, recorded) == ["exclusion_overridden"]
    assert codes(found, unrecorded) == ["exclusion_override_unrecorded"]
    assert codes(found, plain) == []
    assert "市政府常务会议决定" in of_code(found, "exclusion_overridden")[0].message_zh
    assert of_code(found, "exclusion_overridden")[0].severity == "info"


def test_it_finds_an_enterprise_on_a_list_but_not_flagged(world):
    # given: a national entry, and an entry of another city (which does not apply here)
    listed = enrolled(world)
    elsewhere = enrolled(world)
    ExclusionEntry.objects.create(list="pilot_2022", uscc=listed.uscc)
    ExclusionEntry.objects.create(
        list="pilot_2022", uscc=elsewhere.uscc, city=checks_world()["city"]
    )
    # when
    found = run(world, listed, elsewhere)
    # then
    assert codes(found, listed) == ["exclusion_list_unflagged"]
    assert codes(found, elsewhere) == []
    assert found[0].details == {"list": "pilot_2022"}


def test_a_listed_little_giant_must_have_the_little_giant_srdi_status(world):
    # given: on the central list, flagged, with an override recorded — but SRDI "provincial"
    wrong = enrolled(world, central_fund_little_giant=True, srdi="provincial")
    right = enrolled(world, central_fund_little_giant=True, srdi="little_giant")
    for enterprise in (wrong, right):
        ExclusionEntry.objects.create(list="central_little_giant", uscc=enterprise.uscc)
        _override(enterprise.application, "特批", recorded=True, actor=world["admin"])
    # when
    found = run(world, wrong, right)
    # then
    assert codes(found, wrong) == ["exclusion_overridden", "srdi_list_mismatch"]
    assert codes(found, right) == ["exclusion_overridden"]
    assert "provincial" in of_code(found, "srdi_list_mismatch")[0].message_en


# -- district and sector -------------------------------------------------------------------


def test_district_and_sector_must_be_of_the_city(world):
    # given
    missing = enrolled(world, district=None, sector=None)
    foreign = enrolled(world, district=DistrictFactory(), sector=SectorFactory())
    good = enrolled(world)
    # when
    found = run(world, missing, foreign, good)
    # then
    assert codes(found, missing) == ["district_missing", "sector_missing"]
    assert codes(found, foreign) == ["district_other_city", "sector_other_city"]
    assert codes(found, good) == []
    assert {f.severity for f in found if f.enterprise_id == missing.pk} == {"warning"}
    assert {f.severity for f in found if f.enterprise_id == foreign.pk} == {"error"}


# -- enrolment -----------------------------------------------------------------------------


def test_an_approved_application_must_pass_the_district_then_the_city(world):
    # given: one approved by the city alone, one "district-approved" by a city administrator
    skipped = enrolled(world)
    skipped.application.transitions.exclude(action="approve").delete()
    wrong_role = enrolled(world)
    wrong_role.application.transitions.filter(action="district-approve").update(
        actor_role="city_admin"
    )
    good = enrolled(world)
    # when
    found = run(world, skipped, wrong_role, good)
    # then
    assert codes(found, skipped) == ["application_review_incomplete"]
    assert codes(found, wrong_role) == ["application_review_incomplete"]
    assert codes(found, good) == []
    assert "steps: approve" in of_code(found, "application_review_incomplete")[0].message_en


def test_a_returned_and_resubmitted_application_needs_a_new_district_review(world):
    enterprise = enrolled(world)
    application = enterprise.application
    application.transitions.filter(action="approve").delete()
    step(application, "return", "returned", world["admin"], "city_admin")
    step(application, "submit", "submitted", world["admin"], "city_admin")
    step(application, "approve", "approved", world["admin"], "city_admin")
    assert codes(run(world, enterprise)) == ["application_review_incomplete"]


def test_a_project_without_an_approved_application_is_an_error(world):
    # given: the application went back to "submitted" after the project was made
    enterprise = enrolled(world)
    project = accepted_project(world, enterprise)
    Application.objects.filter(pk=enterprise.application.pk).update(status="submitted")
    good = enrolled(world)
    accepted_project(world, good)
    # when
    found = run(world, enterprise, good)
    # then
    assert codes(found, enterprise) == ["not_enrolled"]
    assert (found[0].object_type, found[0].object_id) == ("enterprises.project", project.pk)
    assert codes(found, good) == []


def test_it_lists_the_missing_documents(world):
    # given: no licence, and the declarations neither confirmed nor uploaded
    lacking = enrolled(world)
    lacking.documents.filter(kind="licence").delete()
    Application.objects.filter(pk=lacking.application.pk).update(declares_not_in_2022_pilot=False)
    complete = enrolled(world)
    # when
    found = run(world, lacking, complete)
    # then
    assert codes(found, lacking) == ["documents_missing"] and codes(found, complete) == []
    assert found[0].details == {"missing": ["licence", "declaration"]}
    assert "营业执照、承诺书" in found[0].message_zh


# -- diagnosis and acceptance --------------------------------------------------------------


def test_a_started_project_needs_a_diagnosis_locked_before_it_started(world):
    # given
    undiagnosed = enrolled(world)
    accepted_project(world, undiagnosed, diagnose=False)
    late = enrolled(world)
    accepted_project(world, late, diagnose=False)
    diagnosis(world, late, day=30)  # the project started on day 20
    good = enrolled(world)
    accepted_project(world, good)
    # when
    found = run(world, undiagnosed, late, good)
    # then
    assert codes(found, undiagnosed) == ["diagnosis_missing"]
    assert codes(found, late) == ["diagnosis_after_start"]
    assert codes(found, good) == []


def test_a_planned_project_needs_no_diagnosis_yet(world):
    enterprise = enrolled(world)
    Project.objects.create(
        city=world["city"],
        enterprise=enterprise,
        provider=world["provider"],
        title="计划中",
        contract_amount=D("1000.00"),
        planned_start=timezone.localdate(),
        planned_end=timezone.localdate(),
        created_by=world["admin"],
    )
    assert codes(run(world, enterprise)) == []


def test_an_accepted_project_needs_a_locked_acceptance(world):
    # given: the acceptance was only submitted
    enterprise = enrolled(world)
    project = accepted_project(world, enterprise)
    project.assessments.filter(kind="acceptance").update(status="submitted")
    good = enrolled(world)
    accepted_project(world, good)
    # when
    found = run(world, enterprise, good)
    # then
    assert codes(found, enterprise) == ["acceptance_not_locked"]
    assert codes(found, good) == []


def test_an_acceptance_locked_before_completion_is_an_error(world):
    # given: locked on day 90, the project completed on day 100
    early = enrolled(world)
    project = accepted_project(world, early)
    project.assessments.filter(kind="acceptance").update(locked_at=at(90))
    unfinished = enrolled(world)
    running = accepted_project(world, unfinished)
    running.steps.filter(action="complete").delete()
    Project.objects.filter(pk=running.pk).update(status="in_progress")
    good = enrolled(world)
    accepted_project(world, good)
    # when
    found = run(world, early, unfinished, good)
    # then
    assert codes(found, early) == ["acceptance_before_completion"]
    assert codes(found, unfinished) == ["acceptance_before_completion"]
    assert codes(found, good) == []
    assert "in_progress" in of_code(found, "acceptance_before_completion")[1].message_en


def test_an_acceptance_by_the_diagnosing_assessor_is_a_warning(world):
    # given
    same = enrolled(world)
    project = accepted_project(world, same)
    project.assessments.filter(kind="acceptance").update(assessor=world["diagnoser"])
    good = enrolled(world)
    accepted_project(world, good)
    # when
    found = run(world, same, good)
    # then
    assert codes(found, same) == ["acceptance_same_assessor"] and codes(found, good) == []
    assert found[0].severity == "warning"
    assert world["diagnoser"].username in found[0].message_en


def test_a_transformation_subsidy_needs_acceptance_level_2(world):
    # given: granted at level 2, then a revision locked later at level 1
    revised = clean_enterprise(world)
    acceptance(world, revised.project, day=150, level=1)
    good = clean_enterprise(world)
    # when
    found = run(world, revised, good)
    # then: below level 2, and the approved amount no longer holds either
    assert codes(found, revised) == ["acceptance_level_below_2", "claim_amount_mismatch"]
    assert codes(found, good) == []
    (finding,) = of_code(found, "acceptance_level_below_2")
    assert (finding.object_id, finding.details) == (revised.claim.pk, {"level": 1})


# -- the provider's pool -------------------------------------------------------------------


def test_the_provider_must_be_in_the_pool_when_the_project_started(world):
    # given: suspended on day 5 (before the start on day 20); reinstated on day 15
    suspended = pooled_provider(
        world, steps=(("select", "selected", 0), ("suspend", "suspended", 5))
    )
    reinstated = pooled_provider(
        world,
        steps=(
            ("select", "selected", 0),
            ("suspend", "suspended", 5),
            ("reinstate", "selected", 15),
        ),
    )
    late = pooled_provider(world, steps=(("select", "selected", 25),))
    cases = {name: enrolled(world) for name in ("suspended", "reinstated", "late")}
    for name, provider in (("suspended", suspended), ("reinstated", reinstated), ("late", late)):
        accepted_project(world, cases[name], provider=provider)
    # when
    found = run(world, *cases.values())
    # then
    assert codes(found, cases["suspended"]) == ["provider_not_pooled"]
    assert codes(found, cases["late"]) == ["provider_not_pooled"]
    assert codes(found, cases["reinstated"]) == []
    statuses = sorted(f.details["status"] for f in found)
    assert statuses == ["applied", "suspended"]
    assert suspended.name in of_code(found, "provider_not_pooled")[0].message_zh


def test_a_provider_of_another_city_only_is_not_in_this_pool(world):
    other = checks_world()
    enterprise = enrolled(world)
    accepted_project(world, enterprise, provider=other["provider"])
    found = run(world, enterprise)
    assert codes(found) == ["provider_not_pooled"] and found[0].details["status"] is None


# -- conflict of interest ------------------------------------------------------------------


def test_an_acceptance_assessor_linked_to_the_provider_is_a_conflict(world):
    # given: the acceptor is on one provider's staff, acts for a second in another city, and
    # declared a conflict with a third; the fourth provider is unrelated
    staffed = pooled_provider(world)
    staffed.staff.add(world["acceptor"])
    member = pooled_provider(world)
    MembershipFactory(user=world["acceptor"], role="provider", provider=member)
    declared = pooled_provider(world)
    ExpertConflict.objects.create(
        city=world["city"], expert=world["acceptor"], provider=declared, reason="曾任该公司顾问"
    )
    providers = (staffed, member, declared, world["provider"])
    cases = [enrolled(world) for _ in providers]
    for enterprise, provider in zip(cases, providers, strict=True):
        accepted_project(world, enterprise, provider=provider)
    # when
    found = run(world, *cases)
    # then
    assert [codes(found, e) for e in cases] == [["conflict_of_interest"]] * 3 + [[]]
    assert [f.details["links"] for f in found] == [["staff"], ["membership"], ["declared"]]
    assert staffed.name in found[0].message_zh
    assert world["acceptor"].username in found[0].message_en


# -- investment lines and invoices ---------------------------------------------------------


def test_an_eligible_line_needs_an_invoice_or_evidence(world):
    # given
    enterprise = enrolled(world)
    project = accepted_project(world, enterprise)
    bare = line(project, "5000.00", category="cloud", invoice="", issuer="")
    line(project, "900.00", category="other", invoice="", issuer="")  # never eligible
    # when
    found = run(world, enterprise)
    # then
    assert codes(found) == ["investment_unevidenced"]
    assert (found[0].object_id, found[0].details) == (bare.pk, {"amount": "5000.00"})


def test_the_same_invoice_in_two_projects_here_or_in_another_city(world):
    # given: one invoice in two projects of this city; another also in city B
    first, second, third = (enrolled(world) for _ in range(3))
    projects = [accepted_project(world, e) for e in (first, second, third)]
    shared = line(projects[0], "1000.00", invoice="FP-777", issuer="某某软件公司")
    line(projects[1], "1000.00", invoice=" fp-777", issuer="某某软件公司")
    other = checks_world()
    theirs = enrolled(other)
    elsewhere = accepted_project(other, theirs)
    line(projects[2], "2000.00", invoice="FP-888", issuer="云服务公司")
    line(elsewhere, "2000.00", invoice="FP-888", issuer="云服务公司")
    line(elsewhere, "3000.00", invoice="FP-999", issuer="云服务公司")  # not in this city
    # when
    found = run(world, first, second, third)
    # then
    assert codes(found, first) == codes(found, second) == ["invoice_duplicate"]
    assert codes(found, third) == ["invoice_duplicate"]
    here = of_code(found, "invoice_duplicate")[0]
    assert (here.object_id, here.details["other_project"]) == (shared.pk, projects[1].pk)
    (there,) = [f for f in found if f.enterprise_id == third.pk]
    assert there.details["other_city"] == other["city"].code
    assert other["city"].name in there.message_zh and "FP-888" in there.message_en
    assert f"#{elsewhere.pk}" in there.message_en
    assert theirs.name not in there.message_zh + there.message_en  # city B's to show
    assert elsewhere.title not in there.message_zh + there.message_en


def test_an_invoice_withdrawn_by_a_correction_is_no_duplicate(world):
    first, second = enrolled(world), enrolled(world)
    one, two = accepted_project(world, first), accepted_project(world, second)
    wrong = line(one, "1000.00", invoice="FP-555", issuer="甲公司")
    line(one, "-1000.00", invoice="FP-555", issuer="甲公司", corrects=wrong, reason="录错项目")
    line(two, "1000.00", invoice="FP-555", issuer="甲公司")
    line(two, "1000.00", invoice="FP-556", issuer="甲公司")
    line(one, "1000.00", invoice="FP-556", issuer="乙公司")  # same number, another issuer
    assert codes(run(world, first, second)) == []


# -- subsidy claims ------------------------------------------------------------------------


def test_an_approved_amount_must_equal_a_fresh_computation(world):
    # given: a correction after approval adds 100,000 of software (50 % more subsidy)
    changed = clean_enterprise(world)
    line(changed.project, "100000.00", reason="补录发票")
    good = clean_enterprise(world)
    # when
    found = run(world, changed, good)
    # then
    assert codes(found, changed) == ["claim_amount_mismatch"] and codes(found, good) == []
    (finding,) = found
    assert finding.details == {"approved": "200000.00", "fresh": "250000.00", "rulebook": "2023.1"}
    assert "200000.00" in finding.message_en and "250000.00" in finding.message_en


def test_an_open_claim_out_of_date_is_a_warning(world):
    # given: computed, then the investment grew; another computed and unchanged
    stale = enrolled(world)
    project = accepted_project(world, stale)
    services.claim_for_project(world["admin"], project)
    line(project, "100000.00", reason="补录发票")
    fresh = enrolled(world)
    services.claim_for_project(world["admin"], accepted_project(world, fresh))
    # when
    found = run(world, stale, fresh)
    # then
    assert codes(found, stale) == ["claim_recompute_due"] and codes(found, fresh) == []
    assert found[0].severity == "warning"
    assert found[0].details["computed"] == "200000.00"


def test_what_an_enterprise_was_granted_under_a_line_must_stay_within_its_cap(world):
    # given: approved at 600,000 against the 500,000 cap (an edit behind the services' back)
    over = clean_enterprise(world)
    SubsidyClaim.objects.filter(pk=over.claim.pk).update(approved_amount=D("600000.00"))
    good = clean_enterprise(world)
    # when
    found = run(world, over, good)
    # then
    assert codes(found, over) == ["cap_exceeded", "claim_amount_mismatch"]
    assert codes(found, good) == []
    (finding,) = of_code(found, "cap_exceeded")
    assert (finding.details["granted"], finding.details["cap"]) == ("600000.00", "500000.00")


def test_two_claims_under_one_line_count_together_against_the_cap(world):
    # given: two diagnosis fee claims of 5,000 each (cap 7,000 per enterprise)
    twice = enrolled(world)
    claims = []
    for _ in range(2):
        claim = services.claim_create(
            world["admin"],
            city=world["city"],
            kind="diagnosis",
            enterprise=twice,
            inputs={"fee": "5000.00"},
        )
        claims.append(claim)
    services.claim_approve(world["admin"], claims[0])
    SubsidyClaim.objects.filter(pk=claims[1].pk).update(
        status="approved", approved_amount=D("5000.00")
    )
    once = enrolled(world)
    claim = services.claim_create(
        world["admin"],
        city=world["city"],
        kind="diagnosis",
        enterprise=once,
        inputs={"fee": "5000.00"},
    )
    services.claim_approve(world["admin"], claim)
    # when
    found = of_code(run(world, twice, once), "cap_exceeded")
    # then
    assert [f.enterprise_id for f in found] == [twice.pk]
    assert found[0].details["claims"] == sorted(c.pk for c in claims)


def test_payments_never_above_the_approved_amount(world):
    # given: a payment recorded in the ledger beyond the approval
    over = clean_enterprise(world)
    LedgerEntry.objects.create(
        city=world["city"],
        claim=over.claim,
        kind="payment",
        amount=D("150000.00"),
        paid_on=timezone.localdate(),
        recorded_by=world["finance"],
    )
    good = clean_enterprise(world)
    # when
    found = run(world, over, good)
    # then: 250,000 paid in the ledger against 200,000 approved (and 100,000 on the claim)
    assert codes(found, over) == ["ledger_mismatch", "payment_exceeds_approved"]
    assert codes(found, good) == []
    (finding,) = of_code(found, "payment_exceeds_approved")
    assert finding.details == {"approved": "200000.00", "paid": "250000.00"}


def test_the_ledger_must_add_up_to_the_paid_amount(world):
    off = clean_enterprise(world)
    SubsidyClaim.objects.filter(pk=off.claim.pk).update(paid_amount=D("120000.00"))
    good = clean_enterprise(world)
    found = run(world, off, good)
    assert codes(found, off) == ["ledger_mismatch"] and codes(found, good) == []
    assert found[0].details == {"paid": "120000.00", "ledger": "100000.00"}


def test_a_later_grant_to_others_leaves_an_approved_amount_as_it_was(world):
    # given: a category total of 3,000,000; the first claim takes 2,000,000, the later one
    # gets what is left (1,000,000 of its 2,000,000)
    first, later = enrolled(world), enrolled(world)
    approved = []
    for enterprise in (first, later):
        claim = services.claim_create(
            world["admin"],
            city=world["city"],
            kind="services_events",
            enterprise=enterprise,
            inputs={"fee": "2000000.00"},
        )
        approved.append(services.claim_approve(world["admin"], claim).approved_amount)
    assert approved == [D("2000000.00"), D("1000000.00")]
    # when
    found = run(world, first, later)
    # then: recomputed today, each still comes to what it was approved at
    assert codes(found) == []


# -- the whole chunk -----------------------------------------------------------------------


def _messy_enterprises(world, other, count):
    """`count` enterprises, every third one with a few problems."""
    made = []
    for i in range(count):
        enterprise = clean_enterprise(world)
        if i % 3 == 1:
            line(enterprise.project, "100000.00", reason="补录")
            Enterprise.objects.filter(pk=enterprise.pk).update(district=None, in_2022_pilot=True)
            enrolled(other, uscc=enterprise.uscc)
        if i % 3 == 2:
            line(enterprise.project, "1000.00", invoice=f"DUP-{i // 3}", issuer="甲")
            line(enterprise.project, "1000.00", category="cloud", invoice="", issuer="")
            ExclusionEntry.objects.create(list="central_little_giant", uscc=enterprise.uscc)
        made.append(enterprise)
    for i in range(count // 3):  # the same invoices in city B
        line(accepted_project(other, enrolled(other)), "1000.00", invoice=f"DUP-{i}", issuer="甲")
    return made


def test_the_same_data_gives_the_same_findings_in_the_same_order(world):
    # given
    made = _messy_enterprises(world, checks_world(), 6)
    ids = [e.pk for e in made]
    # when
    first = findings_for(world["city"], ids)
    again = findings_for(world["city"], list(reversed(ids)) + ids[:2])
    # then
    assert first == again and len(first) > 10
    assert [f.fingerprint for f in first] == [f.fingerprint for f in again]
    assert len({f.fingerprint for f in first}) == len(first)
    order = [(f.enterprise_id, f.code, f.object_type, f.object_id) for f in first]
    assert order == sorted(order)


def test_an_enterprise_of_another_city_is_ignored(world):
    other = checks_world()
    theirs = enrolled(other, district=None)
    assert findings_for(world["city"], [theirs.pk]) == []
    assert findings_for(world["city"], []) == []


# Queries per chunk, whatever its size:
#   enterprises, the same codes in other cities, exclusion entries, applications, application
#   steps, claims, documents, projects, project steps, assessments, selections, selection steps,
#   provider staff, provider memberships, declared conflicts, investment lines, other projects'
#   invoices, rulebook versions, the rulebook in force (19); the subsidy engine's facts: levels,
#   investments, enrolment batches (2), grants (2) (6); the ledger (1). Two more run only when
#   needed: audit entries of overrides, and codes stored in non-normal form.
CHUNK_QUERIES = 26


@pytest.mark.parametrize("size", [3, 30])
def test_a_chunk_costs_a_fixed_number_of_queries(world, size, django_assert_max_num_queries):
    # given
    made = _messy_enterprises(world, checks_world(), size)
    ids = [e.pk for e in made]
    # when
    with django_assert_max_num_queries(CHUNK_QUERIES):
        found = findings_for(world["city"], ids)
    # then
    assert {f.code for f in found} >= {
        "claim_amount_mismatch",
        "district_missing",
        "exclusion_pilot_2022",
        "uscc_duplicate_other_city",
        "invoice_duplicate",
        "investment_unevidenced",
        "exclusion_list_unflagged",
        "srdi_list_mismatch",
    }
