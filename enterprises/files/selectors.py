"""Reads of the enterprise file: its documents, and everything the bundle tells about it."""

from django.db.models import Prefetch, Q
from django.http import Http404

from enterprises.models import (
    Application,
    ChangeRequest,
    ChangeRequestStep,
    Enterprise,
    EnterpriseClaim,
    EnterpriseDocument,
)
from enterprises.selectors import STEPS, get_enterprise_for
from pilot_portal.audit.models import AuditEntry
from pilot_portal.tenancy.models import District, Sector


def enterprise_document_list(*, enterprise: Enterprise):
    """The enterprise's documents, newest first, with the stored file, uploader and application."""
    return (
        EnterpriseDocument.objects.for_city(enterprise.city_id)
        .filter(enterprise=enterprise)
        .select_related("document__created_by", "application__batch")
    )


def get_enterprise_document_for(user, city, enterprise_id, document_id) -> EnterpriseDocument:
    """One document of an enterprise the user may see; 404 for anything else.

    Both ids come from the URL: the document must belong to that very enterprise, so no id
    of another enterprise's (or city's) document is ever served.
    """
    enterprise = get_enterprise_for(user, city, enterprise_id)
    found = enterprise_document_list(enterprise=enterprise).filter(pk=document_id).first()
    if found is None:
        raise Http404("文件不存在 / no such document")
    return found


def enterprise_file_applications(*, enterprise: Enterprise):
    """The enterprise's applications, oldest first, each with its steps and who took them."""
    return (
        Application.objects.for_city(enterprise.city_id)
        .filter(enterprise=enterprise)
        .select_related("batch", "created_by")
        .prefetch_related(STEPS)
        .order_by("created_at", "pk")
    )


def enterprise_change_requests(*, enterprise: Enterprise):
    """Major changes the enterprise requested, oldest first, each with its review steps."""
    return (
        ChangeRequest.objects.for_city(enterprise.city_id)
        .filter(enterprise=enterprise)
        .select_related("created_by")
        .prefetch_related(Prefetch("steps", ChangeRequestStep.objects.select_related("actor")))
        .order_by("created_at", "pk")
    )


def enterprise_profile_history(*, enterprise: Enterprise):
    """django-simple-history's records of the profile, oldest first, with who made each."""
    return enterprise.history.select_related("history_user").order_by("history_date", "history_id")


def enterprise_references(*, enterprise: Enterprise) -> dict[str, dict[int, str]]:
    """The city's districts and sectors by id ("code name"), to name them in the history."""
    city = enterprise.city_id
    return {
        "district_id": {
            pk: f"{code} {name}"
            for pk, code, name in District.objects.for_city(city).values_list("pk", "code", "name")
        },
        "sector_id": {
            pk: f"{code} {name}"
            for pk, code, name in Sector.objects.for_city(city).values_list("pk", "code", "name")
        },
    }


def enterprise_audit_entries(
    *, enterprise: Enterprise, application_ids, document_ids, change_request_ids
):
    """Audit log entries about the enterprise, its applications, documents, claims and changes."""
    related = {
        Enterprise: [enterprise.pk],
        Application: application_ids,
        EnterpriseDocument: document_ids,
        ChangeRequest: change_request_ids,
        EnterpriseClaim: EnterpriseClaim.objects.filter(enterprise=enterprise).values_list(
            "pk", flat=True
        ),
    }
    about = Q(pk__in=[])
    for model, ids in related.items():
        ids = [str(pk) for pk in ids]
        if ids:
            about |= Q(object_type=model._meta.label_lower, object_id__in=ids)
    return AuditEntry.objects.filter(about, city_code=enterprise.city.code).order_by("seq")
