"""Batch verification under /api/v1/cities/<city_code>/ (see `api`); every name starts with
"verification-" (the isolation suite tries city B's ids in each)."""

from django.urls import path

from pilot_portal.verification import api

urlpatterns = [
    path("verification-runs/", api.RunListAPI.as_view(), name="verification-run-list"),
    path("verification-runs/<int:pk>/", api.RunDetailAPI.as_view(), name="verification-run-detail"),
    path(
        "verification-runs/<int:pk>/findings/",
        api.FindingListAPI.as_view(),
        name="verification-run-findings",
    ),
    path(
        "verification-runs/<int:pk>/samples/",
        api.RunSamplesAPI.as_view(),
        name="verification-run-samples",
    ),
    path(
        "verification-samples/<int:pk>/",
        api.SampleDetailAPI.as_view(),
        name="verification-sample-detail",
    ),
    path(
        "inspection-items/<int:pk>/outcome/",
        api.InspectionOutcomeAPI.as_view(),
        name="verification-inspection-outcome",
    ),
]
