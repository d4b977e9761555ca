"""Pages to keep a city's indicators: the table with manual values to enter (city admin) and
review (auditor), one indicator's history, and the reporting periods (submit, reopen)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pilot_portal.errors import PortalError
from pilot_portal.reporting import selectors, services
from pilot_portal.reporting.forms import ManualValueForm, PeriodSubmitForm, ReopenForm, ReviewForm
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.views import CityPageMixin


def _may(request, action) -> bool:
    return policy.can(request.user, action, city=request.city)


def _require(request, action) -> None:
    if not _may(request, action):
        raise PermissionDenied("您的角色无权执行此操作 / your role may not do this")


class IndicatorListPage(CityPageMixin):
    """Every indicator with its live actual, and the values waiting for review."""

    action_required = "indicator.view"

    def get(self, request, city_code):
        city = request.city
        return render(
            request,
            "reporting/indicators.html",
            {
                "rows": selectors.indicator_rows(city=city),
                "pending": list(selectors.pending_values(city=city)),
                "may_enter": _may(request, "indicator.enter"),
                "may_review": _may(request, "indicator.review"),
            },
        )


class IndicatorDetailPage(CityPageMixin):
    action_required = "indicator.view"

    def get(self, request, city_code, code, form=None):
        indicator = selectors.get_indicator(city=request.city, code=code)
        row = next(r for r in selectors.indicator_rows(city=request.city) if r.code == code)
        may_enter = _may(request, "indicator.enter") and indicator.source == "manual"
        return render(
            request,
            "reporting/indicator_detail.html",
            {
                "row": row,
                "indicator": indicator,
                "values": list(selectors.indicator_values(indicator=indicator)),
                "form": form or (ManualValueForm() if may_enter else None),
                "may_review": _may(request, "indicator.review"),
            },
            status=400 if form is not None else 200,
        )

    def post(self, request, city_code, code):
        _require(request, "indicator.enter")
        indicator = selectors.get_indicator(city=request.city, code=code)
        form = ManualValueForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.manual_value_enter(
                    indicator=indicator,
                    value=form.cleaned_data["value"],
                    note=form.cleaned_data["note"],
                    upload=form.cleaned_data["evidence"],
                    actor=request.user,
                )
            except PortalError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Value entered; it counts once an auditor accepts it."))
                return redirect("performance-indicator", city_code, code)
        return self.get(request, city_code, code, form=form)


class ValueReviewPage(CityPageMixin):
    action_required = "indicator.review"

    def post(self, request, city_code, pk):
        value = selectors.get_value(city=request.city, pk=pk)
        form = ReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, "审核决定无效 / not a valid decision")
        else:
            try:
                services.manual_value_review(
                    value=value,
                    accept=form.cleaned_data["decision"] == "accept",
                    comment=form.cleaned_data["comment"],
                    actor=request.user,
                )
            except PortalError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Review recorded."))
        return redirect("performance-indicator", city_code, value.indicator.code)


class PeriodListPage(CityPageMixin):
    action_required = "indicator.view"

    def get(self, request, city_code, form=None):
        may_submit = _may(request, "period.submit")
        return render(
            request,
            "reporting/periods.html",
            {
                "periods": list(selectors.period_list(city=request.city)),
                "form": form or (PeriodSubmitForm(city=request.city) if may_submit else None),
            },
            status=400 if form is not None else 200,
        )

    def post(self, request, city_code):
        _require(request, "period.submit")
        form = PeriodSubmitForm(request.POST, city=request.city)
        if form.is_valid():
            try:
                period = services.period_submit(
                    city=request.city, actor=request.user, **form.cleaned_data
                )
            except PortalError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Figures submitted and locked."))
                return redirect("performance-period", city_code, period.pk)
        return self.get(request, city_code, form=form)


class PeriodDetailPage(CityPageMixin):
    action_required = "indicator.view"

    def get(self, request, city_code, pk, form=None):
        version = request.GET.get("version", "")
        period = selectors.period_detail(
            city=request.city, pk=pk, version=int(version) if version.isdigit() else None
        )
        may_reopen = _may(request, "period.submit") and period.status == "submitted"
        return render(
            request,
            "reporting/period_detail.html",
            {
                "period": period,
                "versions": range(period.version, 0, -1),
                "reopen_form": form or (ReopenForm() if may_reopen else None),
                "may_submit": _may(request, "period.submit") and period.status == "open",
                "may_report": _may(request, "indicator.report"),
            },
            status=400 if form is not None else 200,
        )

    def post(self, request, city_code, pk):
        _require(request, "period.submit")
        period = selectors.period_detail(city=request.city, pk=pk)
        if "resubmit" in request.POST:
            try:
                services.period_submit(
                    city=request.city, kind=period.kind, year=period.year, actor=request.user
                )
            except PortalError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Figures submitted and locked."))
            return redirect("performance-period", city_code, pk)
        form = ReopenForm(request.POST)
        if form.is_valid():
            try:
                services.period_reopen(
                    period=period, reason=form.cleaned_data["reason"], actor=request.user
                )
            except PortalError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Period reopened; submit it again once corrected."))
                return redirect("performance-period", city_code, pk)
        return self.get(request, city_code, pk, form=form)
