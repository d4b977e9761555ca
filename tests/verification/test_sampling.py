"""抽查: a risk-weighted draw from a run, reproducible from its seed; inspectors' outcomes."""

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enterprises.models import ProviderRating
from enterprises.projects.models import Project
from pilot_portal.audit.models import AuditEntry
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from pilot_portal.verification import services
from pilot_portal.verification.models import InspectionItem, InspectionSample
from pilot_portal.verification.sampling import (
    Candidate,
    draw,
    inspection_record,
    risk_weight,
    run_candidates,
    sample_draw,
)
from subsidies.models import SubsidyClaim
from tests.factories import ProviderFactory
from tests.verification.runs_helpers import use_fake_checks, verification_world

# -- the draw, without a database ---------------------------------------------------------------

candidate_lists = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=10_000),
        st.decimals(min_value=0, max_value=50, places=4),
    ),
    max_size=40,
    unique_by=lambda pair: pair[0],
).map(lambda pairs: [Candidate(pk, weight, []) for pk, weight in pairs])
seeds = st.integers(min_value=0, max_value=2**63 - 1)


@given(candidates=candidate_lists, size=st.integers(min_value=0, max_value=50), seed=seeds)
def test_the_same_seed_draws_the_same_sample(candidates, size, seed):
    assert draw(candidates, size, seed) == draw(list(candidates), size, seed)


@given(
    candidates=candidate_lists,
    size=st.integers(min_value=0, max_value=50),
    seed=seeds,
    shuffle=st.randoms(),
)
def test_the_order_of_the_candidates_does_not_matter(candidates, size, seed, shuffle):
    shuffled = list(candidates)
    shuffle.shuffle(shuffled)

    assert draw(shuffled, size, seed) == draw(candidates, size, seed)


@given(candidates=candidate_lists, size=st.integers(min_value=0, max_value=50), seed=seeds)
def test_a_draw_has_the_size_asked_no_duplicates_and_no_weightless_candidate(
    candidates, size, seed
):
    drawn = draw(candidates, size, seed)

    weighty = [c for c in candidates if c.weight > 0]
    assert len(drawn) == min(size, len(weighty))
    assert len({c.enterprise_id for c in drawn}) == len(drawn)
    assert all(c.weight > 0 for c in drawn)
    assert all(c in candidates for c in drawn)


@settings(max_examples=20)
@given(seed=seeds)
def test_another_seed_usually_draws_another_sample(seed):
    candidates = [Candidate(pk, Decimal(1), []) for pk in range(1, 101)]

    samples = {tuple(c.enterprise_id for c in draw(candidates, 5, seed + n)) for n in range(5)}

    assert len(samples) > 1


def test_a_heavier_candidate_is_drawn_first_in_proportion_to_its_weight():
    candidates = [Candidate(1, Decimal(1), []), Candidate(2, Decimal(9), [])]

    firsts = Counter(draw(candidates, 1, seed)[0].enterprise_id for seed in range(4000))

    assert 0.88 < firsts[2] / 4000 < 0.92  # 0.9 expected; about ±0.014 at three sigmas


def test_a_candidate_twice_is_refused():
    with pytest.raises(ValueError):
        draw([Candidate(1, Decimal(1), []), Candidate(1, Decimal(2), [])], 1, 0)


# -- the weight ---------------------------------------------------------------------------------


def test_the_weight_adds_findings_money_and_a_poor_provider_rating():
    weighed = risk_weight(
        severities={"error": 2, "warning": 1, "info": 3},
        approved=Decimal("1200000.00"),
        lowest_rating=Decimal("2.50"),
    )

    # 1 + 3×2 + 1×1 + 0.2×3 + 1,200,000 / 500,000 + (5 − 2.5) / 2
    assert weighed.weight == Decimal("12.2500")
    assert weighed.reasons == [
        ["核验发现：错误 2 项、警告 1 项、提示 3 项", "findings: 2 errors, 1 warnings, 3 infos"],
        ["已核定补助 1,200,000.00 元", "subsidy approved: CNY 1,200,000.00"],
        ["服务商评分 2.50（满分 5）", "provider rating 2.50 of 5"],
    ]


