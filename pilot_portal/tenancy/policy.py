"""The one place that answers "may this user do this action here?".

Views, API views, services and templates ask this module; nothing else checks
roles. Two questions, kept apart on purpose:

* Which cities can the user see at all? A city outside that set, and every
  object in it, is answered 404 (existence is not leaked).
* Inside a visible city, may the user take this action on this object? A
  refusal there is 403.

Ministry users read every city; province users read their province's cities;
both are read-only.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404

from pilot_portal.tenancy.models import City, Membership, Role

READ_ONLY_ROLES = frozenset({Role.MINISTRY, Role.PROVINCE})
CITY_STAFF = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER, Role.FINANCE_OFFICER, Role.AUDITOR})
EVERY_ROLE = frozenset(Role)
ENTERPRISE_READERS = (
    frozenset(
        {
            Role.CITY_ADMIN,
            Role.DISTRICT_OFFICER,
            Role.FINANCE_OFFICER,
            Role.AUDITOR,
            Role.ENTERPRISE,
        }
    )
    | READ_ONLY_ROLES
)


def _memberships(user) -> list[Membership]:
    """The user's active memberships, loaded once per request (cached on the user)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_portal_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, is_active=True)
            .select_related("city", "province", "district", "enterprise", "provider")
            .order_by("city__code", "role")
        )
        user._portal_memberships = cached
    return cached


def forget(user) -> None:
    """Drop what this module cached on the user (after a service granted a role mid-request)."""
    for name in ("_portal_memberships", "_portal_provider_ids"):
        user.__dict__.pop(name, None)


def memberships(user) -> list[Membership]:
    return list(_memberships(user))


def is_ministry(user) -> bool:
    return any(m.role == Role.MINISTRY for m in _memberships(user))


def province_ids(user) -> set[int]:
    return {m.province_id for m in _memberships(user) if m.role == Role.PROVINCE}


def visible_cities(user):
    """Cities the user may see, as a queryset (ministry: all; province: its own; else member)."""
    if is_ministry(user):
        return City.objects.all()
    own = {m.city_id for m in _memberships(user) if m.city_id}
    provinces = province_ids(user)
    return City.objects.filter(pk__in=own) | City.objects.filter(province_id__in=provinces)


def roles_in(user, city: City) -> frozenset[str]:
    """Every role the user holds for `city`, including ministry/province oversight."""
    roles = set()
    for m in _memberships(user):
        if m.role == Role.MINISTRY:
            roles.add(Role.MINISTRY)
        elif m.role == Role.PROVINCE and m.province_id == city.province_id:
            roles.add(Role.PROVINCE)
        elif m.city_id == city.pk:
            roles.add(m.role)
    return frozenset(roles)


def membership_in(user, city: City, role: str | None = None) -> Membership | None:
    """The user's membership in `city` (of `role`, when given); None for oversight roles."""
    for m in _memberships(user):
        if m.city_id == city.pk and (role is None or m.role == role):
            return m
    return None


def city_for(user, code: str) -> City:
    """Resolve a city code from the URL for this user: 404 when unknown or not visible."""
    city = City.objects.select_related("province").filter(code=code).first()
    if city is None or not roles_in(user, city):
        raise Http404("城市不存在 / no such city")
    return city


# -- actions -----------------------------------------------------------------
# Each action names the roles that may take it, and optionally an object test
# (user, roles, obj) -> bool for rules such as "the job's starter".

ObjectTest = Callable[[object, frozenset, object], bool]


@dataclass(frozen=True)
class Rule:
    roles: frozenset
    object_test: ObjectTest | None = None


# Those who read everything a city holds: its administrators, its auditors, and oversight.
OVERSEERS = frozenset({Role.CITY_ADMIN, Role.AUDITOR}) | READ_ONLY_ROLES


def _started_by_user_or_overseer(user, roles, obj) -> bool:
    return bool(roles & OVERSEERS) or getattr(obj, "started_by_id", None) == user.pk


def _created_by_user_or_overseer(user, roles, obj) -> bool:
    return bool(roles & OVERSEERS) or getattr(obj, "created_by_id", None) == user.pk


