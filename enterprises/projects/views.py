"""Pages of transformation projects: the list, the new project, and one project with its lines,
milestones, work logs, history and the forms of each party.

Writes go to `services`, reads to `selectors`; a refusal re-renders the page with the service's
message next to its field and the service's status (400 / 403 / 409), having changed nothing.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Shortlist
from enterprises.projects import selectors, services
from enterprises.projects.forms import (
    ActionForm,
    InvestmentForm,
    MilestoneDoneForm,
    ProjectFilterForm,
    ProjectForm,
    WorkLogForm,
)
from enterprises.projects.models import InvestmentCategory, Project, ProjectStatus
from enterprises.projects.workflow import PROJECT_TRANSITIONS
from enterprises.selectors import get_enterprise_for
from pilot_portal.errors import PortalError
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Role
from pilot_portal.tenancy.views import CityPageMixin
from pilot_portal.workflow import actions_from
from providers.models import (
    Product,
    ProductStatus,
    Provider,
    ProviderSelection,
    Scenario,
    SelectionStatus,
)

PAGE_SIZE = 50
# Who may add an investment line (the service decides; the page only hides the form).
LINE_PARTIES = frozenset({Role.ENTERPRISE, Role.PROVIDER, Role.CITY_ADMIN})


def _show(form, error: PortalError) -> None:
    """Put a service's refusal next to the field it names (or above the form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _own_enterprises(user, city) -> list:
    """The enterprises the user acts for in this city (memberships are cached: no query)."""
    return [
        m.enterprise
        for m in policy.memberships(user)
        if m.city_id == city.pk and m.role == Role.ENTERPRISE and m.enterprise_id
    ]


class ProjectListPage(CityPageMixin):
    action_required = "project.view"

    def get(self, request, city_code):
        form = ProjectFilterForm(request.GET or None)
        projects = selectors.project_list(
            city=request.city, user=request.user, filters=form.filters()
        )
        page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "enterprises/projects/project_list.html",
            {
                "form": form,
                "page": page,
                "query": query.urlencode(),
                "own_enterprises": _own_enterprises(request.user, request.city),
            },
        )


class ProjectCreatePage(CityPageMixin):
    """The enterprise (or the city administrator, with `?enterprise=<id>`) starts a project."""

    action_required = "project.create"

    def _enterprise(self, request):
        raw = request.GET.get("enterprise", "")
        if raw:
            if not raw.isdigit():
                raise Http404("企业不存在 / no such enterprise")
            return get_enterprise_for(request.user, request.city, int(raw))
        own = _own_enterprises(request.user, request.city)
        if len(own) != 1:
            raise Http404("请选择企业 / choose the enterprise (?enterprise=<id>)")
        return get_enterprise_for(request.user, request.city, own[0].pk)

    def _form(self, request, enterprise, data=None, initial=None):
        city = request.city
        pooled = list(
            Provider.objects.filter(
                pk__in=ProviderSelection.objects.for_city(city)
                .filter(status=SelectionStatus.SELECTED)
                .values("provider_id")
            ).order_by("name", "pk")
        )
        shortlisted = list(
            Shortlist.objects.for_city(city)
            .filter(enterprise=enterprise, product__provider__in=[p.pk for p in pooled])
            .select_related("product__provider")
            .order_by("product__name", "pk")
        )
        preferred = {entry.product.provider_id for entry in shortlisted}
        first = [(p.pk, p.name) for p in pooled if p.pk in preferred]
        rest = [(p.pk, p.name) for p in pooled if p.pk not in preferred]
        providers = (
            [(_("From your shortlist"), first), (_("Other providers in the pool"), rest)]
            if first
            else rest
        )
        # Light solutions: the shortlist's, and the chosen provider's listed ones.
        products = {entry.product.pk: entry.product for entry in shortlisted}
        chosen = (data or initial or {}).get("provider")
        if chosen and str(chosen).isdigit() and int(chosen) in {p.pk for p in pooled}:
            listed = Product.objects.for_city(city).filter(
                provider_id=int(chosen), status=ProductStatus.LISTED
            )
            for product in listed.select_related("provider").order_by("name", "pk"):
                products.setdefault(product.pk, product)
        product_choices = [
            (pk, f"{product.name} · {product.provider.name}") for pk, product in products.items()
        ]
        form = ProjectForm(data, initial=initial, providers=providers, products=product_choices)
        form.shortlist = shortlisted
        return form

    def _render(self, request, enterprise, form, status=200):
        return render(
            request,
            "enterprises/projects/project_form.html",
            {"form": form, "enterprise": enterprise},
            status=status,
        )

    @staticmethod
    def _typed(query) -> dict:
        """What was typed so far (a query string or a form), as the form's initial values."""
        return {
            key: query.getlist(key) if key in ("products", "scenarios") else query.get(key)
            for key in query
            if key not in ("enterprise", "csrfmiddlewaretoken", "show_solutions")
        }

    def get(self, request, city_code):
        enterprise = self._enterprise(request)
        form = self._form(request, enterprise, initial=self._typed(request.GET))
        return self._render(request, enterprise, form)

    def post(self, request, city_code):
        enterprise = self._enterprise(request)
        if "show_solutions" in request.POST:  # the provider was chosen: offer its solutions
            form = self._form(request, enterprise, initial=self._typed(request.POST))
            return self._render(request, enterprise, form)
        form = self._form(request, enterprise, data=request.POST)
        status = 400
        if form.is_valid():
            try:
                project = services.project_create(
                    enterprise=enterprise, actor=request.user, data=form.service_data()
                )
            except PortalError as error:
                _show(form, error)
                status = error.status_code
            else:
                messages.success(request, _("Project created."))
                return redirect("project-detail", city_code=city_code, pk=project.pk)
        return self._render(request, enterprise, form, status=status)


