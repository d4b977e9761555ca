"""Enterprise job kinds: importing the city's enterprise list from an uploaded xlsx; the
whole enterprise file (一企一档) as one zip."""

from django.utils.translation import gettext_lazy as _

from enterprises.files.bundle import enterprise_file_bundle
from enterprises.files.services import BUNDLERS, may_bundle
from enterprises.files.services import JOB_KIND as FILE_JOB_KIND
from enterprises.importing.services import JOB_KIND, PURPOSE, enterprise_import
from enterprises.models import Enterprise
from pilot_portal.documents.models import Document
from pilot_portal.errors import InvalidInput, NotAllowed
from pilot_portal.jobs.registry import JobOutput, job_kind
from pilot_portal.tenancy.models import Role


@job_kind(
    JOB_KIND,
    label=_("Enterprise list import (xlsx)"),
    roles={Role.CITY_ADMIN},
    start_url_name="enterprise-import",
)
def import_enterprises(job, progress) -> JobOutput:
    """params: {"document": id of the uploaded list, "import_valid_rows": bool}.

    Upserts by credit code, so running it twice leaves the registry as running it once.
    """
    document_id = job.params.get("document")
    document = None
    if isinstance(document_id, int) and not isinstance(document_id, bool):
        # Only a list uploaded for an import, and only in the job's own city.
        document = (
            Document.objects.for_city(job.city).filter(pk=document_id, purpose=PURPOSE).first()
        )
    if document is None:
        raise InvalidInput(
            "没有要导入的企业名单：请在“导入企业名单”页面上传文件 / no enterprise list to "
            "import: upload the file on the enterprise import page",
            field="document",
        )
    result = enterprise_import(
        city=job.city,
        document=document,
        actor=job.started_by,
        import_valid_rows=job.params.get("import_valid_rows") is True,
        progress=progress,
    )
    return JobOutput(result=result)


@job_kind(
    FILE_JOB_KIND,
    label=_("Enterprise file (zip)"),
    roles=BUNDLERS,
    start_url_name="enterprise-list",  # started from an enterprise's page
)
def enterprise_file(job, progress) -> JobOutput:
    """params: {"enterprise": id}. The whole enterprise file as one zip (enterprises.files.bundle).

    The enterprise must be of the job's own city, and the starter must still be allowed.
    """
    enterprise_id = job.params.get("enterprise")
    enterprise = None
    if isinstance(enterprise_id, int) and not isinstance(enterprise_id, bool):
        enterprise = (
            Enterprise.objects.for_city(job.city)
            .select_related("city", "district", "sector")
            .filter(pk=enterprise_id)
            .first()
        )
    if enterprise is None:
        raise InvalidInput(
            "本市没有该企业：请在企业页面上导出企业档案 / no such enterprise in this city: "
            "download the file from the enterprise's page",
            field="enterprise",
        )
    if job.started_by is None or not may_bundle(job.started_by, enterprise):
        raise NotAllowed(
            "您的角色不能导出企业档案 / your role may not download the whole enterprise file"
        )
    bundle = enterprise_file_bundle(
        enterprise=enterprise,
        actor=job.started_by,
        name=f"{job.city.code}-enterprise-file-{enterprise.uscc}-{job.pk}.zip",
        progress=progress,
    )
    return JobOutput(result=bundle.result, file=(bundle.name, bundle.content, "application/zip"))