RULES: dict[str, Rule] = {
    "city.view": Rule(EVERY_ROLE),
    "reference.view": Rule(EVERY_ROLE),
    "members.view": Rule(OVERSEERS),
    "job.start": Rule(CITY_STAFF),
    "job.view": Rule(EVERY_ROLE, _started_by_user_or_overseer),
    "job.view_all": Rule(OVERSEERS),
    "document.download": Rule(EVERY_ROLE, _created_by_user_or_overseer),
    "document.view_all": Rule(OVERSEERS),
    "audit.view": Rule(OVERSEERS),
    # Enterprises and enrolment. Which enterprises a role sees is `enterprise_scope` below.
    "enterprise.view": Rule(ENTERPRISE_READERS),
    "enterprise.create": Rule(frozenset({Role.CITY_ADMIN})),
    "enterprise.edit": Rule(frozenset({Role.CITY_ADMIN, Role.ENTERPRISE})),
    "enterprise.import": Rule(frozenset({Role.CITY_ADMIN})),
    "enterprise.export": Rule(CITY_STAFF),  # an export is a job: oversight only reads
    "application.view": Rule(ENTERPRISE_READERS),
    "application.create": Rule(frozenset({Role.CITY_ADMIN, Role.ENTERPRISE})),
    "claim.review": Rule(frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER})),
    "exclusion.view": Rule(OVERSEERS | {Role.DISTRICT_OFFICER, Role.FINANCE_OFFICER}),
    "exclusion.import": Rule(frozenset({Role.CITY_ADMIN})),
    # Providers (DOMAIN.md steps 3-4). Which selections a role sees is `selection_scope` below.
    "provider.view": Rule(EVERY_ROLE),
    "provider.manage": Rule(frozenset({Role.CITY_ADMIN})),  # rounds, steps, evaluations
    "provider.score": Rule(frozenset({Role.EXPERT})),
    "product.view": Rule(EVERY_ROLE),
    "product.create": Rule(frozenset({Role.PROVIDER})),
    "product.review": Rule(frozenset({Role.CITY_ADMIN})),  # list or unlist
    # Matching and ratings: an enterprise's own demand, shortlist and ratings.
    "demand.edit": Rule(frozenset({Role.ENTERPRISE})),
    "demand.overview": Rule(OVERSEERS | {Role.DISTRICT_OFFICER}),
    "rating.create": Rule(frozenset({Role.ENTERPRISE})),
    # Transformation projects. Which projects a role sees is `project_scope` below.
    "project.view": Rule(ENTERPRISE_READERS | {Role.PROVIDER}),
    "project.create": Rule(frozenset({Role.ENTERPRISE, Role.CITY_ADMIN})),
    "project.monitor": Rule(OVERSEERS | {Role.DISTRICT_OFFICER}),
    "worklog.create": Rule(frozenset({Role.PROVIDER})),
    # Digital-level assessments. Which assessments a role sees is `assessments.selectors`.
    "assessment.view": Rule(ENTERPRISE_READERS | {Role.ASSESSOR}),
    "assessment.create": Rule(frozenset({Role.CITY_ADMIN, Role.ASSESSOR, Role.ENTERPRISE})),
    "assessment.assign": Rule(frozenset({Role.CITY_ADMIN})),  # assign, lock, revise
    "assessment.statistics": Rule(OVERSEERS | {Role.DISTRICT_OFFICER, Role.FINANCE_OFFICER}),
    "assessment.report": Rule(CITY_STAFF | {Role.ASSESSOR}),  # report PDFs are jobs
    # Subsidies (issue 7). Which claims a role sees is `subsidy_claim_scope` below.
    "subsidy.preview": Rule(EVERY_ROLE),  # the calculator
    "subsidy.view": Rule(ENTERPRISE_READERS | {Role.PROVIDER}),
    "subsidy.compute": Rule(frozenset({Role.CITY_ADMIN})),  # create and recompute claims
    "subsidy.approve": Rule(frozenset({Role.CITY_ADMIN})),  # approve, void, claw back
    "subsidy.disburse": Rule(frozenset({Role.FINANCE_OFFICER})),  # the ledger
    "subsidy.publicity": Rule(frozenset({Role.CITY_ADMIN})),  # publish, objections
    "subsidy.funds": Rule(OVERSEERS | {Role.FINANCE_OFFICER}),  # fund pools, simulation
    "subsidy.rulebook": Rule(frozenset({Role.CITY_ADMIN})),  # new rulebook versions
    "subsidy.export": Rule(CITY_STAFF),  # xlsx and PDF jobs
    # Batch verification (issue 8): runs, findings, inspection samples.
    "verification.view": Rule(OVERSEERS | {Role.FINANCE_OFFICER, Role.DISTRICT_OFFICER}),
    "verification.run": Rule(frozenset({Role.CITY_ADMIN})),
    "verification.inspect": Rule(frozenset({Role.CITY_ADMIN, Role.AUDITOR})),  # sample, outcome
    # Performance reporting (issue 9): indicators, manual values, reporting periods.
    "indicator.view": Rule(CITY_STAFF | READ_ONLY_ROLES),
    "indicator.enter": Rule(frozenset({Role.CITY_ADMIN})),  # manual values, with evidence
    "indicator.review": Rule(frozenset({Role.AUDITOR})),  # accept or reject them
    "period.submit": Rule(frozenset({Role.CITY_ADMIN})),  # submit and reopen
    "indicator.report": Rule(CITY_STAFF),  # the self-evaluation PDF and the xlsx are jobs
}


