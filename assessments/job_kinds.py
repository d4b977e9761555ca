"""Assessment job kinds: one assessment's report (PDF); a batch's acceptance reports (zip).

Both are started from the reports page (`assessment-reports`) or an assessment's page, and
check again, when they run, that the starter may still have the report: the role
(`assessment.report`) and the assessment within what they see.
"""

from django.utils.translation import gettext_lazy as _

from assessments import reports
from assessments.models import Assessment
from pilot_portal.errors import InvalidInput, NotAllowed
from pilot_portal.jobs.registry import JobOutput, job_kind
from pilot_portal.tenancy.models import Batch
from pilot_portal.tenancy.policy import RULES

ROLES = RULES[reports.ACTION].roles
NOT_ALLOWED = "您的角色不能生成评测报告 / your role may not generate assessment reports"


def _int_param(job, name: str) -> int | None:
    value = job.params.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@job_kind(
    reports.REPORT_JOB,
    label=_("Assessment report (PDF)"),
    roles=ROLES,
    start_url_name="assessment-reports",  # started from an assessment's page
)
def assessment_report(job, progress) -> JobOutput:
    """params: {"assessment": id}. Its diagnosis (or self-assessment) or acceptance report."""
    if job.started_by is None or not reports.may_report(job.started_by, job.city):
        raise NotAllowed(NOT_ALLOWED)
    pk = _int_param(job, "assessment")
    assessment: Assessment | None = None
    if pk is not None:
        assessment = (
            reports.with_report_relations(reports.reportable_assessments(job.started_by, job.city))
            .filter(pk=pk)
            .first()
        )
    if assessment is None:
        raise InvalidInput(
            "没有要生成报告的评测：请在评测页面上生成报告 / no such assessment: generate the "
            "report from the assessment's page",
            field="assessment",
        )
    progress(10)
    pdf = reports.report_pdf(assessment)
    return JobOutput(
        result={
            "assessment": assessment.pk,
            "kind": assessment.kind,
            "status": assessment.status,
            "total_score": str(assessment.total_score) if assessment.total_score else None,
            "level": assessment.level,
        },
        file=(
            f"{job.city.code}-{reports.report_file_name(assessment)}",
            pdf,
            "application/pdf",
        ),
    )


@job_kind(
    reports.BATCH_JOB,
    label=_("Acceptance reports of a batch (zip)"),
    roles=ROLES,
    start_url_name="assessment-reports",
)
def acceptance_reports_batch(job, progress) -> JobOutput:
    """params: {"batch": id}. Every approved enterprise's latest locked acceptance report."""
    if job.started_by is None or not reports.may_report(job.started_by, job.city):
        raise NotAllowed(NOT_ALLOWED)
    pk = _int_param(job, "batch")
    batch = Batch.objects.for_city(job.city).filter(pk=pk).first() if pk is not None else None
    if batch is None:
        raise InvalidInput("请选择本市的申报批次 / choose one of the city's batches", field="batch")
    bundle = reports.batch_reports_bundle(
        user=job.started_by,
        city=job.city,
        batch=batch,
        name=f"{job.city.code}-acceptance-reports-batch{batch.pk}-{job.pk}.zip",
        progress=progress,
    )
    return JobOutput(result=bundle.result, file=(bundle.name, bundle.content, "application/zip"))
