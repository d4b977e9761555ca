"""Subsidy document job kinds: the approval notice of a recipient (补助核定通知书) and the
disbursement list (资金拨付清单), both PDF.

Started from the subsidy documents page (`subsidy-documents`) or a publicity's page; when they
run they check again that the starter still holds the role (`subsidy.export`) and cover only
the claims the starter sees. Imported by `subsidies.job_kinds` (the module the jobs app
discovers).
"""

from django.utils.translation import gettext_lazy as _

from pilot_portal.errors import NotAllowed
from pilot_portal.jobs.registry import JobOutput, job_kind
from pilot_portal.tenancy.policy import RULES
from subsidies import documents

ROLES = RULES[documents.ACTION].roles
PDF = "application/pdf"


def _starter(job):
    if job.started_by is None or not documents.may_generate(job.started_by, job.city):
        raise NotAllowed(documents.NOT_ALLOWED)
    return job.started_by


@job_kind(
    documents.NOTICE_JOB,
    label=_("Subsidy approval notice (PDF)"),
    roles=ROLES,
    start_url_name="subsidy-documents",
)
def subsidy_approval_notice(job, progress) -> JobOutput:
    """params: {"enterprise": id} or {"claim": id}."""
    user = _starter(job)
    notice = documents.notice_claims(user=user, city=job.city, params=job.params or {})
    progress(20)
    pdf = documents.notice_pdf(city=job.city, notice=notice)
    recipient = notice.recipient
    return JobOutput(
        result={
            "recipient": recipient.name,
            "uscc": recipient.uscc,
            "claims": [c.pk for c in notice.claims],
            "approved": str(sum((c.approved_amount for c in notice.claims), start=documents.ZERO)),
        },
        file=(documents.notice_file_name(job.city, notice), pdf, PDF),
    )


@job_kind(
    documents.LIST_JOB,
    label=_("Disbursement list (PDF)"),
    roles=ROLES,
    start_url_name="subsidy-documents",
)
def subsidy_list(job, progress) -> JobOutput:
    """params: {"publicity": id} (its approved claims) or {} (every claim still to pay)."""
    user = _starter(job)
    params = job.params or {}
    publicity = documents.list_publicity(city=job.city, params=params)
    claims = documents.disbursement_claims(user=user, city=job.city, publicity=publicity)
    progress(20)
    pdf = documents.disbursement_pdf(city=job.city, claims=claims, publicity=publicity)
    totals = documents.disbursement_totals(claims)
    return JobOutput(
        result={
            "publicity": publicity.pk if publicity is not None else None,
            "claims": len(claims),
            **{name: str(amount) for name, amount in totals.items()},
        },
        file=(documents.disbursement_file_name(job.city, publicity, job.pk), pdf, PDF),
    )
