"""Performance reporting under /api/v1/cities/<city_code>/ (see `api`); every name starts with
"performance-" (the isolation suite tries city B's ids in each)."""

from django.urls import path

from pilot_portal.reporting import api

urlpatterns = [
    path("indicators/", api.IndicatorListAPI.as_view(), name="performance-indicator-list"),
    path(
        "indicators/<str:code>/values/",
        api.IndicatorValuesAPI.as_view(),
        name="performance-indicator-values",
    ),
    path(
        "indicator-values/<int:pk>/review/",
        api.ValueReviewAPI.as_view(),
        name="performance-value-review",
    ),
    path("reporting-periods/", api.PeriodListAPI.as_view(), name="performance-period-list"),
    path(
        "reporting-periods/<int:pk>/",
        api.PeriodDetailAPI.as_view(),
        name="performance-period-detail",
    ),
    path(
        "reporting-periods/<int:pk>/reopen/",
        api.PeriodReopenAPI.as_view(),
        name="performance-period-reopen",
    ),
]
