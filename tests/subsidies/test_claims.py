"""Claims through their services: the worked examples from stored projects, recomputing,
approval against the funds, instalments, publicity, voiding with claw-back and blacklist."""

from decimal import Decimal

import pytest
from django.utils import timezone

from pilot_portal.audit.models import AuditEntry
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from subsidies import services
from subsidies.models import AppendOnly, LedgerEntry, SubsidyClaim, SubsidyComputation
from tests.factories import EnterpriseFactory
from tests.subsidies.claim_helpers import accepted_project, publicised, subsidy_world

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(
    "source, level, investment, amount",
    [
        ("shenyang", 2, "1200000.00", "500000.00"),
        ("shenyang", 3, "300000.00", "150000.00"),
        ("shenyang", 1, "300000.00", "0.00"),
        ("xiamen", 2, "500000.00", "200000.00"),
        ("xiamen", 3, "1000000.00", "350000.00"),
        ("xiamen", 4, "2000000.00", "400000.00"),
        ("xinxiang", 2, "800000.00", "400000.00"),
        ("xinxiang", 3, "800000.00", "560000.00"),
        ("xinxiang", 3, "1200000.00", "700000.00"),
    ],
)
def test_worked_examples_from_an_accepted_project(source, level, investment, amount):
    world = subsidy_world(source)
    project = accepted_project(world, level=level, software=investment, other="99999.00")
    claim, changed = services.claim_for_project(world["admin"], project)
    assert changed and claim.amount == D(amount)
    assert claim.computation.eligible is (level >= 2)
    if level >= 2:
        assert f"{D(investment):,.2f}" in claim.computation.explanation_zh
    else:
        assert "二级及以上" in claim.computation.explanation_zh
    assert "99,999.00" not in claim.computation.explanation_zh  # 'other' never counts


def test_a_centrally_funded_little_giant_gets_nothing_with_the_reason():
    world = subsidy_world()
    world["enterprise"].central_fund_little_giant = True
    world["enterprise"].save()
    claim, _ = services.claim_for_project(
        world["admin"], accepted_project(world, software="1200000")
    )
    assert claim.amount == 0 and not claim.computation.eligible
    assert "小巨人" in claim.computation.explanation_zh
    with pytest.raises(Conflict, match="not eligible"):
        services.claim_approve(world["admin"], claim)


def test_recomputing_unchanged_changes_nothing_and_a_change_keeps_the_old_figure():
    world = subsidy_world()
    project = accepted_project(world, software="300000")
    claim, _ = services.claim_for_project(world["admin"], project)
    first = claim.computation
    again, changed = services.claim_for_project(world["admin"], project)
    assert (again.pk, again.computation_id, changed) == (claim.pk, first.pk, False)
    assert SubsidyComputation.objects.filter(claim=claim).count() == 1
    project.investments.create(
        city=project.city, category="cloud", amount=D("100000"), description="云",
        created_by=world["owner"],
    )  # fmt: skip
    again, changed = services.claim_for_project(world["admin"], project)
    assert changed and again.amount == D("200000.00")
    assert list(claim.computations.values_list("amount", flat=True)) == [
        D("150000.00"),
        D("200000.00"),
    ]
    with pytest.raises(AppendOnly):
        first.amount = D("1")
        first.save()


def test_a_project_not_yet_accepted_has_no_claim():
    world = subsidy_world()
    project = accepted_project(world, software="300000", level=None)
    project.status = "completed"
    project.save()
    with pytest.raises(Conflict, match="not accepted"):
        services.claim_for_project(world["admin"], project)


def test_only_the_city_admin_computes_and_approves():
    world = subsidy_world()
    project = accepted_project(world, software="300000")
    with pytest.raises(NotAllowed):
        services.claim_for_project(world["finance"], project)
    claim, _ = services.claim_for_project(world["admin"], project)
    with pytest.raises(NotAllowed):
        services.claim_approve(world["finance"], claim)
    with pytest.raises(NotAllowed):
        services.claim_disburse(world["admin"], claim, amount="1", reference="x")


def _approved(world, investment="1200000", level=2):
    claim, _ = services.claim_for_project(
        world["admin"], accepted_project(world, software=investment, level=level)
    )
    return services.claim_approve(world["admin"], claim, comment="核定")


