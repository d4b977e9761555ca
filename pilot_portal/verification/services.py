"""Starting verification runs, processing their chunks, finishing them.

A run is a `verify_batch` job. Starting one writes the run, its chunks (the enterprises in
slices of `VERIFICATION_CHUNK_SIZE`) and the job in one transaction; after commit the job's
task (`verification.job_kinds.verify_batch`) sends one Celery task per chunk, as a group, and
leaves the job running. Each chunk task (`chunk_process`) replaces the chunk's findings, marks
the chunk done and counts it in the run, all in one transaction under the chunk's row lock, so
a task redelivered after its worker was killed either finds the chunk done (and does nothing)
or finds nothing of the killed attempt (rolled back) and does it all again. The chunk that
completes the run also finalises it (counts in the database, the job's result), in the same
transaction, so that happens exactly once.

A run is kept for ever; the next run of the same data gives the same findings (same code,
same fingerprint), and a finding about a record fixed since is simply absent from it.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from enterprises.models import Application, Enterprise
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from pilot_portal.jobs.models import FINISHED, Job
from pilot_portal.jobs.services import job_finish
from pilot_portal.jobs.tasks import run_job
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import City
from pilot_portal.verification import checks
from pilot_portal.verification.models import (
    Finding,
    RunStatus,
    Severity,
    VerificationChunk,
    VerificationRun,
)

logger = logging.getLogger(__name__)

JOB_KIND = "verify_batch"
CHUNK_SIZE = 200  # enterprises per chunk (setting VERIFICATION_CHUNK_SIZE)
MAX_ATTEMPTS = 10  # deliveries of one chunk before the run is failed (a chunk that kills workers)
RESUME_AFTER = timedelta(hours=1)  # a run still going then has lost a message: resume it
SYSTEM_USERNAME = "system"  # the nightly run's actor, when the demo or a deployment made one


def chunk_size() -> int:
    return max(1, int(getattr(settings, "VERIFICATION_CHUNK_SIZE", CHUNK_SIZE)))


# -- starting ---------------------------------------------------------------------------------


def verification_start(actor, city: City, *, batch=None) -> VerificationRun:
    """Verify every enterprise of `batch` (those with an application in it, whatever its
    status: the checks say what a status means), or of the whole city. 403 for a role that may
    not; 409 while a run of the same city and batch is still running."""
    if not policy.can(actor, "verification.run", city=city):
        raise NotAllowed("您的角色不能发起核验 / your role may not start a verification")
    return run_create(city=city, batch=batch, actor=actor)


def verification_start_national(actor) -> list[VerificationRun]:
    """The ministry verifies every city at once: one city-wide run per city. A city whose
    city-wide run is still running keeps it (it is not started twice, nor listed)."""
    if not policy.can_nationally(actor, "verification.run"):
        raise NotAllowed("只有部级用户可以发起全国核验 / only the ministry verifies every city")
    return _start_every_city(actor)


def verification_nightly() -> list[VerificationRun]:
    """Celery beat, every night: a city-wide run per city, started by the system user (or by
    nobody where there is none). A run still going after an hour has its chunks sent again."""
    actor = get_user_model().objects.filter(username=SYSTEM_USERNAME).first()
    return _start_every_city(actor, resume_older_than=timezone.now() - RESUME_AFTER)


def _start_every_city(actor, *, resume_older_than=None) -> list[VerificationRun]:
    runs = []
    for city in City.objects.order_by("code"):
        try:
            runs.append(run_create(city=city, batch=None, actor=actor))
        except Conflict:
            running = _running(city, None).first()
            logger.info("verification of %s still running (run %s)", city.code, running.pk)
            if resume_older_than is not None and running.created_at < resume_older_than:
                # A chunk whose message the broker lost would hold the run for ever: send the
                # chunks not done yet again (a chunk done already does nothing).
                transaction.on_commit(lambda run_id=running.pk: chunks_dispatch(run_id))
    return runs


def _running(city, batch):
    """Runs of this city and batch still going: running, and their job not finished."""
    return VerificationRun.objects.filter(city=city, batch=batch, status=RunStatus.RUNNING).filter(
        Q(job__isnull=True) | ~Q(job__status__in=FINISHED)
    )


def _enterprise_ids(city, batch) -> list[int]:
    if batch is None:
        ids = Enterprise.objects.for_city(city).values_list("pk", flat=True)
    else:
        ids = (
            Application.objects.for_city(city)
            .filter(batch=batch)
            .values_list("enterprise_id", flat=True)
            .distinct()
        )
    return sorted(ids)


@transaction.atomic
def run_create(*, city, batch, actor, job: Job | None = None) -> VerificationRun:
    """The run, its chunks and its job; the job's task is queued after commit. With `job` (a
    bare job started through the jobs API, already running), the caller dispatches the chunks.
    The callers have checked the actor's role (a nightly run has no actor)."""
    if batch is not None and batch.city_id != city.pk:
        raise InvalidInput("请选择本市的批次 / choose one of the city's batches", field="batch")
    # One start at a time per city, so that two clicks cannot both pass the check below.
    City.objects.select_for_update().filter(pk=city.pk).first()
    running = _running(city, batch).first()
    if running is not None:
        raise Conflict(
            f"该范围的核验 #{running.pk} 仍在进行 / verification #{running.pk} of the same "
            "scope is still running",
            run=running.pk,
        )
    ids = _enterprise_ids(city, batch)
    size = chunk_size()
    slices = [ids[start : start + size] for start in range(0, len(ids), size)]
    run = VerificationRun.objects.create(
        city=city,
        batch=batch,
        enterprise_count=len(ids),
        chunks_total=len(slices),
        started_by=actor if getattr(actor, "pk", None) else None,
    )
    VerificationChunk.objects.bulk_create(
        VerificationChunk(city=city, run=run, index=index, enterprise_ids=chunk)
        for index, chunk in enumerate(slices)
    )
    params = {"run": run.pk, "batch": batch.pk if batch is not None else None}
    if job is None:
        job = Job.objects.create(city=city, kind=JOB_KIND, params=params, started_by=run.started_by)
        transaction.on_commit(lambda: run_job.delay(job.pk))
    else:
        job.params = params
        job.save(update_fields=["params"])
    run.job = job
    run.save(update_fields=["job"])
    return run


