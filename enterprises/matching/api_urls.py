"""Matching under /api/v1/cities/<city_code>/."""

from django.urls import path

from enterprises.matching.api import (
    DemandAPI,
    DemandSupplyAPI,
    MatchesAPI,
    RatingAPI,
    ShortlistAPI,
    ShortlistItemAPI,
)

urlpatterns = [
    path("enterprises/<int:pk>/demands/", DemandAPI.as_view(), name="enterprise-demands"),
    path("enterprises/<int:pk>/matches/", MatchesAPI.as_view(), name="enterprise-matches"),
    path("enterprises/<int:pk>/shortlist/", ShortlistAPI.as_view(), name="enterprise-shortlist"),
    path(
        "enterprises/<int:pk>/shortlist/<int:product_id>/",
        ShortlistItemAPI.as_view(),
        name="enterprise-shortlist-item",
    ),
    path("enterprises/<int:pk>/ratings/", RatingAPI.as_view(), name="enterprise-ratings"),
    path("demand-supply/", DemandSupplyAPI.as_view(), name="demand-supply"),
]
