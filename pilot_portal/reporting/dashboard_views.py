"""The city performance dashboard at /c/<city>/performance/, and the two buttons under it that
start the self-evaluation report (PDF) and the indicator table (xlsx) as jobs.

Ministry and province users read the page; the buttons are for the city's staff (a job writes a
document: oversight only reads). A refusal shows the service's bilingual message and starts
nothing.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pilot_portal.errors import InvalidInput, PortalError
from pilot_portal.jobs.registry import UnknownJobKind, get_kind
from pilot_portal.reporting import report_job_kinds as reports
from pilot_portal.reporting import rules
from pilot_portal.reporting.dashboard import city_dashboard
from pilot_portal.reporting.models import PeriodKind
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.views import CityPageMixin


def may_report(user, city) -> bool:
    try:
        kind = get_kind(reports.REPORT_JOB)
    except UnknownJobKind:  # (not wired into reporting.job_kinds yet)
        return False
    return bool(policy.roles_in(user, city) & kind.roles)


def _number(raw: str | None, what: str) -> int | None:
    if not raw:
        return None
    if not raw.strip().isdigit():
        raise InvalidInput(f"{what}无效：{raw} / not a valid {what}: {raw}")
    return int(raw)


class DashboardPage(CityPageMixin):
    action_required = "indicator.view"

    def get(self, request, city_code):
        city, status = request.city, 200
        try:
            year = _number(request.GET.get("year"), "年份 year")
            period = _number(request.GET.get("period"), "报告期 period")
            dashboard = city_dashboard(city=city, user=request.user, year=year, period=period)
        except InvalidInput as error:
            messages.error(request, error.message)
            dashboard, status = city_dashboard(city=city, user=request.user), 400
        level_labels = [_("No level"), _("Level 1"), _("Level 2"), _("Level 3"), _("Level 4")]
        context = {
            "city": city,
            "d": dashboard,
            "level_labels": level_labels,
            "movement_rows": list(zip(level_labels, dashboard.movement.matrix, strict=True)),
            "may_report": may_report(request.user, city),
            "report_kinds": [
                (PeriodKind.MID_TERM, _("Mid-term evaluation")),
                (PeriodKind.FINAL, _("Final evaluation")),
                (PeriodKind.YEARLY, _("Yearly report")),
            ],
            "above_size_target": int(rules.ABOVE_SIZE_TARGET),
        }
        return render(request, "reporting/dashboard.html", context, status=status)


def _whole(raw: str):
    # Stored as the API would send it (2025, not "2025"); anything else is refused by the kind.
    return int(raw) if raw.strip().isdigit() else raw


def _params(post, *, with_kind: bool) -> dict:
    """The form's choice as job params: the period shown, or the kind and the year."""
    if post.get("period"):
        return {"period": _whole(post["period"])}
    params = {"year": _whole(post.get("year", ""))}
    if with_kind:
        params["kind"] = post.get("kind", "")
    return params


class _JobStart(CityPageMixin):
    """POST: start the job; on to its page (the progress bar), or back with the refusal."""

    action_required = "indicator.report"
    http_method_names = ["post"]

    def start(self, request):
        raise NotImplementedError

    def post(self, request, city_code):
        try:
            job = self.start(request)
        except PortalError as error:
            if error.status_code == 403:
                raise PermissionDenied(error.message) from None
            messages.error(request, error.message)
            return redirect("performance-dashboard", city_code=city_code)
        return redirect("job-detail", city_code=city_code, pk=job.pk)


class ReportStart(_JobStart):
    def start(self, request):
        params = _params(request.POST, with_kind=True)
        return reports.report_start(actor=request.user, city=request.city, params=params)


class ExportStart(_JobStart):
    def start(self, request):
        params = _params(request.POST, with_kind=False)
        return reports.export_start(actor=request.user, city=request.city, params=params)
