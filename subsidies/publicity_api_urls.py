"""subsidy-publicities/ and subsidy-objections/ under /api/v1/cities/<city_code>/."""

from django.urls import path

from subsidies.publicity_api import (
    ObjectionCreateAPI,
    ObjectionResolveAPI,
    PublicityDetailAPI,
    PublicityListAPI,
)

urlpatterns = [
    path("subsidy-publicities/", PublicityListAPI.as_view(), name="subsidy-publicity-list"),
    path(
        "subsidy-publicities/<int:pk>/",
        PublicityDetailAPI.as_view(),
        name="subsidy-publicity-detail",
    ),
    path(
        "subsidy-publicities/<int:pk>/objections/",
        ObjectionCreateAPI.as_view(),
        name="subsidy-publicity-objections",
    ),
    path(
        "subsidy-objections/<int:pk>/resolve/",
        ObjectionResolveAPI.as_view(),
        name="subsidy-objection-resolve",
    ),
]
