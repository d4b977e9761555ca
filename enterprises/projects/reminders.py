"""Milestone reminders (Celery beat, `tasks.send_milestone_reminders`).

For every city: a milestone not done and due within REMIND_DAYS gets one "due soon" e-mail; a
milestone past its due date gets one "overdue" e-mail. Each goes to the project's enterprise
(its users and contact e-mail) and provider (its staff, its users in the city and its contact
e-mail), and is recorded on the milestone (`reminded_due_at`, `reminded_overdue_at`).

Sent once: each milestone is claimed by a conditional UPDATE (`... WHERE reminded_due_at IS
NULL`) in the same transaction as the sending, so a second run, or two runs at once, find
nothing left to claim; if sending fails the claim is rolled back and the next run retries.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from enterprises.projects.models import Milestone, ProjectStatus
from pilot_portal.tenancy.models import Membership, Role
from providers.models import Provider

REMIND_DAYS = 7
RUNNING = (ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS)
DUE, OVERDUE = "due", "overdue"
FIELD = {DUE: "reminded_due_at", OVERDUE: "reminded_overdue_at"}


def _candidates(kind: str, today: datetime.date) -> list[Milestone]:
    milestones = Milestone.objects.filter(
        done_at__isnull=True, project__status__in=RUNNING, **{f"{FIELD[kind]}__isnull": True}
    )
    if kind == DUE:
        milestones = milestones.filter(
            due_date__gte=today, due_date__lte=today + datetime.timedelta(days=REMIND_DAYS)
        )
    else:
        milestones = milestones.filter(due_date__lt=today)
    return list(
        milestones.select_related("city", "project__enterprise", "project__provider").order_by(
            "city_id", "due_date", "pk"
        )
    )


def _recipients(milestones: list[Milestone]) -> dict[int, list[str]]:
    """E-mail addresses per milestone id (four queries for the whole batch)."""
    enterprise_ids = {m.project.enterprise_id for m in milestones}
    provider_ids = {m.project.provider_id for m in milestones}
    members = Membership.objects.filter(is_active=True, user__is_active=True)
    enterprise_users, provider_users, provider_staff = (
        defaultdict(set), defaultdict(set), defaultdict(set)
    )  # fmt: skip
    for enterprise_id, email in members.filter(
        role=Role.ENTERPRISE, enterprise_id__in=enterprise_ids
    ).values_list("enterprise_id", "user__email"):
        enterprise_users[enterprise_id].add(email)
    for city_id, provider_id, email in members.filter(
        role=Role.PROVIDER, provider_id__in=provider_ids
    ).values_list("city_id", "provider_id", "user__email"):
        provider_users[(city_id, provider_id)].add(email)
    for provider_id, email in Provider.staff.through.objects.filter(
        provider_id__in=provider_ids, user__is_active=True
    ).values_list("provider_id", "user__email"):
        provider_staff[provider_id].add(email)
    contacts = dict(Provider.objects.filter(pk__in=provider_ids).values_list("pk", "contact_email"))
    found = {}
    for m in milestones:
        project = m.project
        emails = (
            enterprise_users[project.enterprise_id]
            | {project.enterprise.contact_email, contacts.get(project.provider_id, "")}
            | provider_staff[project.provider_id]
            | provider_users[(m.city_id, project.provider_id)]
        )
        found[m.pk] = sorted(e for e in emails if e)
    return found


def _message(kind: str, milestone: Milestone, today: datetime.date, to: list[str]) -> EmailMessage:
    project = milestone.project
    city = milestone.city
    if kind == DUE:
        days = (milestone.due_date - today).days
        subject = (
            f"【试点通】里程碑即将到期：{milestone.title} / milestone due in {days} day(s): "
            f"{milestone.title}"
        )
        zh = (
            f"项目“{project.title}”的里程碑“{milestone.title}”将于 {milestone.due_date} 到期"
            f"（还有 {days} 天）。"
        )
        en = (
            f'The milestone "{milestone.title}" of the project "{project.title}" is due on '
            f"{milestone.due_date} (in {days} day(s))."
        )
    else:
        days = (today - milestone.due_date).days
        subject = (
            f"【试点通】里程碑已逾期：{milestone.title} / milestone overdue by {days} day(s): "
            f"{milestone.title}"
        )
        zh = (
            f"项目“{project.title}”的里程碑“{milestone.title}”已于 {milestone.due_date} 到期，"
            f"逾期 {days} 天。"
        )
        en = (
            f'The milestone "{milestone.title}" of the project "{project.title}" was due on '
            f"{milestone.due_date} and is {days} day(s) overdue."
        )
    body = (
        f"{project.enterprise.name} / {project.provider.name}（{city.name}）：\n\n"
        f"{zh}\n服务商完成后请在试点通上标记完成并上传证明。\n\n"
        f"{en}\nThe provider marks it done on the portal, with evidence, once it is done.\n"
    )
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to)


def _send(kind: str, milestone: Milestone, today, to: list[str], now) -> bool:
    """Claim the milestone for this reminder and send it, in one transaction."""
    with transaction.atomic():
        claimed = Milestone.objects.filter(
            pk=milestone.pk, done_at__isnull=True, **{f"{FIELD[kind]}__isnull": True}
        ).update(**{FIELD[kind]: now})
        if claimed != 1:  # done meanwhile, or another run sent it
            return False
        _message(kind, milestone, today, to).send(fail_silently=False)
    return True


def milestone_reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Send the due-soon and overdue reminders not yet sent, in every city.

    Returns how many of each were sent. A milestone with nobody to write to is left
    unclaimed, so its reminder goes out once someone can receive it."""
    today = today or timezone.localdate()
    now = timezone.now()
    sent = {DUE: 0, OVERDUE: 0}
    for kind in (OVERDUE, DUE):
        milestones = _candidates(kind, today)
        if not milestones:
            continue
        recipients = _recipients(milestones)
        for milestone in milestones:
            to = recipients[milestone.pk]
            if to and _send(kind, milestone, today, to, now):
                sent[kind] += 1
    return sent
