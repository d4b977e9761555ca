"""Celery tasks of batch verification: thin wrappers that call services.

`verify_chunk` is acknowledged only once it has run (`acks_late`) and requeued when its worker
dies (`reject_on_worker_lost`; a worker killed outright leaves the message unacknowledged in
Redis, which gives it to another worker after the broker's visibility timeout). Running a chunk
twice stores its findings once (see `services.chunk_process`).
"""

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from pilot_portal.verification import services


class ChunkTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Retries exhausted or an error in a check: fail the run rather than leave it running.
        chunk_id = args[0] if args else kwargs.get("chunk_id")
        services.chunk_fail(chunk_id, f"{type(exc).__name__}: {exc}")


@shared_task(
    base=ChunkTask,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),  # the database restarting, a deadlock
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=6,
    ignore_result=True,  # the chunk and run rows hold the state
)
def verify_chunk(chunk_id: int) -> bool:
    return services.chunk_process(chunk_id)


@shared_task
def verify_all_cities_nightly() -> list[int]:
    """Celery beat (CELERY_BEAT_SCHEDULE "verification-nightly"): a city-wide run per city."""
    return [run.pk for run in services.verification_nightly()]
