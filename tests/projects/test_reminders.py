"""Milestone reminders: due soon and overdue, each sent once, to the project's two parties."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from enterprises.models import Milestone
from enterprises.projects import reminders, tasks
from tests.factories import (
    CityFactory,
    EnterpriseFactory,
    MembershipFactory,
    ProviderFactory,
    UserFactory,
)
from tests.projects.test_monitoring import build_project, milestone

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    city = CityFactory()
    enterprise = EnterpriseFactory(city=city, contact_email="contact@factory.example")
    provider = ProviderFactory(contact_email="desk@provider.example")
    provider.staff.add(UserFactory(email="boss@provider.example"))
    provider.staff.add(UserFactory(email="gone@provider.example", is_active=False))
    MembershipFactory(
        city=city, role="enterprise", enterprise=enterprise,
        user=UserFactory(email="owner@factory.example"),
    )  # fmt: skip
    MembershipFactory(
        city=city, role="provider", provider=provider,
        user=UserFactory(email="engineer@provider.example"),
    )  # fmt: skip
    # Nobody else hears of it: the city, another enterprise, another provider.
    MembershipFactory(city=city, role="city_admin", user=UserFactory(email="admin@city.example"))
    other = EnterpriseFactory(city=city)
    MembershipFactory(
        city=city, role="enterprise", enterprise=other, user=UserFactory(email="x@other.example")
    )
    ProviderFactory(contact_email="y@other.example")
    return {"city": city, "project": build_project(enterprise, provider, title="视觉质检改造")}


RECIPIENTS = [
    "boss@provider.example",
    "contact@factory.example",
    "desk@provider.example",
    "engineer@provider.example",
    "owner@factory.example",
]


def test_a_milestone_due_within_a_week_is_reminded_once_to_both_parties(world):
    # given
    soon = milestone(world["project"], due_in=3, title="系统上线")
    milestone(world["project"], due_in=20, title="远期")

    # when
    first = reminders.milestone_reminders_send()
    second = reminders.milestone_reminders_send()

    # then
    assert first == {"due": 1, "overdue": 0} and second == {"due": 0, "overdue": 0}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == RECIPIENTS
    assert "里程碑即将到期：系统上线" in message.subject and "due in 3 day(s)" in message.subject
    assert "视觉质检改造" in message.body and "is due on" in message.body
    soon.refresh_from_db()
    assert soon.reminded_due_at is not None and soon.reminded_overdue_at is None


def test_an_overdue_milestone_is_reminded_once(world):
    late = milestone(world["project"], due_in=-2, title="数据采集")

    assert reminders.milestone_reminders_send() == {"due": 0, "overdue": 1}
    assert reminders.milestone_reminders_send() == {"due": 0, "overdue": 0}

    assert [m.subject for m in mail.outbox] == [
        "【试点通】里程碑已逾期：数据采集 / milestone overdue by 2 day(s): 数据采集"
    ]
    assert sorted(mail.outbox[0].to) == RECIPIENTS
    late.refresh_from_db()
    assert late.reminded_overdue_at is not None


def test_a_due_milestone_later_overdue_gets_each_reminder_once(world):
    ms = milestone(world["project"], due_in=2)
    today = timezone.localdate()

    reminders.milestone_reminders_send(today=today)
    reminders.milestone_reminders_send(today=today + timedelta(days=3))
    reminders.milestone_reminders_send(today=today + timedelta(days=4))

    assert ["即将到期" in m.subject for m in mail.outbox] == [True, False]
    ms.refresh_from_db()
    assert ms.reminded_due_at and ms.reminded_overdue_at


def test_done_milestones_and_ended_projects_are_never_reminded(world):
    milestone(world["project"], due_in=2, done=True)
    milestone(world["project"], due_in=-2, done=True)
    ended = build_project(world["project"].enterprise, world["project"].provider, status="failed")
    milestone(ended, due_in=-2)

    assert reminders.milestone_reminders_send() == {"due": 0, "overdue": 0}

    assert mail.outbox == []
    assert not Milestone.objects.filter(city=world["city"], reminded_due_at__isnull=False)
    assert not Milestone.objects.filter(city=world["city"], reminded_overdue_at__isnull=False)


def test_a_milestone_claimed_by_another_run_is_not_sent_again(world):
    """Two runs at once: the one whose conditional update claims the milestone sends."""
    ms = milestone(world["project"], due_in=1)
    Milestone.objects.filter(pk=ms.pk).update(reminded_due_at=timezone.now())  # the other run

    assert (
        reminders._send("due", ms, timezone.localdate(), ["a@b.example"], timezone.now()) is False
    )
    assert mail.outbox == []


def test_a_failed_send_is_retried_by_the_next_run(world, monkeypatch):
    ms = milestone(world["project"], due_in=1)

    def broken(self, fail_silently=False):
        raise ConnectionError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    with pytest.raises(ConnectionError):
        reminders.milestone_reminders_send()
    ms.refresh_from_db()
    assert ms.reminded_due_at is None  # the claim was rolled back
    monkeypatch.undo()

    assert reminders.milestone_reminders_send() == {"due": 1, "overdue": 0}


def test_a_milestone_with_nobody_to_tell_stays_unclaimed(world):
    city = world["city"]
    lonely = build_project(EnterpriseFactory(city=city), ProviderFactory(), title="无人项目")
    ms = milestone(lonely, due_in=1)

    reminders.milestone_reminders_send()

    ms.refresh_from_db()
    assert ms.reminded_due_at is None


def test_every_city_is_covered_and_the_beat_task_calls_the_service(world):
    elsewhere = build_project(EnterpriseFactory(city=CityFactory()), world["project"].provider)
    milestone(world["project"], due_in=1)
    milestone(elsewhere, due_in=1)

    result = tasks.send_milestone_reminders.delay().get()

    assert result == {"due": 2, "overdue": 0}
    assert len(mail.outbox) == 2