def test_xiamen_pays_in_two_instalments_that_add_up():
    world = subsidy_world("xiamen")
    claim = _approved(world, "1000000", level=3)
    assert claim.status == "approved" and claim.approved_amount == D("350000.00")
    assert [i["amount"] for i in claim.instalment_plan] == ["175000.00", "175000.00"]
    publicised(claim, world["admin"])
    claim, entries = services.claim_disburse(
        world["finance"], claim, amount="175000.00", reference="BANK-1"
    )
    assert claim.status == "partially_paid" and entries[0].instalment == 1
    claim, entries = services.claim_disburse(
        world["finance"], claim, amount="175000.00", reference="BANK-2"
    )
    assert claim.status == "paid" and claim.paid_amount == D("350000.00")
    assert entries[0].instalment == 2
    assert list(claim.steps.values_list("action", flat=True)) == [
        "compute", "approve", "disburse", "disburse",
    ]  # fmt: skip


def test_paying_beyond_the_approved_amount_is_409_and_changes_nothing():
    world = subsidy_world()
    claim = _approved(world)
    publicised(claim, world["admin"])
    with pytest.raises(Conflict, match=r"left 500000\.00"):
        services.claim_disburse(world["finance"], claim, amount="500000.01", reference="B")
    claim.refresh_from_db()
    assert claim.paid_amount == 0 and not LedgerEntry.objects.filter(claim=claim).exists()


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "1.234", "NaN"])
def test_bad_amounts_are_400(amount):
    world = subsidy_world()
    claim = _approved(world)
    publicised(claim, world["admin"])
    with pytest.raises(InvalidInput):
        services.claim_disburse(world["finance"], claim, amount=amount, reference="B")


def test_no_payment_before_the_publicity_has_closed():
    world = subsidy_world()
    claim = _approved(world)
    with pytest.raises(Conflict):
        services.claim_disburse(world["finance"], claim, amount="1000", reference="B")
    publicised(claim, world["admin"], closed=False)
    with pytest.raises(Conflict):
        services.claim_disburse(world["finance"], claim, amount="1000", reference="B")
    claim.refresh_from_db()
    assert claim.paid_amount == 0


def test_approval_is_refused_when_the_funds_cannot_cover_it():
    world = subsidy_world(central="400000.00", local=None)
    project = accepted_project(world, software="1200000")
    claim, _ = services.claim_for_project(world["admin"], project)
    with pytest.raises(Conflict, match=r"not enough funds: 400,000\.00 left"):
        services.claim_approve(world["admin"], claim)
    claim.refresh_from_db()
    assert claim.status == "computed" and claim.approved_amount is None


def test_the_ecosystem_share_stops_at_20_percent_of_the_central_award():
    world = subsidy_world(central="1000000.00", local="5000000.00")
    first = services.claim_create(
        world["admin"], city=world["city"], kind="excellent_product",
        provider=world["provider"], inputs={"requested": "150000"},
    )  # fmt: skip
    services.claim_approve(world["admin"], first)
    other = services.claim_create(
        world["admin"], city=world["city"], kind="chain_case",
        enterprise=world["enterprise"], inputs={"requested": "100000"},
    )  # fmt: skip
    with pytest.raises(Conflict, match=r"only 50,000\.00 left"):
        services.claim_approve(world["admin"], other)


def test_xinxiang_diagnosis_total_is_shared_by_every_claim():
    world = subsidy_world("xinxiang")
    version = world["city"].rulebook_versions.get()
    # 499 diagnoses approved at 2,000 and one at 1,000: 999,000 of the 1,000,000 total used
    SubsidyClaim.objects.bulk_create(
        SubsidyClaim(
            city=world["city"],
            kind="diagnosis",
            enterprise=world["enterprise"],
            status="approved",
            approved_amount=D(amount),
        )
        for amount in ["2000"] * 499 + ["1000"]
    )
    claim = services.claim_create(
        world["admin"], city=world["city"], kind="diagnosis",
        enterprise=EnterpriseFactory(city=world["city"]), inputs={"fee": "2000"},
    )  # fmt: skip
    assert claim.amount == D("1000.00") and claim.computation.rulebook == version
    assert "only 1,000.00 left in the category total" in claim.computation.explanation_en
    assert services.claim_approve(world["admin"], claim).approved_amount == D("1000.00")
    full = services.claim_create(
        world["admin"], city=world["city"], kind="diagnosis",
        enterprise=EnterpriseFactory(city=world["city"]), inputs={"fee": "2000"},
    )  # fmt: skip
    assert full.amount == 0


def test_approving_after_the_facts_moved_asks_for_a_recompute():
    world = subsidy_world()
    project = accepted_project(world, software="300000")
    claim, _ = services.claim_for_project(world["admin"], project)
    project.investments.create(
        city=project.city, category="software", amount=D("10000"), description="补",
        created_by=world["owner"],
    )  # fmt: skip
    with pytest.raises(Conflict, match="recompute"):
        services.claim_approve(world["admin"], claim)
    claim, changed = services.claim_recompute(world["admin"], claim)
    assert changed and services.claim_approve(world["admin"], claim).approved_amount == D(
        "155000.00"
    )


