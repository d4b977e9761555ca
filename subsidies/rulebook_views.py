"""Rulebook version pages under /c/<city>/subsidies/rulebooks/: the list (which version is in
effect, which are coming), a version's lines in a table with its history, a new version made
from one (the JSON in a textarea, validated on save: every problem listed, nothing saved), a
change to a version no claim was computed under, and the what-if simulation of a version.

City admins keep the versions (`subsidy.rulebook`); the city's overseers and finance read them
and run simulations (`subsidy.funds`). Anyone else is refused (403); another city's version is
404, as everything of another city is.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pilot_portal.errors import PortalError
from pilot_portal.jobs import selectors as job_selectors
from pilot_portal.jobs import services as job_services
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.views import CityPageMixin
from subsidies import rulebook_versions as versions
from subsidies.rulebook import RulebookError
from subsidies.rulebooks import rulebook_of
from subsidies.simulation import SIMULATION_JOB

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SIMULATION_ROWS = 100  # per page of a simulation's result


class VersionForm(forms.Form):
    """Shapes only; `rulebook_versions` checks the rulebook and says what is wrong where."""

    version = forms.CharField(label=_("Version"), max_length=versions.MAX_LABEL)
    effective_from = forms.DateField(label=_("In effect from"), widget=DATE)
    effective_to = forms.DateField(
        label=_("In effect until"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty: until a later version supersedes it."),
    )
    note = forms.CharField(
        label=_("What changed and why"), widget=forms.Textarea(attrs={"rows": 3})
    )
    data = forms.CharField(
        label=_("Rulebook (JSON)"),
        widget=forms.Textarea(attrs={"class": "rule-json", "spellcheck": "false"}),
        strip=False,
    )


class RulebookPageMixin(CityPageMixin):
    """Pages for those who read the versions (`subsidy.rulebook` or `subsidy.funds`)."""

    def check_read(self, request):
        if not versions.may_read(request.user, request.city):
            raise PermissionDenied(
                "您的角色无权查看补助规则版本 / your role may not open this page"
            )

    def check_edit(self, request):
        if not versions.may_edit(request.user, request.city):
            raise PermissionDenied(
                "只有市级管理员可以修改补助规则 / only the city admin may do this"
            )

    def version(self, request, pk):
        return versions.version_for(request.user, request.city, pk)


class RulebookListPage(RulebookPageMixin):
    def get(self, request, city_code):
        self.check_read(request)
        rows = list(versions.version_rows(request.city))
        in_effect = versions.in_effect_pk(rows)
        today = timezone.localdate()
        return render(
            request,
            "subsidies/rulebook_list.html",
            {
                "versions": rows,
                "in_effect": in_effect,
                "today": today,
                "may_edit": versions.may_edit(request.user, request.city),
            },
        )


class RulebookDetailPage(RulebookPageMixin):
    def get(self, request, city_code, pk):
        self.check_read(request)
        version = self.version(request, pk)
        return render(request, "subsidies/rulebook_detail.html", _detail_context(request, version))


def _detail_context(request, version, **extra) -> dict:
    city, user = request.city, request.user
    all_versions = list(versions.version_rows(city))
    try:
        rulebook = rulebook_of(version)
        invalid = None
    except RulebookError as error:  # stored before a rule changed: shown, never computed
        rulebook, invalid = None, error.errors
    computations, claims = versions.computation_count(version)
    history = list(version.history.select_related("history_user").order_by("-history_date")[:50])
    simulations = (
        job_selectors.job_list(city=city, user=user)
        .filter(kind=SIMULATION_JOB, params__version=version.pk)
        .order_by("-created_at")[:10]
    )
    return {
        "version": version,
        "data_text": versions.data_text(version),
        "rulebook": rulebook,
        "invalid": invalid,
        "lines": versions.line_rows(rulebook) if rulebook else [],
        "in_effect": versions.in_effect_pk(all_versions) == version.pk,
        "upcoming": version.effective_from > timezone.localdate(),
        "computations": computations,
        "claims": claims,
        "history": history,
        "simulations": list(simulations),
        "may_edit": versions.may_edit(user, city),
        "may_simulate": policy.can(user, "subsidy.funds", city=city),
        **extra,
    }


class RulebookCreatePage(RulebookPageMixin):
    """A new version from version `pk`: its JSON to edit, the next label, the date it starts."""

    def get(self, request, city_code, pk):
        self.check_edit(request)
        base = self.version(request, pk)
        form = VersionForm(
            initial={
                "version": versions.suggest_label(request.city, base),
                "data": versions.data_text(base),
            }
        )
        return self.page(request, base, form)

    def post(self, request, city_code, pk):
        self.check_edit(request)
        base = self.version(request, pk)
        form = VersionForm(request.POST)
        if not form.is_valid():
            return self.page(request, base, form, status=400)
        values = form.cleaned_data
        try:
            created = versions.rulebook_version_create(
                actor=request.user, city=request.city, base=base, data=values["data"],
                version=values["version"], effective_from=values["effective_from"],
                effective_to=values["effective_to"], note=values["note"],
            )  # fmt: skip
        except versions.RulebookInvalid as error:
            return self.page(request, base, form, rule_errors=error.errors, status=400)
        except PortalError as error:
            _attach(form, error)
            return self.page(request, base, form, status=error.status_code)
        return redirect("subsidy-rulebook-detail", city_code=city_code, pk=created.pk)

    def page(self, request, base, form, *, rule_errors=None, status=200):
        return render(
            request,
            "subsidies/rulebook_form.html",
            {"base": base, "form": form, "rule_errors": rule_errors, "creating": True},
            status=status,
        )


class RulebookEditPage(RulebookPageMixin):
    """Change a version no computation used (a used one answers with the way to a new one)."""

    def get(self, request, city_code, pk):
        self.check_edit(request)
        version = self.version(request, pk)
        form = VersionForm(
            initial={
                "version": version.version,
                "effective_from": version.effective_from,
                "effective_to": version.effective_to,
                "note": version.note,
                "data": versions.data_text(version),
            }
        )
        form.fields["version"].disabled = True
        status = 409 if version.used else 200
        return self.page(request, version, form, status=status)

    def post(self, request, city_code, pk):
        self.check_edit(request)
        version = self.version(request, pk)
        form = VersionForm(request.POST, initial={"version": version.version})
        form.fields["version"].disabled = True
        if not form.is_valid():
            return self.page(request, version, form, status=400)
        values = form.cleaned_data
        try:
            versions.rulebook_version_update(
                actor=request.user, version=version, data=values["data"],
                effective_from=values["effective_from"], effective_to=values["effective_to"],
                note=values["note"],
            )  # fmt: skip
        except versions.RulebookInvalid as error:
            return self.page(request, version, form, rule_errors=error.errors, status=400)
        except PortalError as error:
            _attach(form, error)
            return self.page(request, version, form, status=error.status_code)
        return redirect("subsidy-rulebook-detail", city_code=city_code, pk=version.pk)

    def page(self, request, version, form, *, rule_errors=None, status=200):
        return render(
            request,
            "subsidies/rulebook_form.html",
            {"base": version, "form": form, "rule_errors": rule_errors, "creating": False},
            status=status,
        )


def _attach(form, error: PortalError) -> None:
    """A service refusal next to the field it names (or above the form)."""
    name = error.field if error.field in form.fields else None
    form.add_error(name, error.message)


class RulebookSimulatePage(RulebookPageMixin):
    """POST: start the what-if job for version `pk`, then follow it on its result page."""

    action_required = "subsidy.funds"

    def post(self, request, city_code, pk):
        version = self.version(request, pk)
        try:
            job = job_services.job_start(
                city=request.city, kind=SIMULATION_JOB, params={"version": version.pk},
                actor=request.user,
            )  # fmt: skip
        except PortalError as error:
            context = _detail_context(request, version, error=error.message)
            return render(
                request, "subsidies/rulebook_detail.html", context, status=error.status_code
            )
        return redirect("subsidy-rulebook-simulation", city_code=city_code, pk=job.pk)


class SimulationResultPage(RulebookPageMixin):
    """A simulation job's progress, then its result: the claims whose amount would change and
    the totals against the fund pools."""

    action_required = "subsidy.funds"

    def get(self, request, city_code, pk):
        job = job_selectors.get_job_for(request.user, request.city, pk)
        if job.kind != SIMULATION_JOB:
            raise Http404("测算任务不存在 / no such simulation")
        result = job.result if job.status == "succeeded" else {}
        version = None
        version_pk = (job.params or {}).get("version")
        if isinstance(version_pk, int):
            version = versions.version_rows(request.city).filter(pk=version_pk).first()
        page = Paginator(result.get("rows", []), SIMULATION_ROWS).get_page(request.GET.get("page"))
        return render(
            request,
            "subsidies/rulebook_simulation.html",
            {"job": job, "result": result, "page": page, "version": version},
        )
