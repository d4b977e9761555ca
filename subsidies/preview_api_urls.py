"""The calculator and the rulebook versions under /api/v1/cities/<city_code>/ (API.md)."""

from django.urls import path

from subsidies.preview_api import SubsidyPreviewAPI
from subsidies.rulebook_api import RulebookVersionDetailAPI, RulebookVersionListAPI

urlpatterns = [
    path("subsidy-preview/", SubsidyPreviewAPI.as_view(), name="subsidy-preview"),
    path(
        "rulebook-versions/",
        RulebookVersionListAPI.as_view(),
        name="subsidy-rulebook-versions",
    ),
    path(
        "rulebook-versions/<int:pk>/",
        RulebookVersionDetailAPI.as_view(),
        name="subsidy-rulebook-version",
    ),
]