def _project_for(request, pk) -> Project:
    try:
        return selectors.project_detail(city=request.city, user=request.user, pk=pk)
    except Project.DoesNotExist:
        raise Http404("项目不存在 / no such project") from None


class ProjectDetailPage(CityPageMixin):
    action_required = "project.view"
    template = "enterprises/projects/project_detail.html"

    def get(self, request, city_code, pk):
        return self.show(request, _project_for(request, pk))

    def show(self, request, project, *, status=200, error=None, **forms):
        """The page, with `forms` (bound, carrying a refusal) in place of the empty ones."""
        roles = services._roles(request.user, project)
        today = timezone.localdate()
        lines = list(project.investments.all())
        by_pk = {line.pk: line for line in lines}
        for line in lines:  # the corrected line, from the lines already loaded
            line.corrected = by_pk.get(line.corrects_id)
        milestones = list(project.milestones.all())
        for milestone in milestones:
            milestone.overdue = milestone.done_at is None and milestone.due_date < today
        running = project.status in (ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS)
        can_add_line = bool(roles & LINE_PARTIES) and project.status != ProjectStatus.FAILED
        is_provider = Role.PROVIDER in roles
        context = {
            "project": project,
            "totals": project.totals,
            "over_contract": project.totals.over_contract(project.contract_amount),
            "categories": [
                (label, project.totals.by_category.get(value))
                for value, label in InvestmentCategory.choices
            ],
            "scenarios": [Scenario(c).label for c in project.scenarios if c in Scenario.values],
            "lines": lines,
            "milestones": milestones,
            "worklogs": list(project.worklogs.all()),
            "steps": list(project.steps.all()),
            "actions": actions_from(project.status, roles, PROJECT_TRANSITIONS),
            "action_form": forms.get("action_form") or ActionForm(),
            "investment_form": (
                forms.get("investment_form") or InvestmentForm(lines=lines)
                if can_add_line
                else None
            ),
            "accepted": project.status == ProjectStatus.ACCEPTED,
            "worklog_form": (
                forms.get("worklog_form") or WorkLogForm(initial={"date": today})
                if is_provider and running
                else None
            ),
            "milestone_form": forms.get("milestone_form") or MilestoneDoneForm(),
            "milestone_error": forms.get("milestone_pk"),
            "can_mark_done": is_provider,
            "can_attach_contract": bool(roles & {Role.ENTERPRISE, Role.CITY_ADMIN}) and running,
            # Once started, the provider and main content change by change request only.
            "can_request_change": Role.ENTERPRISE in roles
            and project.status in (ProjectStatus.IN_PROGRESS, ProjectStatus.COMPLETED),
            "error": error,
        }
        return render(request, self.template, context, status=status)


