"""Enterprise job kinds: importing the city's enterprise list from an uploaded xlsx."""

from django.utils.translation import gettext_lazy as _

from enterprises.importing.services import JOB_KIND, PURPOSE, enterprise_import
from pilot_portal.documents.models import Document
from pilot_portal.errors import InvalidInput
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
