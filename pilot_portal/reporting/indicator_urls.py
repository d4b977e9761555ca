"""Indicator and reporting-period pages under /c/<city>/performance/ (the dashboard itself is in
`dashboard_urls`)."""

from django.urls import path

from pilot_portal.reporting import indicator_views as views

urlpatterns = [
    path("indicators/", views.IndicatorListPage.as_view(), name="performance-indicators"),
    path(
        "indicators/<str:code>/", views.IndicatorDetailPage.as_view(), name="performance-indicator"
    ),
    path(
        "values/<int:pk>/review/",
        views.ValueReviewPage.as_view(),
        name="performance-value-review",
    ),
    path("periods/", views.PeriodListPage.as_view(), name="performance-periods"),
    path("periods/<int:pk>/", views.PeriodDetailPage.as_view(), name="performance-period"),
]
