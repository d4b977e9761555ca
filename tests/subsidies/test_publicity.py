"""Publicity (公示) services: publishing approved claims as they are, objections recorded and
resolved with their history, refusals that change nothing, and the clearance a payment needs."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pilot_portal.audit.models import AuditEntry
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from subsidies import publicity
from subsidies.models import ClaimStatus, Objection, Publicity, PublicityItem, SubsidyClaim
from tests.subsidies.publicity_helpers import build_world, close, make_claim, shift

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


D = Decimal


def publish(world, claims=(), **overrides):
    today = timezone.localdate()
    values = {
        "title": "2025年第一批数字化转型补助公示",
        "starts_on": today,
        "ends_on": today + timedelta(days=7),
        "contact": "市工信局中小企业处 024-12345678",
        "claims": claims,
    }
    values.update(overrides)
    return publicity.publicity_create(actor=world["admin"], city=world["city"], **values)


def counts():
    return (Publicity.objects.count(), PublicityItem.objects.count(), Objection.objects.count())


# -- publishing ------------------------------------------------------------------------------


def test_it_publishes_approved_claims_with_their_recipient_and_amount_as_they_are(world):
    # given
    first = make_claim(world["city"], enterprise=world["enterprise"], amount="500000.00")
    second = make_claim(
        world["city"], provider=world["provider"], kind="diagnosis", amount="30000.00",
        status=ClaimStatus.PARTIALLY_PAID, paid=[("10000.00", "ICBC-001")],
    )  # fmt: skip

    # when
    created = publish(world, [first.pk, second.pk])
    world["enterprise"].name = "改名后的公司"
    world["enterprise"].save()

    # then
    items = list(created.items.order_by("pk").values_list("claim_id", "recipient_name", "amount"))
    assert items == [
        (first.pk, "沈阳精密机械有限公司", D("500000.00")),
        (second.pk, "新松数字科技有限公司", D("30000.00")),
    ]
    entry = AuditEntry.objects.get(
        action="subsidy.publicity.publish", object_type="subsidies.publicity",
        object_id=str(created.pk),
    )  # fmt: skip
    assert entry.data["claims"] == [first.pk, second.pk] and entry.data["total"] == "530000.00"
    assert entry.actor_username == world["admin"].username


TODAY = timezone.localdate()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"contact": ""}, "contact"),
        ({"claims": []}, "claims"),
        ({"claims": ["abc"]}, "claims"),
        ({"starts_on": TODAY - timedelta(days=1)}, "starts_on"),
        ({"starts_on": TODAY + timedelta(days=3), "ends_on": TODAY + timedelta(days=2)}, "ends_on"),
    ],
)
def test_incomplete_publicities_are_refused_naming_the_field(world, overrides, field):
    claim = make_claim(world["city"], enterprise=world["enterprise"])
    values = {"claims": [claim.pk], **overrides}
    before = counts()

    with pytest.raises(InvalidInput) as refused:
        publish(world, **values)

    assert refused.value.field == field
    assert " / " in refused.value.message  # bilingual
    assert counts() == before


def test_a_claim_not_yet_approved_is_not_published(world):
    approved = make_claim(world["city"], enterprise=world["enterprise"])
    computed = make_claim(world["city"], enterprise=world["neighbour"], status=ClaimStatus.COMPUTED)
    before = counts()

    with pytest.raises(Conflict) as refused:
        publish(world, [approved.pk, computed.pk])

    assert f"#{computed.pk}" in refused.value.message and "computed" in refused.value.message
    assert counts() == before


def test_a_claim_paid_in_full_or_void_is_not_published(world):
    paid = make_claim(
        world["city"], enterprise=world["enterprise"], amount="1000.00",
        status=ClaimStatus.PAID, paid=[("1000.00", "R1")],
    )  # fmt: skip
    void = make_claim(world["city"], enterprise=world["neighbour"], status=ClaimStatus.VOID)

    for claim in (paid, void):
        with pytest.raises(Conflict):
            publish(world, [claim.pk])

    assert not Publicity.objects.filter(city=world["city"]).exists()


def test_another_city_s_claim_is_refused_as_unknown(world):
    own = make_claim(world["city"], enterprise=world["enterprise"])
    foreign = make_claim(world["other_city"], enterprise=world["other_enterprise"])
    before = counts()

    with pytest.raises(InvalidInput) as refused:
        publish(world, [own.pk, foreign.pk])

    assert refused.value.field == "claims" and f"#{foreign.pk}" in refused.value.message
    assert counts() == before


def test_a_claim_on_an_open_publicity_is_not_published_again(world):
    claim = make_claim(world["city"], enterprise=world["enterprise"])
    first = publish(world, [claim.pk])
    shift(first, starts_days=3, ends_days=10)  # not started yet: still open

    with pytest.raises(Conflict) as refused:
        publish(world, [claim.pk])

    assert f"#{first.pk}" in refused.value.message
    assert Publicity.objects.filter(city=world["city"]).count() == 1


def test_a_claim_can_be_published_again_once_its_publicity_closed(world):
    claim = make_claim(world["city"], enterprise=world["enterprise"])
    close(publish(world, [claim.pk]))

    again = publish(world, [claim.pk], title="重新公示")

    assert list(again.items.values_list("claim_id", flat=True)) == [claim.pk]


def test_only_the_city_admin_publishes(world):
    claim = make_claim(world["city"], enterprise=world["enterprise"])

    for who in ("finance", "auditor", "other_admin"):
        with pytest.raises(NotAllowed):
            publicity.publicity_create(
                actor=world[who], city=world["city"], title="x",
                starts_on=timezone.localdate(), ends_on=timezone.localdate(),
                contact="x", claims=[claim.pk],
            )  # fmt: skip

    assert not Publicity.objects.filter(city=world["city"]).exists()


# -- objections ------------------------------------------------------------------------------


def test_an_objection_is_recorded_then_resolved_with_its_history_and_audit(world):
    # given
    claim = make_claim(world["city"], enterprise=world["enterprise"])
    published = publish(world, [claim.pk])

    # when
    objection = publicity.objection_record(
        actor=world["admin"], publicity=published, claim=claim.pk,
        raised_by="张三（同行业企业）", content="该企业改造项目实际未完工",
    )  # fmt: skip
    resolved = publicity.objection_resolve(
        actor=world["admin"], objection=objection, outcome="dismissed",
        resolution="经现场核查，项目已完工并通过验收",
    )  # fmt: skip

    # then
    assert (resolved.status, resolved.resolved_by) == ("dismissed", world["admin"])
    history = list(objection.history.order_by("history_date").values_list("status", "history_user"))
    assert history == [("open", world["admin"].pk), ("dismissed", world["admin"].pk)]
    actions = set(
        AuditEntry.objects.filter(
            object_type="subsidies.objection", object_id=str(objection.pk)
        ).values_list("action", flat=True)
    )
    assert actions == {"subsidy.objection.record", "subsidy.objection.dismissed"}


def test_an_objection_names_a_claim_of_the_publicity(world):
    listed = make_claim(world["city"], enterprise=world["enterprise"])
    elsewhere = make_claim(world["city"], enterprise=world["neighbour"])
    published = publish(world, [listed.pk])

    with pytest.raises(InvalidInput) as refused:
        publicity.objection_record(
            actor=world["admin"], publicity=published, claim=elsewhere.pk,
            raised_by="李四", content="异议",
        )  # fmt: skip

    assert refused.value.field == "claim"
    assert not Objection.objects.exists()


def test_no_objection_is_recorded_before_the_publicity_starts(world):
    claim = make_claim(world["city"], enterprise=world["enterprise"])
    published = shift(publish(world, [claim.pk]), starts_days=2, ends_days=9)

    with pytest.raises(Conflict) as refused:
        publicity.objection_record(
            actor=world["admin"], publicity=published, claim=claim.pk,
            raised_by="李四", content="异议",
        )  # fmt: skip

    assert str(published.starts_on) in refused.value.message
    assert not Objection.objects.exists()


def test_a_resolution_needs_its_reasoning_and_is_given_once(world):
    claim = make_claim(world["city"], enterprise=world["enterprise"])
    published = publish(world, [claim.pk])
    objection = publicity.objection_record(
        actor=world["admin"], publicity=published, claim=claim, raised_by="李四", content="异议"
    )

    with pytest.raises(InvalidInput) as no_reason:
        publicity.objection_resolve(
            actor=world["admin"], objection=objection, outcome="upheld", resolution=" "
        )
    with pytest.raises(InvalidInput) as bad_outcome:
        publicity.objection_resolve(
            actor=world["admin"], objection=objection, outcome="open", resolution="x"
        )
    with pytest.raises(NotAllowed):
        publicity.objection_resolve(
            actor=world["finance"], objection=objection, outcome="upheld", resolution="x"
        )
    objection.refresh_from_db()
    assert (no_reason.value.field, bad_outcome.value.field) == ("resolution", "outcome")
    assert objection.status == "open" and objection.resolution == ""

    publicity.objection_resolve(
        actor=world["admin"], objection=objection, outcome="upheld", resolution="属实"
    )
    with pytest.raises(Conflict) as twice:
        publicity.objection_resolve(
            actor=world["admin"], objection=objection, outcome="dismissed", resolution="改判"
        )
    objection.refresh_from_db()
    assert twice.value.extra["status"] == "upheld"
    assert (objection.status, objection.resolution) == ("upheld", "属实")


# -- clearance -------------------------------------------------------------------------------


def refusal(claim) -> str:
    with pytest.raises(Conflict) as refused:
        publicity.publicity_clearance(claim)
    return refused.value.message


def test_a_claim_never_published_is_not_cleared(world):
    claim = make_claim(world["city"], enterprise=world["enterprise"])

    message = refusal(claim)

    assert "尚未公示" in message and "never published" in message


def test_a_claim_under_publicity_is_cleared_only_after_it_ends(world):
    claim = make_claim(world["city"], enterprise=world["enterprise"])
    published = publish(world, [claim.pk])
    ends = published.ends_on

    running = refusal(claim)
    shift(published, starts_days=2, ends_days=9)
    upcoming = refusal(claim)
    close(published)

    assert f"until {ends}" in running and f"至 {ends}" in running
    assert "starts on" in upcoming
    assert publicity.publicity_clearance(claim) is None


def test_an_open_objection_blocks_payment_until_dismissed(world):
    claim = make_claim(world["city"], enterprise=world["enterprise"])
    published = publish(world, [claim.pk])
    objection = publicity.objection_record(
        actor=world["admin"], publicity=published, claim=claim, raised_by="李四", content="异议"
    )
    close(published)

    blocked = refusal(claim)
    publicity.objection_resolve(
        actor=world["admin"], objection=objection, outcome="dismissed", resolution="不属实"
    )

    assert f"open objection #{objection.pk}" in blocked and f"异议 #{objection.pk}" in blocked
    assert publicity.publicity_clearance(claim) is None


def test_an_upheld_objection_blocks_payment_until_published_again(world):
    claim = make_claim(world["city"], enterprise=world["enterprise"])
    published = publish(world, [claim.pk])
    objection = publicity.objection_record(
        actor=world["admin"], publicity=published, claim=claim, raised_by="李四", content="异议"
    )
    publicity.objection_resolve(
        actor=world["admin"], objection=objection, outcome="upheld", resolution="属实，核减"
    )
    close(published)

    upheld = refusal(claim)
    close(publish(world, [claim.pk], title="更正后重新公示"))

    assert "upheld" in upheld and "已成立" in upheld
    assert publicity.publicity_clearance(claim) is None


def test_an_objection_on_another_claim_does_not_block_this_one(world):
    mine = make_claim(world["city"], enterprise=world["enterprise"])
    theirs = make_claim(world["city"], enterprise=world["neighbour"])
    published = publish(world, [mine.pk, theirs.pk])
    publicity.objection_record(
        actor=world["admin"], publicity=published, claim=theirs, raised_by="李四", content="异议"
    )
    close(published)

    assert publicity.publicity_clearance(mine) is None
    assert "open objection" in refusal(theirs)


def test_an_amount_changed_after_publicity_must_be_published_again(world):
    claim = make_claim(world["city"], enterprise=world["enterprise"], amount="500000.00")
    close(publish(world, [claim.pk]))
    SubsidyClaim.objects.filter(pk=claim.pk).update(approved_amount=D("450000.00"))
    claim.refresh_from_db()

    message = refusal(claim)

    assert "450000.00" in message and "500000.00" in message


def test_the_disbursement_asks_for_the_clearance(world):
    """`claim_disburse` refuses a claim under publicity (nothing paid), and pays it after."""
    from subsidies import services

    claim = make_claim(world["city"], enterprise=world["enterprise"], amount="500000.00")
    published = publish(world, [claim.pk])

    with pytest.raises(Conflict) as refused:
        services.claim_disburse(world["finance"], claim, amount="500000.00", reference="R-1")
    claim.refresh_from_db()
    assert "until" in refused.value.message
    assert (claim.paid_amount, claim.status, claim.ledger.count()) == (0, "approved", 0)

    close(published)
    services.claim_disburse(world["finance"], claim, amount="500000.00", reference="R-1")
    claim.refresh_from_db()
    assert (claim.paid_amount, claim.status) == (D("500000.00"), "paid")
