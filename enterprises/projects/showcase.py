"""Exemplary projects (样板/标杆, 看样学样): the city marks accepted projects as samples, shown
with their results on a public showcase page (no login).

Only accepted projects may be marked; the public page shows a project only while it is both
accepted and marked. Marking and unmarking are decisions: they go to the audit log.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from enterprises.projects.models import Project, ProjectStatus
from pilot_portal.audit.services import audit_record, with_actor
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed, PortalError
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import City, Role
from pilot_portal.tenancy.views import CityPageMixin
from providers.models import Scenario

PAGE_SIZE = 20
RESULTS_MAX = 4000

# -- service --------------------------------------------------------------------------------


@transaction.atomic
def project_exemplary_set(
    *, project: Project, actor, exemplary: bool, results: str = ""
) -> Project:
    """The city administrator marks an accepted project exemplary, with its results, or
    unmarks it (any status)."""
    project = (
        Project.objects.select_for_update(of=("self",)).select_related("city").get(pk=project.pk)
    )
    if Role.CITY_ADMIN not in policy.roles_in(actor, project.city):
        raise NotAllowed("只有市工信局可以设定样板项目 / only the city marks exemplary projects")
    results = (results or "").strip()
    if exemplary:
        if project.status != ProjectStatus.ACCEPTED:
            raise Conflict(
                "只有已验收的项目可以设为样板 / only an accepted project can be exemplary",
                status=project.status,
            )
        if not results:
            raise InvalidInput(
                "请填写改造成效 / describe the results shown on the showcase", field="results"
            )
        if len(results) > RESULTS_MAX:
            raise InvalidInput(
                f"成效不超过 {RESULTS_MAX} 字 / at most {RESULTS_MAX} characters",
                field="results",
            )
    before = project.exemplary
    project.exemplary = exemplary
    project.exemplary_results = results if exemplary else project.exemplary_results
    with_actor(project, actor).save(update_fields=["exemplary", "exemplary_results", "updated_at"])
    audit_record(
        actor=actor,
        action="project.exemplary" if exemplary else "project.exemplary_removed",
        city=project.city,
        obj=project,
        data={"before": before, "after": exemplary, "results": results},
    )
    return project


# -- selectors ------------------------------------------------------------------------------


def showcase_list(*, city: City):
    """The city's exemplary projects: accepted and marked, never any other."""
    return (
        Project.objects.for_city(city)
        .filter(exemplary=True, status=ProjectStatus.ACCEPTED)
        .select_related("enterprise__sector", "enterprise__district", "provider")
        .order_by("enterprise__name", "pk")
    )


def scenario_labels(codes) -> list[str]:
    labels = dict(Scenario.choices)
    return [str(labels.get(code, code)) for code in codes or []]


# -- pages ----------------------------------------------------------------------------------


class ExemplaryForm(forms.Form):
    exemplary = forms.BooleanField(label=_("Show on the public showcase"), required=False)
    results = forms.CharField(
        label=_("Results shown on the showcase"), widget=forms.Textarea, required=False,
        max_length=RESULTS_MAX,
    )  # fmt: skip


class ProjectExemplaryPage(CityPageMixin):
    """GET: the project's showcase status and form; POST: mark or unmark (city admin)."""

    action_required = "project.monitor"

    def _project(self, request, pk) -> Project:
        project = (
            Project.objects.for_city(request.city)
            .filter(policy.project_scope(request.user, request.city))
            .select_related("enterprise", "provider")
            .filter(pk=pk)
            .first()
        )
        if project is None:
            raise Http404("项目不存在 / no such project")
        return project

    def _render(self, request, project, form, status=200):
        context = {
            "project": project,
            "form": form,
            "scenarios": scenario_labels(project.scenarios),
            "can_edit": Role.CITY_ADMIN in request.city_roles,
        }
        return render(request, "enterprises/projects/showcase_form.html", context, status=status)

    def get(self, request, city_code, pk):
        project = self._project(request, pk)
        form = ExemplaryForm(
            initial={"exemplary": project.exemplary, "results": project.exemplary_results}
        )
        return self._render(request, project, form)

    def post(self, request, city_code, pk):
        project = self._project(request, pk)
        form = ExemplaryForm(request.POST)
        if not form.is_valid():
            return self._render(request, project, form, status=400)
        try:
            project = project_exemplary_set(
                project=project,
                actor=request.user,
                exemplary=form.cleaned_data["exemplary"],
                results=form.cleaned_data["results"],
            )
        except PortalError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message)
            return self._render(request, project, form, status=error.status_code)
        if project.exemplary:
            messages.success(request, _("The project is shown on the public showcase."))
        else:
            messages.success(request, _("The project is no longer shown on the showcase."))
        return redirect("project-exemplary", city_code=request.city.code, pk=project.pk)


def _public_city(city_code: str) -> City:
    city = City.objects.select_related("province").filter(code=city_code).first()
    if city is None:
        raise Http404("城市不存在 / no such city")
    return city


@require_GET
def public_showcase(request, city_code):
    """No login: the city's exemplary projects with their results."""
    city = _public_city(city_code)
    page = Paginator(showcase_list(city=city), PAGE_SIZE).get_page(request.GET.get("page"))
    for project in page:
        project.scenario_labels = scenario_labels(project.scenarios)
    return render(
        request,
        "enterprises/projects/showcase_public.html",
        {"city": city, "page": page, "query": ""},
    )