def test_voiding_a_paid_claim_for_fraud_claws_back_and_blacklists_for_three_years():
    world = subsidy_world("xiamen")
    claim = _approved(world, "1000000", level=3)
    publicised(claim, world["admin"])
    services.claim_disburse(world["finance"], claim, amount="175000.00", reference="B1")
    with pytest.raises(InvalidInput):
        services.claim_void(world["admin"], claim, reason=" ", fraud=True)
    claim = services.claim_void(world["admin"], claim, reason="发票造假", fraud=True)
    assert claim.status == "void" and claim.clawed_back_amount == D("175000.00")
    enterprise = claim.enterprise
    enterprise.refresh_from_db()
    assert enterprise.blacklisted_until.year == timezone.localdate().year + 3
    actions = set(
        AuditEntry.objects.filter(city_code=world["city"].code).values_list("action", flat=True)
    )
    assert {"subsidy.void", "enterprise.blacklist"} <= actions
    # blacklisted: a new computation gives nothing, with the reason
    later, _ = services.claim_for_project(
        world["admin"], accepted_project(world, software="1000000", level=3)
    )
    assert later.amount == 0 and "黑名单" in later.computation.explanation_zh


def test_a_claw_back_is_offset_against_the_next_instalment_and_the_ledger_shows_both():
    world = subsidy_world("xiamen")
    first = _approved(world, "500000", level=2)  # 200,000 in two instalments
    publicised(first, world["admin"])
    services.claim_disburse(world["finance"], first, amount="100000.00", reference="B1")
    services.claim_void(world["admin"], first, reason="重复申报")  # not fraud: no blacklist
    second = _approved(world, "1000000", level=3)  # 350,000
    publicised(second, world["admin"])
    second, entries = services.claim_disburse(
        world["finance"], second, amount="175000.00", reference="B2"
    )
    assert [(e.kind, e.amount) for e in entries] == [
        ("offset", D("100000.00")),
        ("payment", D("75000.00")),
    ]
    assert second.paid_amount == D("175000.00")
    from subsidies.ledger import claim_outstanding

    assert claim_outstanding(first) == 0
    # the next instalment is paid in full
    _, entries = services.claim_disburse(
        world["finance"], second, amount="175000.00", reference="B3"
    )
    assert [(e.kind, e.amount) for e in entries] == [("payment", D("175000.00"))]


def test_award_claims_check_their_inputs_and_recipient():
    world = subsidy_world()
    with pytest.raises(InvalidInput, match="no line"):
        services.claim_create(
            world["admin"], city=world["city"], kind="teleport", enterprise=world["enterprise"]
        )
    with pytest.raises(InvalidInput):
        services.claim_create(
            world["admin"], city=world["city"], kind="diagnosis", enterprise=world["enterprise"],
            inputs={"fee": "-1"},
        )  # fmt: skip
    with pytest.raises(InvalidInput, match="provider"):
        services.claim_create(
            world["admin"],
            city=world["city"],
            kind="excellent_product",
            enterprise=world["enterprise"],
        )
    claim = services.claim_create(
        world["admin"], city=world["city"], kind="diagnosis", enterprise=world["enterprise"],
        inputs={"fee": "9000"},
    )  # fmt: skip
    assert claim.amount == D("7000.00")  # Shenyang: diagnosis ≤ 7,000 per enterprise


def test_recomputing_the_whole_city_costs_the_same_queries_for_3_or_30_claims(
    django_assert_max_num_queries,
):
    world = subsidy_world()

    def add(n):
        for _ in range(n):
            enterprise = EnterpriseFactory(city=world["city"])
            project = accepted_project(world, software="300000", enterprise=enterprise)
            services.claim_for_project(world["admin"], project)
            project.investments.create(
                city=project.city, category="cloud", amount=D("20000"), description="云",
                created_by=world["owner"],
            )  # fmt: skip

    add(3)
    with django_assert_max_num_queries(40) as small:
        assert services.claims_recompute(world["admin"], world["city"])["changed"] == 3
    add(27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        summary = services.claims_recompute(world["admin"], world["city"])
    assert summary["changed"] == 27  # the first three are unchanged since
    assert services.claims_recompute(world["admin"], world["city"])["changed"] == 0
    amounts = set(
        SubsidyClaim.objects.filter(city=world["city"]).values_list(
            "computation__amount", flat=True
        )
    )
    assert amounts == {D("160000.00")}