def test_an_enterprise_without_risk_weighs_one_and_money_counts_up_to_a_cap():
    assert risk_weight(severities={}, approved=Decimal(0), lowest_rating=None) == Candidate(
        0, Decimal("1.0000"), []
    )
    assert risk_weight(
        severities={}, approved=Decimal("9000000"), lowest_rating=Decimal("5.00")
    ).weight == Decimal("5.0000")


# -- drawing from a run -------------------------------------------------------------------------


@pytest.fixture
def fake_checks(monkeypatch):
    use_fake_checks(monkeypatch)


@pytest.fixture
def world(db, fake_checks, django_capture_on_commit_callbacks):
    world = verification_world()
    with django_capture_on_commit_callbacks(execute=True):
        world["run"] = services.verification_start(world["admin"], world["city"])
    world["run"].refresh_from_db()
    return world


def with_money_and_a_poor_provider(world, enterprise):
    SubsidyClaim.objects.create(
        city=world["city"], kind="transformation", enterprise=enterprise, status="approved",
        approved_amount=Decimal("750000.00"),
    )  # fmt: skip
    SubsidyClaim.objects.create(  # a void claim counts for nothing
        city=world["city"], kind="diagnosis", enterprise=enterprise, status="void",
        approved_amount=Decimal("90000.00"),
    )  # fmt: skip
    provider = ProviderFactory()
    Project.objects.create(
        city=world["city"], enterprise=enterprise, provider=provider, title="改造",
        contract_amount=Decimal("1000000.00"), planned_start=date(2026, 1, 1),
        planned_end=date(2026, 6, 30), created_by=world["admin"],
    )  # fmt: skip
    for other, score in ((enterprise, 1), (world["enterprises"][0], 2)):
        ProviderRating.objects.create(
            city=world["city"], enterprise=other, provider=provider, score=score,
            rated_by=world["admin"],
        )  # fmt: skip


def test_the_candidates_are_the_run_s_enterprises_weighted_by_risk(world):
    # given: 戊 has an error and a warning, 750,000 approved, a provider rated 1.5 on average
    e = world["enterprises"]
    with_money_and_a_poor_provider(world, e[4])

    weights = {c.enterprise_id: c.weight for c in run_candidates(world["run"])}

    assert weights == {
        e[0].pk: Decimal("1.0000"),
        e[1].pk: Decimal("4.0000"),  # an error
        e[2].pk: Decimal("2.0000"),  # a warning
        e[3].pk: Decimal("1.0000"),
        e[4].pk: Decimal("8.2500"),  # 1 + 3 + 1 + 1.5 + (5 − 1.5) / 2
        e[5].pk: Decimal("1.0000"),
        e[6].pk: Decimal("1.2000"),  # an info
    }


