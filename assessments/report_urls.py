"""Pages under /c/<city>/assessments/: statistics and reports (jobs)."""

from django.urls import path

from assessments.report_views import AssessmentReportStart, ReportsPage, StatisticsPage

urlpatterns = [
    path("statistics/", StatisticsPage.as_view(), name="assessment-statistics"),
    path("reports/", ReportsPage.as_view(), name="assessment-reports"),
    path("<int:pk>/report/", AssessmentReportStart.as_view(), name="assessment-report"),
]
