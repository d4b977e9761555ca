"""Celery tasks: thin wrappers that fetch by id and call a service."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from pilot_portal.jobs import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int) -> None:
    services.job_run(job_id=job_id)


@shared_task
def requeue_stale_jobs() -> int:
    """Celery beat: re-send jobs that have sat queued for an hour."""
    return services.jobs_requeue_stale(older_than=timezone.now() - timedelta(hours=1))
