"""The city performance dashboard under /c/<city>/performance/ (beside `indicator_urls`, at the
same prefix: these paths are "", "report/" and "export/"). Every name starts "performance-"."""

from django.urls import path

from pilot_portal.reporting import dashboard_views as views

urlpatterns = [
    path("", views.DashboardPage.as_view(), name="performance-dashboard"),
    path("report/", views.ReportStart.as_view(), name="performance-report-start"),
    path("export/", views.ExportStart.as_view(), name="performance-export-start"),
]
