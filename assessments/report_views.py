"""Pages under /c/<city>/assessments/: the statistics, the reports page (a batch's acceptance
reports as one job), and starting one assessment's report (a job; then its progress page)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from assessments import reports, statistics
from assessments.charts import Series, bar_chart
from enterprises.models import ApplicationStatus
from pilot_portal.errors import NotAllowed, PortalError
from pilot_portal.tenancy.models import Batch
from pilot_portal.tenancy.views import CityPageMixin


class StatisticsPage(CityPageMixin):
    """Level distribution per sector and district, the above-size target, before → after."""

    action_required = "assessment.statistics"

    def get(self, request, city_code):
        basis = request.GET.get("basis") or "current"
        status = 200
        if basis not in statistics.BASES:
            messages.error(
                request,
                _("Unknown basis “%(basis)s”: choose current, diagnosis or acceptance.")
                % {"basis": basis},
            )
            basis, status = "current", 400
        figures = statistics.assessment_statistics(
            city=request.city, user=request.user, basis=basis
        )
        totals = figures.totals
        level_labels = [_("No level"), _("Level 1"), _("Level 2"), _("Level 3"), _("Level 4")]
        context = {
            "figures": figures,
            "basis": basis,
            "bases": [
                ("current", _("Latest (diagnosis or acceptance)")),
                ("diagnosis", _("Diagnosis")),
                ("acceptance", _("Acceptance")),
            ],
            "level_labels": level_labels,
            "totals": totals,
            "level_totals": list(zip(level_labels, totals, strict=True)),
            "movement_rows": list(zip(level_labels, figures.movement.matrix, strict=True)),
            "distributions": [
                (_("Sector"), _("Level distribution by sector"), figures.by_sector, "by-sector"),
                (
                    _("District"),
                    _("Level distribution by district"),
                    figures.by_district,
                    "by-district",
                ),
            ],
            "assessed": sum(totals),
            "may_report": reports.may_report(request.user, request.city),
            "target_percent": int(statistics.TARGET_SHARE * 100),
            "chart": bar_chart(
                level_labels,
                [Series(_("Enterprises"), tuple(totals))],
                title=_("Enterprises by digital level"),
            ),
        }
        return render(request, "assessments/statistics.html", context, status=status)


class ReportsPage(CityPageMixin):
    """GET: the city's batches, each with its approved enterprises and locked acceptances;
    POST: start the job rendering a batch's acceptance reports into one zip."""

    action_required = "assessment.report"

    def get(self, request, city_code):
        return self._render(request)

    def post(self, request, city_code):
        try:
            batch = reports.batch_for(request.city, request.POST.get("batch", ""))
            job = reports.batch_reports_start(actor=request.user, city=request.city, batch=batch)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except PortalError as error:
            messages.error(request, error.message)
            return self._render(request, status=400)
        return redirect("job-detail", city_code=city_code, pk=job.pk)

    def _render(self, request, status=200):
        city = request.city
        locked = reports.reportable_assessments(request.user, city).filter(
            kind="acceptance", status="locked"
        )
        # One query: per batch, its approved enterprises and those with a locked acceptance
        # the user sees (an approved enterprise applies once per batch: no double counting).
        approved = Q(applications__status=ApplicationStatus.APPROVED)
        batches = (
            Batch.objects.for_city(city)
            .annotate(
                enterprises=Count("applications", filter=approved),
                accepted=Count(
                    "applications",
                    filter=approved
                    & Q(applications__enterprise__in=locked.values("enterprise_id")),
                ),
            )
            .order_by("-opens", "pk")
        )
        return render(request, "assessments/reports/page.html", {"batches": batches}, status=status)


class AssessmentReportStart(CityPageMixin):
    """POST: start the job rendering this assessment's report, then follow it."""

    action_required = "assessment.report"

    def post(self, request, city_code, pk):
        assessment = reports.report_assessment_for(request.user, request.city, pk)
        try:
            job = reports.report_start(actor=request.user, assessment=assessment)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        return redirect("job-detail", city_code=city_code, pk=job.pk)
