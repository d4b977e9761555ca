"""Chain transformation (链式): a chain leader groups its supplier enterprises' projects in a
chain case; the case shows their progress together and is the basis for chain awards.

Who registers a case: the city administrator, or the staff of a provider of kind chain leader
for its own provider. Who sees a case: the city's overseers and finance officers all of them;
a district officer those touching their district; provider or enterprise staff those they lead
or take part in. A case's figures cover all its projects; its rows list those the user sees
(all of them for the case's leader and the city).
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
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
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

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
from pilot_portal.errors import InvalidInput, NotAllowed, PortalError
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Role
from pilot_portal.tenancy.views import CityPageMixin
from providers.models import Provider, ProviderKind

PAGE_SIZE = 50
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
    project_ids = {_id(value) for value in data.get("projects") or []}
    projects = list(Project.objects.for_city(city).filter(pk__in=project_ids - {None}))
    if not project_ids or len(projects) != len(project_ids):
        raise InvalidInput(
            "请选择本市的配套企业改造项目 / choose supplier projects of this city",
            field="projects",
        )
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
    """What the create form offers: chain-leader providers, the city's enterprises, its
    projects (a chain leader's staff: their own providers only)."""
    if Role.CITY_ADMIN in policy.roles_in(user, city):
        providers = Provider.objects.filter(kind=ProviderKind.CHAIN_LEADER)
        enterprises = Enterprise.objects.for_city(city).order_by("name")
    else:
        providers = Provider.objects.filter(pk__in=chain_leader_provider_ids(user, city))
        enterprises = Enterprise.objects.none()
    projects = (
        Project.objects.for_city(city)
        .select_related("enterprise")
        .order_by("enterprise__name", "pk")
    )
    return {"providers": providers, "enterprises": enterprises, "projects": projects}


# -- pages ----------------------------------------------------------------------------------


class ChainCaseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    leader_provider = forms.ModelChoiceField(
        label=_("Leader provider"), queryset=Provider.objects.none(), required=False
    )
    leader_enterprise = forms.ModelChoiceField(
        label=_("Leader enterprise"), queryset=Enterprise.objects.none(), required=False
    )
    projects = forms.ModelMultipleChoiceField(
        label=_("Supplier projects"), queryset=Project.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader_provider"].queryset = choices["providers"]
        self.fields["leader_enterprise"].queryset = choices["enterprises"]
        self.fields["projects"].queryset = choices["projects"]
        self.fields["projects"].label_from_instance = lambda p: f"{p.enterprise.name} · {p.title}"

    def data_for_service(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "leader_provider": data["leader_provider"].pk if data["leader_provider"] else None,
            "leader_enterprise": (
                data["leader_enterprise"].pk if data["leader_enterprise"] else None
            ),
            "projects": [p.pk for p in data["projects"]],
        }


class ChainCaseListPage(CityPageMixin):
    action_required = "project.view"

    def get(self, request, city_code):
        cases = chain_case_list(city=request.city, user=request.user)
        page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "enterprises/projects/chain_list.html",
            {
                "page": page,
                "query": "",
                "can_create": chain_can_create(request.user, request.city),
            },
        )


class ChainCaseDetailPage(CityPageMixin):
    action_required = "project.view"

    def get(self, request, city_code, pk):
        try:
            case = chain_case_detail(city=request.city, user=request.user, pk=pk)
        except ChainCase.DoesNotExist:
            raise Http404("链式改造案例不存在 / no such chain case") from None
        return render(request, "enterprises/projects/chain_detail.html", {"case": case})


class ChainCaseCreatePage(CityPageMixin):
    action_required = "project.view"

    def _allowed(self, request):
        if not chain_can_create(request.user, request.city):
            raise PermissionDenied(
                "只有市工信局或链主服务商可以登记链式改造案例 / only the city or a chain leader"
            )

    def get(self, request, city_code):
        self._allowed(request)
        choices = chain_form_choices(city=request.city, user=request.user)
        form = ChainCaseForm(choices=choices)
        return render(request, "enterprises/projects/chain_form.html", {"form": form})

    def post(self, request, city_code):
        self._allowed(request)
        choices = chain_form_choices(city=request.city, user=request.user)
        form = ChainCaseForm(request.POST, choices=choices)
        status = 400
        if form.is_valid():
            try:
                case = chain_case_create(
                    city=request.city, actor=request.user, data=form.data_for_service()
                )
            except PortalError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, error.message)
                status = error.status_code
            else:
                messages.success(request, _("The chain case is registered."))
                return redirect("chain-detail", city_code=request.city.code, pk=case.pk)
        return render(
            request, "enterprises/projects/chain_form.html", {"form": form}, status=status
        )
