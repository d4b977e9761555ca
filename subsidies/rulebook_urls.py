"""Rulebook version pages under /c/<city_code>/subsidies/."""

from django.urls import path

from subsidies import rulebook_views as views

urlpatterns = [
    path("rulebooks/", views.RulebookListPage.as_view(), name="subsidy-rulebook-list"),
    path("rulebooks/<int:pk>/", views.RulebookDetailPage.as_view(), name="subsidy-rulebook-detail"),
    path(
        "rulebooks/<int:pk>/new/",
        views.RulebookCreatePage.as_view(),
        name="subsidy-rulebook-create",
    ),
    path(
        "rulebooks/<int:pk>/edit/", views.RulebookEditPage.as_view(), name="subsidy-rulebook-edit"
    ),
    path(
        "rulebooks/<int:pk>/simulate/",
        views.RulebookSimulatePage.as_view(),
        name="subsidy-rulebook-simulate",
    ),
    path(
        "rulebooks/simulations/<int:pk>/",
        views.SimulationResultPage.as_view(),
        name="subsidy-rulebook-simulation",
    ),
]
