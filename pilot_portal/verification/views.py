"""Pages of batch verification under /c/<city>/verification/: the city's runs (its verification
history, and the form that starts one), one run's results (counts by severity and by check, the
findings table with filters, each finding linking to the record to fix, the comparison with the
previous run, the xlsx export, the PDF summary job and inspection sampling), one inspection
sample with a form per drawn enterprise; and the ministry's page at /overview/verification/.

Writes go to the services (`services.verification_start`, `sampling.sample_draw`, …, imported
when called), reads to `selectors`. A refusal is shown with the service's bilingual message and
changes nothing.
"""

from io import BytesIO

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from pilot_portal.errors import InvalidInput, PortalError
from pilot_portal.jobs.registry import UnknownJobKind, get_kind
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Batch, District
from pilot_portal.tenancy.views import CityPageMixin
from pilot_portal.verification import export, selectors
from pilot_portal.verification.forms import FindingFilterForm, OutcomeForm, SampleForm, StartForm
from pilot_portal.verification.models import InspectionOutcome, RunStatus

RUNS_PER_PAGE = 25
FINDINGS_PER_PAGE = 100
SUMMARY_JOB = "verification_summary"
REFUSED = "您的角色无权执行此操作 / your role may not do this"


def _zh() -> bool:
    return (get_language() or "zh").startswith("zh")


def _services():
    from pilot_portal.verification import services

    return services


def _sampling():
    from pilot_portal.verification import sampling

    return sampling


def _require(request, action: str) -> None:
    if not policy.can(request.user, action, city=request.city):
        raise PermissionDenied(REFUSED)


def _batches(city) -> list:
    return list(Batch.objects.for_city(city).order_by("-opens", "name"))


def may_summarise(user, city) -> bool:
    """May the user start the PDF summary job (a job: oversight only reads)?"""
    try:
        kind = get_kind(SUMMARY_JOB)
    except UnknownJobKind:
        return False
    return bool(policy.roles_in(user, city) & kind.roles)


def _start(request, form):
    """Start a run over the form's scope: the run, or the service's refusal raised."""
    city = request.city
    batch = None
    if form.cleaned_data.get("batch"):
        batch = Batch.objects.for_city(city).filter(pk=form.cleaned_data["batch"]).first()
        if batch is None:  # (the choices are the city's: a forged id)
            raise InvalidInput("批次不存在 / no such batch", field="batch")
    return _services().verification_start(request.user, city, batch=batch)


# -- the city's runs ---------------------------------------------------------------------------