def chunks_dispatch(run_id: int) -> int:
    """Send a task for each chunk of the run not done yet (all of them, at first); a run with
    nothing left to do is finalised. Safe to call again: a chunk done already does nothing."""
    from celery import group

    from pilot_portal.verification.tasks import verify_chunk

    pending = list(
        VerificationChunk.objects.filter(run_id=run_id, done=False)
        .order_by("index")
        .values_list("pk", flat=True)
    )
    if not pending:
        run_finalize(run_id)
        return 0
    group(verify_chunk.s(pk) for pk in pending).apply_async()
    return len(pending)


# -- processing ---------------------------------------------------------------------------------


def chunk_process(chunk_id: int) -> bool:
    """Check the chunk's enterprises and store what the checks found, once: False when there
    was nothing to do (the chunk is done, or its run ended). A redelivered task is safe."""
    # Counted in its own transaction: an attempt killed half-way still shows as an attempt.
    VerificationChunk.objects.filter(pk=chunk_id, done=False).update(attempts=F("attempts") + 1)
    with transaction.atomic():
        chunk = (
            VerificationChunk.objects.select_for_update(of=("self",))
            .select_related("run", "city")
            .filter(pk=chunk_id)
            .first()
        )
        if chunk is None or chunk.done or chunk.run.status != RunStatus.RUNNING:
            return False
        if chunk.attempts > MAX_ATTEMPTS:
            run_fail(chunk.run_id, f"chunk {chunk.index} failed {MAX_ATTEMPTS} times")
            return False
        specs = checks.findings_for(chunk.city, list(chunk.enterprise_ids))
        # A killed attempt left nothing (its transaction rolled back); this is for a database
        # that kept a partial chunk some other way.
        Finding.objects.filter(run_id=chunk.run_id, chunk=chunk.index).delete()
        rows, seen = [], set()
        for spec in specs:
            fingerprint = spec.fingerprint
            if fingerprint in seen:
                continue
            seen.add(fingerprint)
            rows.append(
                Finding(
                    city_id=chunk.city_id,
                    run_id=chunk.run_id,
                    chunk=chunk.index,
                    enterprise_id=spec.enterprise_id,
                    severity=spec.severity,
                    code=spec.code,
                    message_zh=spec.message_zh,
                    message_en=spec.message_en,
                    object_type=spec.object_type,
                    object_id=spec.object_id,
                    details=spec.details,
                    fingerprint=fingerprint,
                )
            )
        # A finding another chunk stored already (same fingerprint: the same finding about the
        # same record) is kept once.
        Finding.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        delay = float(getattr(settings, "VERIFICATION_CHUNK_DELAY_SECONDS", 0) or 0)
        if delay:  # tests and demos: time to kill a worker, or to watch the progress bar
            time.sleep(delay)
        chunk.done = True
        chunk.finished_at = timezone.now()
        chunk.save(update_fields=["done", "finished_at"])
        VerificationRun.objects.filter(pk=chunk.run_id).update(chunks_done=F("chunks_done") + 1)
        # The run's row is locked by the update until commit: chunks count one after another.
        done, total, job_id = VerificationRun.objects.filter(pk=chunk.run_id).values_list(
            "chunks_done", "chunks_total", "job_id"
        )[0]
        if job_id is not None:
            Job.objects.filter(pk=job_id).exclude(status__in=FINISHED).update(
                progress=min(99, done * 100 // max(total, 1))
            )
        if done >= total:
            run_finalize(chunk.run_id)
    return True


def run_counts(run_id: int) -> dict:
    """Findings by severity and by code, counted by the database."""
    counts = {severity: 0 for severity in Severity.values}
    by_code: dict[str, int] = {}
    rows = (
        Finding.objects.filter(run_id=run_id)
        .values("severity", "code")
        .annotate(n=Count("pk"))
        .order_by("code", "severity")
    )
    for row in rows:
        counts[row["severity"]] = counts.get(row["severity"], 0) + row["n"]
        by_code[row["code"]] = by_code.get(row["code"], 0) + row["n"]
    counts["total"] = sum(by_code.values())
    counts["by_code"] = by_code
    return counts


def run_finalize(run_id: int) -> bool:
    """Finish a run whose chunks are all done: its counts, its status, its job. Once: False
    when the run had finished already or still has chunks to do."""
    with transaction.atomic():
        run = VerificationRun.objects.select_for_update(of=("self",)).filter(pk=run_id).first()
        if run is None or run.status != RunStatus.RUNNING or run.chunks_done < run.chunks_total:
            return False
        run.counts = run_counts(run.pk)
        run.status = RunStatus.SUCCEEDED
        run.finished_at = timezone.now()
        run.save(update_fields=["counts", "status", "finished_at"])
        if run.job_id is not None:
            job_finish(
                run.job,
                result={"run": run.pk, "enterprises": run.enterprise_count, "counts": run.counts},
            )
    return True


def chunk_fail(chunk_id: int, error: str) -> None:
    """A chunk's task gave up (an error in a check, the database gone for too long): the run
    and its job fail, so that the city can start another."""
    run_id = VerificationChunk.objects.filter(pk=chunk_id).values_list("run_id", flat=True).first()
    if run_id is not None:
        run_fail(run_id, error)


def run_fail(run_id: int, error: str) -> None:
    with transaction.atomic():
        run = VerificationRun.objects.select_for_update(of=("self",)).filter(pk=run_id).first()
        if run is None or run.status != RunStatus.RUNNING:
            return
        run.status = RunStatus.FAILED
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "finished_at"])
        if run.job_id is not None:
            job_finish(run.job, result={"run": run.pk}, failed=True, error=error)
