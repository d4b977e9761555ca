"""Reads of assessments, always within what the user may see, at a fixed number of queries.

Who sees which assessment (`assessment_scope`): the city's administrators, auditors, finance
officers and oversight see the city's; a district officer the district's; enterprise staff their
own enterprise's; an assessor those assigned to them. Anything else is 404, never 403.
"""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from assessments.models import (
    Assessment,
    AssessmentEvidence,
    AssessmentKind,
    AssessmentStep,
    Edition,
)
from assessments.workflow import ASSESSMENT_TRANSITIONS
from enterprises.models import Enterprise
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Role
from pilot_portal.workflow import actions_from

NOT_FOUND = "评测不存在 / no such assessment"
# Roles that read every assessment of the city (as they read every enterprise).
CITY_READERS = policy.OVERSEERS | {Role.FINANCE_OFFICER}
# Roles that may pick any of the city's enterprises to assess.
CITY_ASSESSING = frozenset({Role.CITY_ADMIN, Role.ASSESSOR})


def assessment_scope(user, city) -> Q:
    roles = policy.roles_in(user, city)
    if roles & CITY_READERS:
        return Q()  # (Q() | q would narrow to q: the whole city is said explicitly)
    scope = policy.enterprise_scope(user, city, prefix="enterprise__")
    if Role.ASSESSOR in roles:
        scope |= Q(assessor=user)
    return scope


def assessment_for_change(user, city, pk) -> Assessment:
    """The assessment a write names (PATCH, a step, evidence): those the user sees and, for an
    assessor, any official one of the city, so that an assessor who is not (or no longer) the
    assigned one is told 403 by the services rather than 404 (issue 6). Reading stays 404."""
    roles = policy.roles_in(user, city)
    scope = assessment_scope(user, city)
    if Role.ASSESSOR in roles and not roles & CITY_READERS:  # (a city reader's scope is all)
        scope |= ~Q(kind=AssessmentKind.SELF)
    assessment = (
        Assessment.objects.for_city(city)
        .filter(scope, pk=pk)
        .select_related("city", "enterprise", "edition")
        .first()
    )
    if assessment is None:
        raise Http404(NOT_FOUND)
    return assessment


def assessment_roles(user, assessment: Assessment) -> frozenset[str]:
    """The user's roles that reach this assessment: the city admin; its assigned assessor (not
    for a self-assessment); the enterprise's staff for its self-assessment only."""
    city_roles = policy.roles_in(user, assessment.city)
    roles = set(city_roles & {Role.CITY_ADMIN})
    if assessment.kind == AssessmentKind.SELF:
        if assessment.enterprise_id in policy.enterprise_ids_in(user, assessment.city):
            roles.add(Role.ENTERPRISE)
    elif Role.ASSESSOR in city_roles and assessment.assessor_id == user.pk:
        roles.add(Role.ASSESSOR)
    return frozenset(roles)


def assessment_actions(user, assessment: Assessment) -> list[str]:
    """The buttons the user has on this assessment: `edit`, the transitions, `assign`,
    `revise` (the services make the same decisions, and refuse what is not listed here)."""
    roles = assessment_roles(user, assessment)
    locked = assessment.status == "locked"
    actions = []
    if not locked and roles & {Role.ASSESSOR, Role.ENTERPRISE}:
        actions.append("edit")
    for action in actions_from(assessment.status, roles, ASSESSMENT_TRANSITIONS):
        if action == "lock" and assessment.kind == AssessmentKind.SELF:
            continue
        actions.append(action)
    if Role.CITY_ADMIN in roles and assessment.kind != AssessmentKind.SELF:
        if not locked:
            actions.append("assign")
        elif not getattr(assessment, "has_revision", False):
            actions.append("revise")
    return actions


def assessment_list(
    user, city, *, enterprise=None, kind=None, level=None, status=None, assessor=None
) -> QuerySet:
    """The assessments this user sees, most recently changed first, in one query with their
    enterprise, assessor and edition (and city: the user's roles on each row need it)."""
    rows = (
        Assessment.objects.for_city(city)
        .filter(assessment_scope(user, city))
        .select_related("city", "enterprise", "assessor", "edition")
        .annotate(has_revision=Exists(Assessment.objects.filter(revision_of=OuterRef("pk"))))
    )
    lookups = {
        "enterprise_id": getattr(enterprise, "pk", enterprise),
        "kind": kind,
        "level": level,
        "status": status,
        "assessor_id": getattr(assessor, "pk", assessor),
    }
    for lookup, value in lookups.items():
        if value not in (None, ""):
            rows = rows.filter(**{lookup: value})
    return rows.order_by("-updated_at", "-pk")


def assessment_detail(user, city, pk) -> Assessment:
    """One assessment the user sees, with its steps, evidence and revisions (404 otherwise).

    `has_revision` tells whether a later revision exists (a locked one is revised once)."""
    assessment = (
        Assessment.objects.for_city(city)
        .filter(assessment_scope(user, city))
        .select_related(
            "city", "enterprise", "assessor", "edition", "project", "locked_by", "created_by"
        )
        .prefetch_related(
            Prefetch("steps", queryset=AssessmentStep.objects.select_related("actor")),
            Prefetch("evidence", queryset=evidence_rows()),
            Prefetch("revisions", queryset=Assessment.objects.only("pk", "revision_of_id")),
        )
        .filter(pk=pk)
        .first()
    )
    if assessment is None:
        raise Http404(NOT_FOUND)
    assessment.has_revision = bool(assessment.revisions.all())
    return assessment


def evidence_rows() -> QuerySet:
    return AssessmentEvidence.objects.select_related("document", "created_by")


def evidence_list(assessment: Assessment) -> QuerySet:
    return evidence_rows().filter(assessment=assessment)


def enterprise_for_assessment(user, city, enterprise_id) -> Enterprise:
    """The enterprise a new assessment is for: the city admin and assessors pick any of the
    city's; others those they see (`policy.enterprise_scope`). 404 for anything else."""
    rows = Enterprise.objects.for_city(city).select_related("city")
    if not policy.roles_in(user, city) & CITY_ASSESSING:
        rows = rows.filter(policy.enterprise_scope(user, city))
    enterprise = rows.filter(pk=enterprise_id).first()
    if enterprise is None:
        raise Http404("企业不存在 / no such enterprise")
    return enterprise


def edition_lookup(code: str, version: int | None = None) -> Edition | None:
    """An edition by code: that version, or the latest one."""
    rows = Edition.objects.filter(code=code)
    if version is not None:
        rows = rows.filter(version=version)
    return rows.order_by("-version").first()
