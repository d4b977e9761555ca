"""The ministry's and provinces' performance page, at /overview/performance/."""

from django.urls import path

from pilot_portal.reporting.national_views import NationalPerformancePage

urlpatterns = [
    path("", NationalPerformancePage.as_view(), name="performance-national"),
]
