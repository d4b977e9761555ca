"""The verification PDF summary job kind (`verification_summary`), started from a run's page.

The jobs app discovers only modules named `job_kinds`: `pilot_portal.verification.job_kinds`
imports this one.
"""

from django.utils.translation import gettext_lazy as _

from pilot_portal.jobs.registry import job_kind
from pilot_portal.tenancy.policy import READ_ONLY_ROLES, RULES
from pilot_portal.verification import reports

# Those who see runs, less oversight (a job writes a document: oversight only reads).
ROLES = RULES["verification.view"].roles - READ_ONLY_ROLES


@job_kind(
    reports.SUMMARY_JOB,
    label=_("Verification summary (PDF)"),
    roles=ROLES,
    start_url_name="verification-run-list",
)
def verification_summary(job, progress):
    """params: {"run": id}."""
    return reports.summary_job(job, progress)