class ProjectActionPage(ProjectDetailPage):
    """A status step (start, complete, accept, fail) with a comment."""

    def get(self, request, city_code, pk):
        return redirect("project-detail", city_code=city_code, pk=pk)

    def post(self, request, city_code, pk):
        project = _project_for(request, pk)
        form = ActionForm(request.POST)
        if not form.is_valid():
            return self.show(request, project, status=400, action_form=form)
        try:
            services.project_transition(
                project=project, actor=request.user, action=form.cleaned_data["action"],
                comment=form.cleaned_data["comment"],
            )  # fmt: skip
        except PortalError as error:
            _show(form, error)
            return self.show(
                request, project, status=error.status_code, error=error, action_form=form
            )
        messages.success(request, _("Done."))
        return redirect("project-detail", city_code=city_code, pk=pk)


class InvestmentAddPage(ProjectDetailPage):
    def get(self, request, city_code, pk):
        return redirect("project-detail", city_code=city_code, pk=pk)

    def post(self, request, city_code, pk):
        project = _project_for(request, pk)
        form = InvestmentForm(request.POST, request.FILES, lines=project.investments.all())
        if not form.is_valid():
            return self.show(request, project, status=400, investment_form=form)
        try:
            services.investment_add(
                project=project, actor=request.user, data=form.service_data(),
                upload=form.cleaned_data.get("file"),
            )  # fmt: skip
        except PortalError as error:
            _show(form, error)
            return self.show(
                request, project, status=error.status_code, error=error, investment_form=form
            )
        messages.success(request, _("Investment line recorded."))
        return redirect("project-detail", city_code=city_code, pk=pk)


class WorkLogAddPage(ProjectDetailPage):
    def get(self, request, city_code, pk):
        return redirect("project-detail", city_code=city_code, pk=pk)

    def post(self, request, city_code, pk):
        project = _project_for(request, pk)
        form = WorkLogForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.show(request, project, status=400, worklog_form=form)
        data = form.cleaned_data
        try:
            services.worklog_add(
                project=project, actor=request.user,
                data={k: data[k] for k in ("date", "hours", "description")},
                upload=data.get("file"),
            )  # fmt: skip
        except PortalError as error:
            _show(form, error)
            return self.show(
                request, project, status=error.status_code, error=error, worklog_form=form
            )
        messages.success(request, _("Work logged."))
        return redirect("project-detail", city_code=city_code, pk=pk)


class MilestoneDonePage(ProjectDetailPage):
    def get(self, request, city_code, pk, milestone_pk):
        return redirect("project-detail", city_code=city_code, pk=pk)

    def post(self, request, city_code, pk, milestone_pk):
        project = _project_for(request, pk)
        milestone = next((m for m in project.milestones.all() if m.pk == milestone_pk), None)
        if milestone is None:
            raise Http404("里程碑不存在 / no such milestone")
        form = MilestoneDoneForm(request.POST, request.FILES)
        form.is_valid()  # one optional file: always valid; the service requires it
        try:
            # The service reads `milestone.project` (for the roles): the one already loaded.
            milestone.project = project
            services.milestone_done(
                milestone=milestone, actor=request.user, upload=form.cleaned_data.get("file")
            )
        except PortalError as error:
            _show(form, error)
            return self.show(
                request, project, status=error.status_code, error=error,
                milestone_form=form, milestone_pk=milestone.pk,
            )  # fmt: skip
        messages.success(request, _("Milestone marked done."))
        return redirect("project-detail", city_code=city_code, pk=pk)


class ContractPage(ProjectDetailPage):
    def get(self, request, city_code, pk):
        return redirect("project-detail", city_code=city_code, pk=pk)

    def post(self, request, city_code, pk):
        project = _project_for(request, pk)
        form = MilestoneDoneForm(request.POST, request.FILES)
        form.is_valid()  # one optional file: always valid; the service requires it
        try:
            services.contract_attach(
                project=project, actor=request.user, upload=form.cleaned_data.get("file")
            )
        except PortalError as error:
            _show(form, error)
            return self.show(request, project, status=error.status_code, error=error)
        messages.success(request, _("Contract attached."))
        return redirect("project-detail", city_code=city_code, pk=pk)
