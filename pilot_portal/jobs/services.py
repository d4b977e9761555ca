"""Starting and running jobs."""

import logging

from django.db import transaction
from django.utils import timezone

from pilot_portal.documents.services import document_create
from pilot_portal.errors import InvalidInput, NotAllowed
from pilot_portal.jobs.models import FINISHED, Job, JobStatus
from pilot_portal.jobs.registry import UnknownJobKind, get_kind
from pilot_portal.tenancy import policy

logger = logging.getLogger(__name__)


def job_start(*, city, kind: str, params: dict | None, actor) -> Job:
    """Queue a job of `kind` for `city`; it runs after the surrounding transaction commits."""
    try:
        job_kind = get_kind(kind)
    except UnknownJobKind:
        raise InvalidInput(
            f"未知的任务类型：{kind} / unknown job kind: {kind}", field="kind"
        ) from None
    if not policy.roles_in(actor, city) & job_kind.roles:
        raise NotAllowed("您的角色不能启动此任务 / your role may not start this job")
    if params is not None and not isinstance(params, dict):
        raise InvalidInput("参数必须是对象 / params must be an object", field="params")
    job = Job.objects.create(city=city, kind=kind, params=params or {}, started_by=actor)
    from pilot_portal.jobs.tasks import run_job  # tasks import services; keep the cycle local

    transaction.on_commit(lambda: run_job.delay(job.pk))
    return job


def job_set_progress(job: Job, percent: int) -> None:
    job.progress = max(0, min(100, int(percent)))
    Job.objects.filter(pk=job.pk).update(progress=job.progress)


def _claim(job_id: int) -> Job | None:
    """Mark the job running, unless it already finished (a redelivered task does nothing)."""
    with transaction.atomic():
        job = (
            Job.objects.select_for_update(of=("self",))
            .select_related("city")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status in FINISHED:
            return None
        job.status = JobStatus.RUNNING
        job.started_at = timezone.now()
        job.attempts += 1
        job.progress = 0
        job.save(update_fields=["status", "started_at", "attempts", "progress"])
        return job


def job_run(*, job_id: int) -> None:
    """Run a queued job to the end, recording the result or the error on the row."""
    job = _claim(job_id)
    if job is None:
        return
    try:
        output = get_kind(job.kind).run(job, lambda percent: job_set_progress(job, percent))
        if output.pending:  # the kind's own tasks finish the job (job_finish)
            return
        with transaction.atomic():
            if output.file is not None:
                name, content, content_type = output.file
                job.document = document_create(
                    city=job.city,
                    name=name,
                    content=content,
                    content_type=content_type,
                    actor=job.started_by,
                    purpose=f"job:{job.kind}",
                )
            job.result = output.result
            job.status = JobStatus.SUCCEEDED
            job.progress = 100
            job.finished_at = timezone.now()
            job.save(update_fields=["document", "result", "status", "progress", "finished_at"])
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        job.status = JobStatus.FAILED
        job.error = f"{type(exc).__name__}: {exc}"
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])


def job_finish(
    job: Job, *, result: dict | None = None, failed: bool = False, error: str = ""
) -> bool:
    """End a job whose kind returned `JobOutput(pending=True)`, once: False when it had already
    finished (a task that finishes it twice changes nothing)."""
    with transaction.atomic():
        locked = Job.objects.select_for_update().filter(pk=job.pk).first()
        if locked is None or locked.status in FINISHED:
            return False
        locked.status = JobStatus.FAILED if failed else JobStatus.SUCCEEDED
        locked.result = result or {}
        locked.error = error
        if not failed:
            locked.progress = 100
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "result", "error", "progress", "finished_at"])
    for name in ("status", "result", "error", "progress", "finished_at"):
        setattr(job, name, getattr(locked, name))
    return True


def jobs_requeue_stale(*, older_than) -> int:
    """Queue again jobs left queued since before `older_than` (a broker lost them)."""
    from pilot_portal.jobs.tasks import run_job

    stale = list(
        Job.objects.filter(status=JobStatus.QUEUED, created_at__lt=older_than).values_list(
            "pk", flat=True
        )
    )
    for job_id in stale:
        run_job.delay(job_id)
    return len(stale)