def roles_for_enterprise(user, enterprise) -> frozenset[str]:
    """The user's roles that reach this enterprise: a district officer only in their
    district, enterprise staff only for their own enterprise; city-wide roles always."""
    roles = set(roles_in(user, enterprise.city) & READ_ONLY_ROLES)
    for m in _memberships(user):
        if m.city_id != enterprise.city_id:
            continue
        if m.role == Role.ENTERPRISE:
            if m.enterprise_id == enterprise.pk:
                roles.add(m.role)
        elif m.role == Role.DISTRICT_OFFICER:
            if m.district_id == enterprise.district_id:
                roles.add(m.role)
        else:
            roles.add(m.role)
    return frozenset(roles)


def enterprise_scope(user, city: City, *, prefix: str = "") -> Q:
    """A filter on enterprises (or, with `prefix="enterprise__"`, on their rows) this user sees.

    City administrators, finance officers, auditors and oversight see the whole city; a
    district officer sees the district; enterprise staff see their own enterprise.
    """
    roles = roles_in(user, city)
    if roles & (OVERSEERS | {Role.FINANCE_OFFICER}):
        return Q()
    scope = Q(pk__in=[])
    for m in _memberships(user):
        if m.city_id != city.pk:
            continue
        if m.role == Role.DISTRICT_OFFICER and m.district_id:
            scope |= Q(**{f"{prefix}district_id": m.district_id})
        elif m.role == Role.ENTERPRISE and m.enterprise_id:
            scope |= Q(**{f"{prefix}pk": m.enterprise_id})
    return scope


# Those who see every application to the city's pool; others see the pool, and a provider
# also its own applications, an expert those of the rounds they score.
SELECTION_READERS = CITY_STAFF | READ_ONLY_ROLES


def selection_scope(user, city: City, *, prefix: str = "") -> Q:
    """A filter on provider selections (or, with a prefix, their rows) this user sees."""
    roles = roles_in(user, city)
    if roles & SELECTION_READERS:
        return Q()
    scope = Q(**{f"{prefix}status__in": POOL_STATUSES})
    if Role.EXPERT in roles:
        scope |= Q(**{f"{prefix}round__experts": user})
    own = provider_ids_in(user, city)
    if own:
        scope |= Q(**{f"{prefix}provider_id__in": own})
    return scope


# Statuses in which a city shows a provider to everyone (the pool, and its suspended members
# only to those who manage it): selected alone is offered to enterprises.
POOL_STATUSES = ("selected",)


def provider_ids_in(user, city: City) -> set[int]:
    """The providers this user acts for in `city` (a provider's staff see their own only)."""
    return {
        m.provider_id
        for m in _memberships(user)
        if m.city_id == city.pk and m.role == Role.PROVIDER and m.provider_id
    }


def is_provider_staff(user) -> bool:
    """Does the user act for a provider nationally (its profile and city applications)?"""
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_portal_provider_ids", None)
    if cached is None:
        cached = user._portal_provider_ids = list(
            user.provider_staff_of.values_list("pk", flat=True)
        )
    return bool(cached)


def enterprise_ids_in(user, city: City) -> set[int]:
    """The enterprises this user acts for in `city`."""
    return {
        m.enterprise_id
        for m in _memberships(user)
        if m.city_id == city.pk and m.role == Role.ENTERPRISE and m.enterprise_id
    }


def project_scope(user, city: City) -> Q:
    """A filter on projects this user sees: as their enterprises, plus a provider's own."""
    scope = enterprise_scope(user, city, prefix="enterprise__")
    if not scope:  # the whole city: don't narrow it (an empty Q ORed with X is just X)
        return scope
    own = provider_ids_in(user, city)
    if own:
        scope |= Q(provider_id__in=own)
    return scope


def subsidy_claim_scope(user, city: City) -> Q:
    """A filter on claims this user sees: as their enterprises (the whole city for its
    administrators, finance and audit; the district for a district officer; an enterprise its
    own), plus the claims made out to a provider the user acts for."""
    scope = enterprise_scope(user, city, prefix="enterprise__")
    if not scope:  # the whole city
        return scope
    own = provider_ids_in(user, city)
    if own:
        scope |= Q(provider_id__in=own)
    return scope


# Actions above any one city (the ministry's national lists).
NATIONAL_RULES: dict[str, frozenset] = {
    "verification.run": frozenset({Role.MINISTRY}),  # every city at once
    "exclusion.import": frozenset({Role.MINISTRY}),
    "exclusion.view": frozenset({Role.MINISTRY}),
}


def can_nationally(user, action: str) -> bool:
    roles = {m.role for m in _memberships(user) if m.city_id is None and m.province_id is None}
    return bool(roles & NATIONAL_RULES.get(action, frozenset()))


def can(user, action: str, *, city: City, obj=None) -> bool:
    """May `user` take `action` in `city` (on `obj`)? Unknown actions are refused."""
    rule = RULES.get(action)
    if rule is None:
        return False
    roles = roles_in(user, city)
    if not roles & rule.roles:
        return False
    if obj is not None and rule.object_test is not None:
        return rule.object_test(user, roles, obj)
    return True


def roles_for(action: str) -> Iterable[str]:
    """Roles that may take `action` (for menus and documentation)."""
    rule = RULES.get(action)
    return sorted(rule.roles) if rule else []
