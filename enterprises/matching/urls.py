"""Pages of supply–demand matching, at /c/<city_code>/matching/."""

from django.urls import path

from enterprises.matching.views import (
    DemandPage,
    DemandSupplyPage,
    MatchingPage,
    RatingPage,
    ShortlistPage,
)

urlpatterns = [
    path("matching/", MatchingPage.as_view(), name="matching"),
    path("matching/demands/", DemandPage.as_view(), name="matching-demands"),
    path("matching/shortlist/", ShortlistPage.as_view(), name="matching-shortlist"),
    path("matching/ratings/", RatingPage.as_view(), name="matching-rate"),
    path("matching/overview/", DemandSupplyPage.as_view(), name="demand-supply"),
]
