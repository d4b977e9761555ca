"""Reads of the registry and the applications, always within what the user may see."""

from django.db.models import Prefetch, Q
from django.http import Http404

from enterprises.models import Application, ApplicationTransition, Enterprise
from pilot_portal.tenancy import policy

# An application's steps with who took them, in one query for a whole page of applications.
STEPS = Prefetch("transitions", ApplicationTransition.objects.select_related("actor"))


def _search(queryset, text: str, *, prefix: str = ""):
    text = (text or "").strip()
    if not text:
        return queryset
    return queryset.filter(
        Q(**{f"{prefix}name__icontains": text}) | Q(**{f"{prefix}uscc__icontains": text.upper()})
    )


def enterprise_list(*, city, user, filters: dict | None = None):
    """The city's enterprises the user may see, filtered as the list page and API ask."""
    filters = filters or {}
    queryset = (
        Enterprise.objects.for_city(city)
        .filter(policy.enterprise_scope(user, city))
        .select_related("district", "sector")
        .order_by("name", "pk")
    )
    lookups = {
        "district": "district__code",
        "sector": "sector__code",
        "size": "size",
        "srdi": "srdi",
        "level": "current_level",
    }
    for key, lookup in lookups.items():
        if filters.get(key) not in (None, ""):
            queryset = queryset.filter(**{lookup: filters[key]})
    return _search(queryset, filters.get("search"))


def get_enterprise_for(user, city, enterprise_id) -> Enterprise:
    """404 for a missing enterprise and for one outside what the user may see."""
    enterprise = enterprise_list(city=city, user=user).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise Http404("企业不存在 / no such enterprise")
    return enterprise


def application_list(*, city, user, filters: dict | None = None):
    filters = filters or {}
    queryset = (
        Application.objects.for_city(city)
        .filter(policy.enterprise_scope(user, city, prefix="enterprise__"))
        .select_related("enterprise__district", "enterprise__sector", "batch")
    )
    lookups = {
        "status": "status",
        "batch": "batch_id",
        "district": "enterprise__district__code",
        "sector": "enterprise__sector__code",
        "size": "enterprise__size",
        "srdi": "enterprise__srdi",
    }
    for key, lookup in lookups.items():
        if filters.get(key) not in (None, ""):
            queryset = queryset.filter(**{lookup: filters[key]})
    return _search(queryset, filters.get("search"), prefix="enterprise__")


def get_application_for(user, city, application_id) -> Application:
    application = (
        application_list(city=city, user=user)
        .prefetch_related(STEPS)
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise Http404("申报不存在 / no such application")
    return application