class RunListPage(CityPageMixin):
    """Every run of the city (kept for auditors), newest first, and the start form."""

    action_required = "verification.view"

    def get(self, request, city_code):
        return self.show(request)

    def show(self, request, form=None, status=200):
        city, user = request.city, request.user
        may_run = policy.can(user, "verification.run", city=city)
        page = Paginator(selectors.run_list(city=city), RUNS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        runs = selectors.runs_with_counts(user, city, list(page))
        for run in runs:
            run.progress = selectors.run_progress(run)
        if may_run and form is None:
            form = StartForm(batches=_batches(city))
        return render(
            request,
            "verification/run_list.html",
            {"page": page, "runs": runs, "form": form if may_run else None},
            status=status,
        )

    def post(self, request, city_code):
        _require(request, "verification.run")
        form = StartForm(request.POST, batches=_batches(request.city))
        if not form.is_valid():
            return self.show(request, form=form, status=400)
        try:
            run = _start(request, form)
        except PortalError as error:
            if error.status_code == 403:
                raise PermissionDenied(error.message) from None
            form.add_error("batch" if error.field == "batch" else None, error.message)
            return self.show(request, form=form, status=error.status_code)
        messages.success(request, _("Verification started."))
        return redirect("verification-run-detail", city_code=city_code, pk=run.pk)


# -- one run -----------------------------------------------------------------------------------


def _filter_form(request, run_counts):
    city, user = request.city, request.user
    titles = selectors.code_titles()
    present = [row["code"] for row in run_counts.by_code]
    codes = [(code, f"{titles.get(code, {}).get('title', code)} ({code})") for code in present]
    known = {code for code, _label in codes}
    codes += [choice for choice in selectors.code_choices() if choice[0] not in known]
    whole_city = not policy.enterprise_scope(user, city)
    districts = list(District.objects.filter(city=city).order_by("code")) if whole_city else ()
    form = FindingFilterForm(request.GET or None, codes=codes, districts=districts)
    form.is_valid()  # to show what was chosen; the selector ignores what it can't use
    return form


class RunDetailPage(CityPageMixin):
    action_required = "verification.view"

    def get(self, request, city_code, pk):
        return self.show(request, pk)

    def show(self, request, pk, *, sample_form=None, status=200):
        city, user = request.city, request.user
        run = selectors.get_run_for(user, city, pk)
        counts = selectors.run_counts(user, run)
        form = _filter_form(request, counts)
        rows = selectors.finding_list(user, run, request.GET)
        page = Paginator(rows, FINDINGS_PER_PAGE).get_page(request.GET.get("page"))
        findings = selectors.attach_record_urls(page, city=city)
        query = request.GET.copy()
        query.pop("page", None)
        query = query.urlencode()
        export_url = reverse("verification-run-export", kwargs={"city_code": city.code, "pk": pk})
        may_inspect = policy.can(user, "verification.inspect", city=city)
        finished = run.status == RunStatus.SUCCEEDED
        if may_inspect and sample_form is None:
            sample_form = SampleForm()
        return render(
            request,
            "verification/run_detail.html",
            {
                "run": run,
                "progress": selectors.run_progress(run),
                "counts": counts,
                "comparison": selectors.run_compare(user, run),
                "form": form,
                "page": page,
                "findings": findings,
                "query": query,
                "export_url": f"{export_url}?{query}" if query else export_url,
                "may_run": policy.can(user, "verification.run", city=city),
                "may_summarise": finished and may_summarise(user, city),
                "sample_form": sample_form if may_inspect and finished else None,
                "samples": selectors.sample_list(run),
            },
            status=status,
        )


class RunExportDownload(CityPageMixin):
    """GET the run's findings as xlsx, with the findings table's filters (`severity`, `code`,
    `district`, `enterprise`, `q`): exactly what the table shows, within the user's scope."""

    action_required = "verification.view"

    def get(self, request, city_code, pk):
        run = selectors.get_run_for(request.user, request.city, pk)
        rows = selectors.finding_list(request.user, run, request.GET)
        content, _count = export.findings_workbook(run=run, findings=rows)
        response = FileResponse(
            BytesIO(content),
            as_attachment=True,
            filename=export.export_file_name(run, request.GET),
            content_type=export.XLSX,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class RunSummaryStart(CityPageMixin):
    """POST: start the PDF summary job of the run; on to the job's page (its progress bar)."""

    action_required = "verification.view"
    http_method_names = ["post"]

    def post(self, request, city_code, pk):
        from pilot_portal.verification import reports

        run = selectors.get_run_for(request.user, request.city, pk)
        try:
            job = reports.summary_start(actor=request.user, run=run)
        except PortalError as error:
            if error.status_code == 403:
                raise PermissionDenied(error.message) from None
            messages.error(request, error.message)
            return redirect("verification-run-detail", city_code=city_code, pk=run.pk)
        return redirect("job-detail", city_code=city_code, pk=job.pk)


# -- inspection sampling (抽查) -----------------------------------------------------------------


class SampleDrawPage(RunDetailPage):
    """POST `size` and an optional `seed`: draw a sample of the run's enterprises."""

    action_required = "verification.inspect"
    http_method_names = ["post"]

    def post(self, request, city_code, pk):
        run = selectors.get_run_for(request.user, request.city, pk)
        form = SampleForm(request.POST)
        if not form.is_valid():
            return self.show(request, pk, sample_form=form, status=400)
        try:
            sample = _sampling().sample_draw(
                request.user, run, size=form.cleaned_data["size"], seed=form.cleaned_data["seed"]
            )
        except PortalError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message)
            return self.show(request, pk, sample_form=form, status=error.status_code)
        messages.success(request, _("Sample drawn."))
        return redirect("verification-sample-detail", city_code=city_code, pk=sample.pk)


class SampleDetailPage(CityPageMixin):
    """The drawn enterprises by rank, with weight and reasons, the seed that reproduces the
    draw, and a form per item to record the inspection's outcome."""

    action_required = "verification.view"

    def get(self, request, city_code, pk):
        return self.show(request, pk)

    def show(self, request, pk, *, bound=None, status=200):
        city, user = request.city, request.user
        sample = selectors.get_sample_for(user, city, pk)
        items = list(selectors.sample_items(user, city, sample))
        may_inspect = policy.can(user, "verification.inspect", city=city)
        zh = _zh()
        for item in items:
            item.reason_lines = selectors.reasons_text(item.reasons, zh)
            if may_inspect:
                if bound is not None and bound.item_id == item.pk:
                    item.form = bound
                else:
                    recorded = item.outcome != InspectionOutcome.PENDING
                    item.form = OutcomeForm(
                        initial={"outcome": item.outcome if recorded else "", "note": item.note},
                        prefix=f"item{item.pk}",
                    )
        return render(
            request,
            "verification/sample_detail.html",
            {"sample": sample, "run": sample.run, "items": items, "may_inspect": may_inspect},
            status=status,
        )


class InspectionRecordPage(SampleDetailPage):
    """POST the outcome of one drawn enterprise's inspection (and a note)."""

    action_required = "verification.inspect"
    http_method_names = ["post"]

    def post(self, request, city_code, pk):
        item = selectors.get_item_for(request.user, request.city, pk)
        form = OutcomeForm(request.POST, prefix=f"item{item.pk}")
        form.item_id = item.pk
        if not form.is_valid():
            return self.show(request, item.sample_id, bound=form, status=400)
        try:
            _sampling().inspection_record(
                request.user, item, outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )  # fmt: skip
        except PortalError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message)
            return self.show(request, item.sample_id, bound=form, status=error.status_code)
        messages.success(request, _("Outcome recorded."))
        url = reverse(
            "verification-sample-detail", kwargs={"city_code": city_code, "pk": item.sample_id}
        )
        return redirect(f"{url}#item-{item.pk}")


# -- the ministry: every city ------------------------------------------------------------------


class NationalVerificationPage(LoginRequiredMixin, View):
    """The latest run of every city, and the button that verifies them all (the ministry)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not policy.can_nationally(
            request.user, "verification.run"
        ):
            raise PermissionDenied("仅部委用户可查看 / for ministry users only")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        cities = selectors.latest_runs_by_city(policy.visible_cities(request.user))
        for city in cities:
            if city.latest_run is not None:
                city.latest_run.progress = selectors.run_progress(city.latest_run)
        return render(request, "verification/national.html", {"cities": cities})

    def post(self, request):
        try:
            runs = _services().verification_start_national(request.user)
        except PortalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Verification started in %(n)d cities.") % {"n": len(runs)})
        return redirect("national-verification")
