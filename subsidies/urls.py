"""Pages of subsidy claims under /c/<city_code>/subsidies/ (the calculator, publicity and
rulebook pages share the prefix from their own modules).

An action on a claim is POSTed to one URL with `action` in the body (as assessments do): the
isolation suite fills every kwarg of a route with the same candidate value, so a route mixing
an integer and a string kwarg could not be enumerated."""

from django.urls import path

from subsidies import views

urlpatterns = [
    path("", views.ClaimListPage.as_view(), name="subsidy-claim-list"),
    path("claims/new/", views.ClaimCreatePage.as_view(), name="subsidy-claim-new"),
    path("claims/<int:pk>/", views.ClaimDetailPage.as_view(), name="subsidy-claim-detail"),
    path("claims/<int:pk>/action/", views.ClaimActionPage.as_view(), name="subsidy-claim-action"),
    path("funds/", views.FundsPage.as_view(), name="subsidy-funds"),
    path(
        "projects/<int:pk>/compute/",
        views.ProjectComputePage.as_view(),
        name="subsidy-project-compute",
    ),
]
