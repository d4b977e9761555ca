"""The bundle's summary.pdf: a Chinese document, whatever language the user who asked reads.

Choice labels (statuses, kinds, roles) come from the zh-hans catalogue, as on the pages.
"""

from django.utils import timezone, translation

from enterprises.models import ApplicationStatus, DocumentKind, Enterprise
from pilot_portal.documents.pdf import render_pdf
from pilot_portal.tenancy.models import Role

TEMPLATE = "enterprises/files/summary.html"


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _size(nbytes: int) -> str:
    if nbytes < 1024:
        return f"{nbytes} B"
    if nbytes < 1024 * 1024:
        return f"{nbytes / 1024:.1f} KB"
    return f"{nbytes / 1024 / 1024:.1f} MB"


def _person(user) -> str:
    if user is None:
        return "–"
    return user.get_full_name() or user.username


def _applications(applications) -> list[dict]:
    return [
        {
            "batch": a.batch.name,
            "status": _label(ApplicationStatus, a.status),
            "created_at": timezone.localtime(a.created_at),
            "declarations": a.declares_not_central_little_giant and a.declares_not_in_2022_pilot,
            "override_reason": a.exclusion_override_reason,
            "steps": [
                {
                    "time": timezone.localtime(step.created_at),
                    "from": _label(ApplicationStatus, step.from_status),
                    "to": _label(ApplicationStatus, step.to_status),
                    "actor": _person(step.actor),
                    "role": _label(Role, step.actor_role),
                    "comment": step.comment,
                }
                for step in a.transitions.all()
            ],
        }
        for a in applications
    ]


def _documents(attachments) -> list[dict]:
    return [
        {
            "kind": _label(DocumentKind, a.entry.kind),
            "name": a.entry.document.name,
            "path": a.path,
            "size": _size(a.entry.document.size),
            "sha256": a.recorded_sha256,
            "uploaded_at": timezone.localtime(a.entry.created_at),
            "uploaded_by": _person(a.entry.document.created_by),
            "application": a.entry.application.batch.name if a.entry.application else "",
            "note": a.entry.note,
            "problem": a.problem,
        }
        for a in attachments
    ]


def summary_pdf(
    *, enterprise: Enterprise, exclusions, applications, attachments, problems, generated_at,
    generated_by,
) -> bytes:  # fmt: skip
    with translation.override("zh-hans"):
        context = {
            "enterprise": enterprise,
            "exclusions": exclusions,
            "applications": _applications(applications),
            "documents": _documents(attachments),
            "problems": problems,
            "generated_at": timezone.localtime(generated_at),
            "generated_by": _person(generated_by),
        }
        return render_pdf(TEMPLATE, context)