def test_weighing_a_run_takes_a_fixed_number_of_queries(
    world, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with_money_and_a_poor_provider(world, world["enterprises"][4])
    bigger = verification_world(names=[f"企业 {n} BAD" for n in range(30)])
    with django_capture_on_commit_callbacks(execute=True):
        run = services.verification_start(bigger["admin"], bigger["city"])

    for each in (world["run"], run):
        # chunks; findings by enterprise and severity; approved sums; ratings; projects
        with django_assert_num_queries(5):
            run_candidates(each)


def test_an_auditor_draws_a_sample_that_the_seed_reproduces(world):
    # when
    sample = sample_draw(world["auditor"], world["run"], size=3, seed=20260401)
    again = sample_draw(world["admin"], world["run"], size=3, seed=20260401)

    # then
    items = list(sample.items.order_by("rank"))
    assert (sample.seed, sample.size, sample.created_by) == (20260401, 3, world["auditor"])
    assert [i.rank for i in items] == [1, 2, 3]
    assert [i.enterprise_id for i in items] == [
        i.enterprise_id for i in again.items.order_by("rank")
    ]
    expected = draw(run_candidates(world["run"]), 3, 20260401)
    assert [(i.enterprise_id, i.weight, i.reasons) for i in items] == [
        (c.enterprise_id, c.weight, c.reasons) for c in expected
    ]
    assert {i.outcome for i in items} == {"pending"}
    entry = AuditEntry.objects.filter(action="verification.sample").order_by("seq").first()
    assert (entry.actor, entry.object_id, entry.data["seed"], entry.data["enterprises"]) == (
        world["auditor"], str(sample.pk), 20260401, [i.enterprise_id for i in items],
    )  # fmt: skip


def test_a_sample_without_a_seed_records_the_one_it_drew_with(world):
    sample = sample_draw(world["auditor"], world["run"], size=4)

    assert 0 <= sample.seed < 2**63
    assert list(sample.items.order_by("rank").values_list("enterprise_id", flat=True)) == [
        c.enterprise_id for c in draw(run_candidates(world["run"]), 4, sample.seed)
    ]


def test_a_sample_larger_than_the_run_takes_every_enterprise(world):
    sample = sample_draw(world["auditor"], world["run"], size=50, seed=1)

    assert sample.size == 7
    assert sample.items.count() == 7


@pytest.mark.parametrize("role", ["finance", "district_officer"])
def test_only_the_city_administrator_and_auditors_draw_samples(world, role):
    with pytest.raises(NotAllowed):
        sample_draw(world[role], world["run"], size=3, seed=1)

    assert InspectionSample.objects.count() == 0


def test_a_run_still_running_cannot_be_sampled(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        running = services.verification_start(world["admin"], world["city"], batch=world["batch"])

    with pytest.raises(Conflict):
        sample_draw(world["auditor"], running, size=3, seed=1)

    assert InspectionSample.objects.count() == 0


@pytest.mark.parametrize("size,seed", [(0, 1), ("3", 1), (3, -1), (3, 2**63), (3, "7")])
def test_a_sample_needs_a_positive_size_and_a_valid_seed(world, size, seed):
    with pytest.raises(InvalidInput):
        sample_draw(world["auditor"], world["run"], size=size, seed=seed)

    assert InspectionSample.objects.count() == 0


# -- recording outcomes --------------------------------------------------------------------------


@pytest.fixture
def item(world):
    return sample_draw(world["auditor"], world["run"], size=2, seed=5).items.get(rank=1)


@pytest.mark.parametrize("outcome", ["issues", "fraud"])
def test_issues_and_fraud_need_a_note(world, item, outcome):
    with pytest.raises(InvalidInput) as refused:
        inspection_record(world["auditor"], item, outcome=outcome, note="  ")

    assert refused.value.field == "note"
    item.refresh_from_db()
    assert (item.outcome, item.recorded_by) == ("pending", None)


def test_an_inspector_records_an_outcome_in_the_audit_log(world, item):
    # when
    recorded = inspection_record(
        world["auditor"], item, outcome="issues", note="发票与合同金额不符 / invoices do not match"
    )

    # then
    item.refresh_from_db()
    assert (item.outcome, item.note, item.recorded_by) == (
        "issues", "发票与合同金额不符 / invoices do not match", world["auditor"],
    )  # fmt: skip
    assert item.recorded_at is not None
    assert recorded == item
    entry = AuditEntry.objects.get(action="verification.inspect")
    assert (entry.actor, entry.reason, entry.data) == (
        world["auditor"], item.note,
        {"sample": item.sample_id, "enterprise": item.enterprise_id, "from": "pending",
         "to": "issues"},
    )  # fmt: skip


def test_a_compliant_outcome_needs_no_note_and_a_correction_is_logged_too(world, item):
    inspection_record(world["admin"], item, outcome="compliant", note="")
    inspection_record(world["auditor"], item, outcome="fraud", note="伪造验收报告")

    item.refresh_from_db()
    assert (item.outcome, item.recorded_by) == ("fraud", world["auditor"])
    assert [
        (e.data["from"], e.data["to"])
        for e in AuditEntry.objects.filter(action="verification.inspect").order_by("seq")
    ] == [("pending", "compliant"), ("compliant", "fraud")]


@pytest.mark.parametrize("outcome", ["pending", "fine", ""])
def test_an_unknown_outcome_is_refused(world, item, outcome):
    with pytest.raises(InvalidInput):
        inspection_record(world["auditor"], item, outcome=outcome, note="x")

    assert InspectionItem.objects.get(pk=item.pk).outcome == "pending"


@pytest.mark.parametrize("role", ["finance", "district_officer"])
def test_only_inspectors_record_outcomes(world, item, role):
    with pytest.raises(NotAllowed):
        inspection_record(world[role], item, outcome="compliant", note="")

    assert InspectionItem.objects.get(pk=item.pk).outcome == "pending"
    assert not AuditEntry.objects.filter(action="verification.inspect").exists()
