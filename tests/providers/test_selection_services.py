"""The selection workflow through its services: every step recorded, refusals change nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pilot_portal.audit.models import AuditEntry
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from pilot_portal.tenancy.models import Membership
from providers import services
from providers.models import ExpertScore, ProviderSelection, SelectionStep
from tests.factories import (
    CityFactory,
    MembershipFactory,
    ProviderFactory,
    SectorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    city = CityFactory()
    admin = MembershipFactory(city=city, role="city_admin").user
    experts = [MembershipFactory(city=city, role="expert").user for _ in range(2)]
    selection_round = services.round_create(
        city=city,
        actor=admin,
        data={
            "name": "2026 年服务商遴选",
            "opens": timezone.localdate() - timedelta(days=1),
            "closes": timezone.localdate() + timedelta(days=30),
            "criteria": "能力 40，案例 30，服务 20，价格 10",
            "experts": [e.pk for e in experts],
        },
    )
    staff = UserFactory()
    provider = ProviderFactory()
    provider.staff.add(staff)
    sector = SectorFactory(city=city)
    return {
        "city": city, "admin": admin, "experts": experts, "round": selection_round,
        "staff": staff, "provider": provider, "sector": sector,
    }  # fmt: skip


def _apply(world):
    return services.selection_apply(
        city=world["city"], provider=world["provider"], actor=world["staff"],
        sectors=[world["sector"].code], statement="我们做视觉质检",
    )  # fmt: skip


def test_applying_gives_the_providers_staff_the_city(world):
    selection = _apply(world)
    assert selection.status == "applied"
    assert list(selection.sectors.all()) == [world["sector"]]
    assert Membership.objects.filter(
        user=world["staff"], city=world["city"], role="provider", provider=world["provider"]
    ).exists()
    with pytest.raises(Conflict):  # one live application per city
        _apply(world)


def test_no_open_round_refuses_the_application(world):
    world["round"].closes = world["round"].opens = timezone.localdate() - timedelta(days=5)
    world["round"].save()
    with pytest.raises(Conflict) as refused:
        _apply(world)
    assert "没有开放" in refused.value.message
    assert not ProviderSelection.objects.filter(city=world["city"]).exists()


def test_full_round_experts_publicity_selection(world):
    selection = _apply(world)
    admin, today = world["admin"], timezone.localdate()
    services.selection_transition(selection=selection, actor=admin, action="start-review")
    for expert, score in zip(world["experts"], ("82", "77.5"), strict=True):
        services.score_submit(selection=selection, expert=expert, score=score, comment="好")
    assert sorted(
        ExpertScore.objects.filter(selection=selection).values_list("score", flat=True)
    ) == [
        Decimal("77.50"),
        Decimal("82.00"),
    ]
    later = today + timedelta(days=5)
    services.selection_transition(
        selection=selection, actor=admin, action="publicise",
        publicity_start=today, publicity_end=later,
    )  # fmt: skip
    with pytest.raises(Conflict) as early:
        services.selection_transition(selection=selection, actor=admin, action="select")
    assert str(later) in early.value.message
    ProviderSelection.objects.filter(pk=selection.pk).update(
        publicity_start=today - timedelta(days=6), publicity_end=today - timedelta(days=1)
    )
    selection = services.selection_transition(selection=selection, actor=admin, action="select")
    assert selection.status == "selected"
    steps = list(SelectionStep.objects.filter(selection=selection).values_list("action", flat=True))
    assert steps == ["start-review", "publicise", "select"]
    assert AuditEntry.objects.filter(
        action="provider.select", city_code=world["city"].code
    ).exists()


def test_conflicted_expert_cannot_score(world):
    selection = _apply(world)
    services.selection_transition(selection=selection, actor=world["admin"], action="start-review")
    expert = world["experts"][0]
    services.conflict_declare(
        city=world["city"], expert=expert, provider=world["provider"], reason="前雇主"
    )
    with pytest.raises(NotAllowed) as refused:
        services.score_submit(selection=selection, expert=expert, score=90, comment="好")
    assert "利益冲突" in refused.value.message
    assert not ExpertScore.objects.filter(selection=selection).exists()


def test_conflict_after_scoring_is_refused(world):
    selection = _apply(world)
    services.selection_transition(selection=selection, actor=world["admin"], action="start-review")
    expert = world["experts"][0]
    services.score_submit(selection=selection, expert=expert, score=90, comment="好")
    with pytest.raises(Conflict):
        services.conflict_declare(
            city=world["city"], expert=expert, provider=world["provider"], reason="前雇主"
        )


@pytest.mark.parametrize("score", ["-1", "100.01", "abc", ""])
def test_scores_outside_0_to_100_are_refused(world, score):
    selection = _apply(world)
    services.selection_transition(selection=selection, actor=world["admin"], action="start-review")
    with pytest.raises(InvalidInput):
        services.score_submit(
            selection=selection, expert=world["experts"][0], score=score, comment="好"
        )
    assert not ExpertScore.objects.filter(selection=selection).exists()


def test_unassigned_expert_and_wrong_state(world):
    selection = _apply(world)
    outsider = MembershipFactory(city=world["city"], role="expert").user
    with pytest.raises(Conflict):  # not under review yet
        services.score_submit(
            selection=selection, expert=world["experts"][0], score=80, comment="好"
        )
    services.selection_transition(selection=selection, actor=world["admin"], action="start-review")
    with pytest.raises(NotAllowed):
        services.score_submit(selection=selection, expert=outsider, score=80, comment="好")


def test_publicity_needs_a_score_and_dates(world):
    selection = _apply(world)
    admin, today = world["admin"], timezone.localdate()
    services.selection_transition(selection=selection, actor=admin, action="start-review")
    with pytest.raises(Conflict):
        services.selection_transition(
            selection=selection, actor=admin, action="publicise",
            publicity_start=today, publicity_end=today,
        )  # fmt: skip
    services.score_submit(selection=selection, expert=world["experts"][0], score=80, comment="好")
    with pytest.raises(InvalidInput):
        services.selection_transition(
            selection=selection, actor=admin, action="publicise",
            publicity_start=today, publicity_end=today - timedelta(days=1),
        )  # fmt: skip
    selection.refresh_from_db()
    assert selection.status == "under_review"


def test_pool_management_suspend_reinstate_remove_with_reasons(world):
    selection = _apply(world)
    admin = world["admin"]
    ProviderSelection.objects.filter(pk=selection.pk).update(status="selected")
    with pytest.raises(InvalidInput):  # a reason is required
        services.selection_transition(selection=selection, actor=admin, action="suspend")
    services.selection_transition(
        selection=selection, actor=admin, action="suspend", comment="投诉核查中"
    )
    services.selection_transition(
        selection=selection, actor=admin, action="reinstate", comment="核查无问题"
    )
    selection = services.selection_transition(
        selection=selection, actor=admin, action="remove", comment="年度评价不合格"
    )
    assert selection.status == "removed"
    # Removed: the provider may apply again in a later round.
    assert _apply(world).status == "applied"


def test_only_the_city_admin_moves_a_selection(world):
    selection = _apply(world)
    with pytest.raises(NotAllowed):
        services.selection_transition(
            selection=selection, actor=world["experts"][0], action="start-review"
        )
    selection.refresh_from_db()
    assert selection.status == "applied"


def test_evaluation_records_figures_and_acts(world):
    selection = _apply(world)
    ProviderSelection.objects.filter(pk=selection.pk).update(status="selected")
    evaluation = services.evaluation_record(
        selection=selection, actor=world["admin"], year=timezone.localdate().year,
        outcome="suspend", reason="评分过低",
    )  # fmt: skip
    assert evaluation.ratings == 0 and evaluation.average_rating is None
    selection.refresh_from_db()
    assert selection.status == "suspended"
    with pytest.raises(Conflict):
        services.evaluation_record(
            selection=selection, actor=world["admin"], year=timezone.localdate().year,
            outcome="keep", reason="再评",
        )  # fmt: skip


def test_register_refuses_bad_and_duplicate_codes(world):
    user = UserFactory()
    with pytest.raises(InvalidInput):
        services.provider_register(user=user, data={"uscc": "91350100M000100Y44", "name": "x"})
    provider = services.provider_register(
        user=user, data={"uscc": " 91350100m000100y43 ", "name": "数智科技", "kind": "product"}
    )
    assert provider.uscc == "91350100M000100Y43"
    assert list(provider.staff.all()) == [user]
    with pytest.raises(InvalidInput):
        services.provider_register(
            user=UserFactory(), data={"uscc": "91350100M000100Y43", "name": "y"}
        )


def test_each_decision_is_mailed_to_the_provider(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    world["provider"].contact_email = "bid@provider.example"
    world["provider"].save()
    world["staff"].email = "staff@provider.example"
    world["staff"].save()
    selection = _apply(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.selection_transition(
            selection=selection, actor=world["admin"], action="reject", comment="案例不足"
        )
    (mail,) = mailoutbox
    assert sorted(mail.to) == ["bid@provider.example", "staff@provider.example"]
    assert "已驳回" in mail.subject or "rejected" in mail.subject
    assert "案例不足" in mail.body
