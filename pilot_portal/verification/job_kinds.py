"""The `verify_batch` job kind: batch verification, as a job with a progress bar.

Usually started by `services.verification_start` (the verification page, the API, the
ministry, the nightly beat), which has written the run and its chunks already; the job's task
then sends the chunks to the workers and leaves the job running until the last chunk finishes
it. Started through the jobs API instead (params {"batch": id} or nothing for the whole city),
it first checks that the starter still may, and writes the run itself. The PDF summary kind
lives in `report_job_kinds`, imported here (the jobs app discovers only `job_kinds` modules).
"""

from django.utils.translation import gettext_lazy as _

from pilot_portal.errors import InvalidInput, NotAllowed
from pilot_portal.jobs.registry import JobOutput, job_kind
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Batch
from pilot_portal.tenancy.policy import RULES
from pilot_portal.verification import (
    report_job_kinds,  # noqa: F401  (the PDF summary kind)
    services,
)
from pilot_portal.verification.models import RunStatus, VerificationRun

ACTION = "verification.run"


@job_kind(
    services.JOB_KIND,
    label=_("Batch verification"),
    roles=RULES[ACTION].roles,
    start_url_name="verification-run-list",  # a batch or the whole city, chosen there
)
def verify_batch(job, progress) -> JobOutput:
    run = VerificationRun.objects.filter(job=job).first()
    if run is None:
        run = _run_for_job(job)
    if run.status != RunStatus.RUNNING:  # finished already: a redelivered task
        return JobOutput(result={"run": run.pk, "counts": run.counts}, pending=True)
    try:
        services.chunks_dispatch(run.pk)
    except Exception as error:  # the broker refused the chunks: the city may start again
        services.run_fail(run.pk, f"{type(error).__name__}: {error}")
        raise
    return JobOutput(pending=True)


def _run_for_job(job) -> VerificationRun:
    actor = job.started_by
    if actor is None or not policy.can(actor, ACTION, city=job.city):
        raise NotAllowed("您的角色不能发起核验 / your role may not start a verification")
    batch, pk = None, job.params.get("batch")
    if pk is not None:
        if isinstance(pk, int) and not isinstance(pk, bool):
            batch = Batch.objects.for_city(job.city).filter(pk=pk).first()
        if batch is None:
            raise InvalidInput("请选择本市的批次 / choose one of the city's batches", field="batch")
    return services.run_create(city=job.city, batch=batch, actor=actor, job=job)
