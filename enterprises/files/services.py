"""Writes to the enterprise file: adding a document, starting the whole-file bundle job."""

from django.db import transaction

from enterprises.models import DocumentKind, Enterprise, EnterpriseDocument
from pilot_portal.audit.services import audit_record
from pilot_portal.documents.services import EVIDENCE, document_upload
from pilot_portal.errors import InvalidInput, NotAllowed
from pilot_portal.jobs.models import Job
from pilot_portal.jobs.services import job_start
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Role

PURPOSE = "enterprise_file"  # the purpose of an uploaded document's Document row
JOB_KIND = "enterprise_file"
# Who adds to an enterprise's file: its own staff and the city (as `roles_for_enterprise`
# answers for that enterprise: staff of another enterprise hold no role there).
UPLOADERS = frozenset({Role.ENTERPRISE, Role.CITY_ADMIN})
# Who takes the whole file away as one zip: the city and its auditors.
BUNDLERS = frozenset({Role.CITY_ADMIN, Role.AUDITOR})
NOTE_MAX_LENGTH = EnterpriseDocument._meta.get_field("note").max_length


def may_upload(user, enterprise: Enterprise) -> bool:
    return bool(policy.roles_for_enterprise(user, enterprise) & UPLOADERS)


def may_bundle(user, enterprise: Enterprise) -> bool:
    return bool(policy.roles_for_enterprise(user, enterprise) & BUNDLERS)


def _check_upload(*, enterprise, kind, application_id, note, actor):
    """Everything but the file itself, checked before anything is stored."""
    if not may_upload(actor, enterprise):
        raise NotAllowed(
            "您的角色不能为该企业上传文件 / your role may not add documents to this enterprise"
        )
    if kind not in DocumentKind.values:
        raise InvalidInput(
            f"请选择文件类别（{'、'.join(DocumentKind.values)}） / choose the kind of document "
            f"({', '.join(DocumentKind.values)})",
            field="kind",
        )
    application = None
    if application_id not in (None, ""):
        application = (
            enterprise.applications.filter(pk=application_id).first()
            if str(application_id).isdigit()
            else None
        )
        if application is None:
            raise InvalidInput(
                f"申报 {application_id} 不属于该企业 / application {application_id} is not "
                "one of this enterprise's",
                field="application",
            )
    if len(note) > NOTE_MAX_LENGTH:
        raise InvalidInput(
            f"备注最多 {NOTE_MAX_LENGTH} 字 / the note is at most {NOTE_MAX_LENGTH} characters",
            field="note",
        )
    return application


@transaction.atomic
def enterprise_document_upload(
    *,
    enterprise: Enterprise,
    upload,
    kind: str,
    actor,
    application_id: int | None = None,
    note: str = "",
) -> EnterpriseDocument:
    """Add an uploaded file to the enterprise's file, optionally for one of its applications.

    The file is checked (size, extension, content) before it is stored; a refusal stores
    nothing. The upload is recorded in the audit log with the file's SHA-256.
    """
    note = (note or "").strip()
    application = _check_upload(
        enterprise=enterprise, kind=kind, application_id=application_id, note=note, actor=actor
    )
    document = document_upload(
        city=enterprise.city, upload=upload, actor=actor, purpose=PURPOSE, accept=EVIDENCE
    )
    try:
        entry = EnterpriseDocument.objects.create(
            city=enterprise.city, enterprise=enterprise, application=application, kind=kind,
            document=document, note=note,
        )  # fmt: skip
        audit_record(
            actor=actor, action="enterprise.document_upload", city=enterprise.city, obj=entry,
            data={
                "enterprise": enterprise.pk, "application": application.pk if application else None,
                "kind": kind, "name": document.name, "size": document.size,
                "sha256": document.sha256,
            },
        )  # fmt: skip
    except Exception:
        document.file.delete(save=False)  # the row rolls back; don't leave the file behind
        raise
    return entry


def enterprise_file_start(*, enterprise: Enterprise, actor) -> Job:
    """Queue the job that bundles the whole enterprise file into one zip."""
    if not may_bundle(actor, enterprise):
        raise NotAllowed(
            "您的角色不能导出企业档案 / your role may not download the whole enterprise file"
        )
    return job_start(
        city=enterprise.city, kind=JOB_KIND, params={"enterprise": enterprise.pk}, actor=actor
    )
