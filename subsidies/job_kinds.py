"""Subsidy job kinds: the what-if simulation of a rulebook version (`subsidy_simulation`).

Started by the city's overseers and finance (`subsidy.funds`) from a rulebook version's page;
it checks again, when it runs, that the starter still may, and that the version is the city's.
The PDF job kinds (approval notice, disbursement list) live in `document_job_kinds`, imported
here because the jobs app discovers only the `job_kinds` module of each app.
"""

from django.utils.translation import gettext_lazy as _

from pilot_portal.errors import InvalidInput, NotAllowed
from pilot_portal.jobs.registry import JobOutput, job_kind
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.policy import RULES
from subsidies import document_job_kinds  # noqa: F401  (registers the PDF kinds)
from subsidies.models import RulebookVersion
from subsidies.simulation import SIMULATION_JOB, simulate

ACTION = "subsidy.funds"


@job_kind(
    SIMULATION_JOB,
    label=_("Rulebook simulation (what-if)"),
    roles=RULES[ACTION].roles,
    start_url_name="subsidy-rulebook-list",  # started from a version's page
)
def subsidy_simulation(job, progress) -> JobOutput:
    """params: {"version": id}. Every live claim recomputed under that version, nothing written."""
    if job.started_by is None or not policy.can(job.started_by, ACTION, city=job.city):
        raise NotAllowed("您的角色不能运行补助测算 / your role may not run a subsidy simulation")
    pk = job.params.get("version")
    version = None
    if isinstance(pk, int) and not isinstance(pk, bool):
        version = RulebookVersion.objects.for_city(job.city).filter(pk=pk).first()
    if version is None:
        raise InvalidInput(
            "请选择本市的补助规则版本 / choose one of the city's rulebook versions",
            field="version",
        )
    return JobOutput(result=simulate(city=job.city, version=version, progress=progress))
