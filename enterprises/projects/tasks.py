"""Celery tasks for projects: thin wrappers around services."""

from celery import shared_task

from enterprises.projects import reminders


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_milestone_reminders() -> dict[str, int]:
    """Celery beat, daily: milestone due-soon and overdue reminders (each sent once)."""
    return reminders.milestone_reminders_send()
