"""The national provider API at /api/v1/provider/ (signed-in users; no city in the URL)."""

from django.urls import path

from providers.national_api import ApplicationListAPI, CaseListAPI, OpenRoundListAPI, ProfileAPI

urlpatterns = [
    path("", ProfileAPI.as_view(), name="provider-profile"),
    path("cases/", CaseListAPI.as_view(), name="provider-cases"),
    path("applications/", ApplicationListAPI.as_view(), name="provider-applications"),
    path("rounds/", OpenRoundListAPI.as_view(), name="provider-open-rounds"),
]
