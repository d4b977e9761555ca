"""Chain transformation (链式): a chain leader groups its supplier enterprises' projects in a
chain case; the case shows their progress together and is the basis for chain awards.

Who registers a case: the city administrator, or the staff of a provider of kind chain leader
for its own provider. Who sees a case: the city's overseers and finance officers all of them;
a district officer those touching their district; provider or enterprise staff those they lead
or take part in. A case's figures cover all its projects; its rows list those the user sees
(all of them for the case's leader and the city). Who edits a case (title, description, its
projects): who registered it, or the city administrator.

Here: who, the services and the selectors; the pages are in `chain_views`, the API in
`chain_api`.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import (
    Count,
    DecimalField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from enterprises.models import Enterprise
from enterprises.projects import selectors
from enterprises.projects.models import (
    ELIGIBLE_CATEGORIES,
    ChainCase,
    InvestmentLine,
    Milestone,
    Project,
    ProjectStatus,
)
from pilot_portal.audit.services import audit_record, with_actor
from pilot_portal.errors import InvalidInput, NotAllowed
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Role
from providers.models import Provider, ProviderKind

PAGE_SIZE = 50
# The create/edit form offers this many projects matching the search at most.
SEARCH_LIMIT = 50
MONEY = DecimalField(max_digits=16, decimal_places=2)
CITY_WIDE = policy.OVERSEERS | {Role.FINANCE_OFFICER}

# -- who ------------------------------------------------------------------------------------


def chain_leader_provider_ids(user, city) -> set[int]:
    """The chain-leader providers this user acts for in `city`."""
    own = policy.provider_ids_in(user, city)
    if not own:
        return set()
    return set(
        Provider.objects.filter(pk__in=own, kind=ProviderKind.CHAIN_LEADER).values_list(
            "pk", flat=True
        )
    )


def chain_can_create(user, city) -> bool:
    if Role.CITY_ADMIN in policy.roles_in(user, city):
        return True
    return bool(chain_leader_provider_ids(user, city))


def chain_scope(user, city) -> Q:
    """A filter on the chain cases this user sees."""
    roles = policy.roles_in(user, city)
    if roles & CITY_WIDE:
        return Q()
    projects = Project.objects.for_city(city).filter(policy.project_scope(user, city))
    scope = Q(pk__in=ChainCase.projects.through.objects.filter(
        project_id__in=projects.values("pk")).values("chaincase_id"))  # fmt: skip
    providers = policy.provider_ids_in(user, city)
    if providers:
        scope |= Q(leader_provider_id__in=providers)
    enterprises = Enterprise.objects.for_city(city).filter(policy.enterprise_scope(user, city))
    if Role.DISTRICT_OFFICER in roles or policy.enterprise_ids_in(user, city):
        scope |= Q(leader_enterprise_id__in=enterprises.values("pk"))
    return scope


def _leads(user, city, case: ChainCase) -> bool:
    if policy.roles_in(user, city) & CITY_WIDE:
        return True
    if case.leader_provider_id:
        return case.leader_provider_id in policy.provider_ids_in(user, city)
    return case.leader_enterprise_id in policy.enterprise_ids_in(user, city)


# -- services -------------------------------------------------------------------------------


def _id(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@transaction.atomic
def chain_case_create(*, city, actor, data: dict) -> ChainCase:
    """Register a chain case: a title, one leader, and supplier projects of this city."""
    leader_providers = chain_leader_provider_ids(actor, city)
    is_admin = Role.CITY_ADMIN in policy.roles_in(actor, city)
    if not is_admin and not leader_providers:
        raise NotAllowed(
            "只有市工信局或链主服务商可以登记链式改造案例 / only the city or a chain-leader "
            "provider registers chain cases"
        )
    title = (data.get("title") or "").strip()
    if not title:
        raise InvalidInput("请填写案例名称 / the title is required", field="title")
    provider_id = _id(data.get("leader_provider"))
    enterprise_id = _id(data.get("leader_enterprise"))
    if (provider_id is None) == (enterprise_id is None):
        raise InvalidInput(
            "请选择一个链主：服务商或企业（二选一） / choose one leader: a provider or an "
            "enterprise",
            field="leader_provider",
        )
    leader_provider = leader_enterprise = None
    if provider_id is not None:
        leader_provider = Provider.objects.filter(
            pk=provider_id, kind=ProviderKind.CHAIN_LEADER
        ).first()
        if leader_provider is None:
            raise InvalidInput(
                "链主服务商须为“链主”类型 / the leader provider must be of kind chain leader",
                field="leader_provider",
            )
    else:
        leader_enterprise = Enterprise.objects.for_city(city).filter(pk=enterprise_id).first()
        if leader_enterprise is None:
            raise InvalidInput(
                "链主企业须为本市企业 / the leader enterprise must be an enterprise of the city",
                field="leader_enterprise",
            )
    if not is_admin and (leader_provider is None or leader_provider.pk not in leader_providers):
        raise NotAllowed(
            "链主服务商只能为本服务商登记案例 / a chain leader registers cases it leads only"
        )
    projects = _city_projects(city, data.get("projects"))
    case = ChainCase(
        city=city, title=title[:200], description=(data.get("description") or "").strip(),
        leader_provider=leader_provider, leader_enterprise=leader_enterprise, created_by=actor,
    )  # fmt: skip
    with_actor(case, actor).save()
    case.projects.set(projects)
    audit_record(
        actor=actor,
        action="chain_case.create",
        city=city,
        obj=case,
        data={
            "projects": sorted(p.pk for p in projects),
            "leader_provider": provider_id,
            "leader_enterprise": enterprise_id,
        },
    )
    return case


def _city_projects(city, values) -> list[Project]:
    """The projects of ids `values`, all of this city and at least one; 400 otherwise."""
    project_ids = {_id(value) for value in values or []}
    projects = list(Project.objects.for_city(city).filter(pk__in=project_ids - {None}))
    if not project_ids or len(projects) != len(project_ids):
        raise InvalidInput(
            "请选择本市的配套企业改造项目 / choose supplier projects of this city",
            field="projects",
        )
    return projects


def chain_can_edit(user, city, case: ChainCase) -> bool:
    """Its creator or the city administrator edits a case."""
    return case.created_by_id == user.pk or Role.CITY_ADMIN in policy.roles_in(user, city)


@transaction.atomic
def chain_case_update(*, case: ChainCase, actor, data: dict) -> ChainCase:
    """Its creator or the city administrator changes a case's title, description or projects
    (the keys present in `data`; `projects` is the whole new set). The leader stays."""
    city = case.city
    case = ChainCase.objects.select_for_update().get(pk=case.pk)
    if not chain_can_edit(actor, city, case):
        raise NotAllowed(
            "只有案例的登记人或市工信局可以修改 / only who registered the case or the city edits it"
        )
    before = {"title": case.title, "description": case.description}
    if "title" in data:
        title = (data.get("title") or "").strip()
        if not title:
            raise InvalidInput("请填写案例名称 / the title is required", field="title")
        case.title = title[:200]
    if "description" in data:
        case.description = (data.get("description") or "").strip()
    old_ids = set(case.projects.values_list("pk", flat=True))
    new_ids = old_ids
    if "projects" in data:
        projects = _city_projects(city, data.get("projects"))
        new_ids = {p.pk for p in projects}
    changed = {k: getattr(case, k) for k, v in before.items() if getattr(case, k) != v}
    if not changed and new_ids == old_ids:
        return case
    if changed:
        with_actor(case, actor).save()
    if new_ids != old_ids:
        case.projects.set(sorted(new_ids))
    audit_record(
        actor=actor,
        action="chain_case.update",
        city=city,
        obj=case,
        data={
            "before": {k: before[k] for k in changed},
            "after": changed,
            "added": sorted(new_ids - old_ids),
            "removed": sorted(old_ids - new_ids),
        },
    )
    return case


# -- selectors ------------------------------------------------------------------------------


def _scalar(queryset: QuerySet, function: str, field: str, output):
    """One aggregate of a correlated subquery (no GROUP BY): SUM or COUNT over its rows."""
    value = queryset.order_by().values(v=Func(F(field), function=function, output_field=output))
    return Subquery(value[:1], output_field=output)


def _case_figures(cases: QuerySet) -> QuerySet:
    """Annotate each case's project count, accepted projects, eligible investment and
    milestones done / total: correlated subqueries, so no join multiplies another."""
    projects = Project.objects.filter(chain_cases=OuterRef("pk"))
    milestones = Milestone.objects.filter(project__chain_cases=OuterRef("pk"))
    eligible = InvestmentLine.objects.filter(
        project__chain_cases=OuterRef("pk"), category__in=list(ELIGIBLE_CATEGORIES)
    )
    integer = IntegerField()
    return cases.annotate(
        project_count=Coalesce(_scalar(projects, "COUNT", "pk", integer), Value(0)),
        accepted_count=Coalesce(
            _scalar(projects.filter(status=ProjectStatus.ACCEPTED), "COUNT", "pk", integer),
            Value(0),
        ),
        eligible_investment=Coalesce(
            _scalar(eligible, "SUM", "amount", MONEY), Value(Decimal("0.00")), output_field=MONEY
        ),
        milestones_total=Coalesce(_scalar(milestones, "COUNT", "pk", integer), Value(0)),
        milestones_done=Coalesce(_scalar(milestones, "COUNT", "done_at", integer), Value(0)),
    )


def chain_case_list(*, city, user) -> QuerySet:
    return (
        _case_figures(ChainCase.objects.for_city(city).filter(chain_scope(user, city)))
        .select_related("leader_provider", "leader_enterprise")
        .order_by("-created_at", "-pk")
    )


def chain_case_get(*, city, user, pk: int) -> ChainCase:
    """One case this user sees, without its figures (ChainCase.DoesNotExist otherwise)."""
    return ChainCase.objects.for_city(city).filter(chain_scope(user, city)).get(pk=pk)


def chain_case_detail(*, city, user, pk: int) -> ChainCase:
    """One case this user sees (ChainCase.DoesNotExist otherwise) with its progress together:
    `status_counts`, and `rows`, the projects the user sees with their figures."""
    case = (
        _case_figures(ChainCase.objects.for_city(city).filter(chain_scope(user, city)))
        .select_related("leader_provider", "leader_enterprise", "created_by")
        .get(pk=pk)
    )
    counts = dict.fromkeys(ProjectStatus.values, 0)
    counts.update(
        {
            row["status"]: row["n"]
            for row in case.projects.order_by().values("status").annotate(n=Count("pk"))
        }
    )
    case.status_counts = [(s.value, s.label, counts[s.value]) for s in ProjectStatus]
    rows = Project.objects.filter(chain_cases=case).select_related(
        "enterprise__district", "enterprise__sector", "provider"
    )
    if not _leads(user, city, case):
        rows = rows.filter(policy.project_scope(user, city))
    per_project = Milestone.objects.filter(project_id=OuterRef("pk"))
    integer = IntegerField()
    case.rows = list(
        selectors.with_figures(rows)
        .annotate(
            milestones_total=Coalesce(_scalar(per_project, "COUNT", "pk", integer), Value(0)),
            milestones_done=Coalesce(_scalar(per_project, "COUNT", "done_at", integer), Value(0)),
        )
        .order_by("enterprise__name", "pk")
    )
    return case


def chain_form_choices(*, city, user) -> dict:
    """The leaders the create form offers: chain-leader providers and the city's enterprises
    (a chain leader's staff: their own providers only). Projects are searched, not listed
    (`chain_project_search`): a city has hundreds."""
    if Role.CITY_ADMIN in policy.roles_in(user, city):
        providers = Provider.objects.filter(kind=ProviderKind.CHAIN_LEADER)
        enterprises = Enterprise.objects.for_city(city).order_by("name")
    else:
        providers = Provider.objects.filter(pk__in=chain_leader_provider_ids(user, city))
        enterprises = Enterprise.objects.none()
    return {"providers": providers, "enterprises": enterprises}


def chain_project_search(*, city, q: str = "", chosen=(), limit: int | None = None):
    """The projects the form offers: those already chosen (ids of this city only), then up to
    `limit` more matching `q` in the enterprise's name or credit code or the project's title
    (the first ones by enterprise name without `q`). Returns (chosen, matches, more), where
    `more` says that further projects match. Two queries, whatever the city's size."""
    limit = limit or SEARCH_LIMIT
    projects = Project.objects.for_city(city).select_related("enterprise")
    ids = {pk for pk in (_id(value) for value in chosen) if pk is not None}
    picked = list(projects.filter(pk__in=ids).order_by("enterprise__name", "pk")) if ids else []
    found = projects.exclude(pk__in=ids)
    q = (q or "").strip()[:100]
    if q:
        found = found.filter(
            Q(enterprise__name__icontains=q)
            | Q(enterprise__uscc__icontains=q)
            | Q(title__icontains=q)
        )
    found = list(found.order_by("enterprise__name", "pk")[: limit + 1])
    return picked, found[:limit], len(found) > limit
