"""Public pages at /public/<city_code>/subsidies/ (no login): the city's subsidy publicities.

Named `public-…` (not `subsidy-…`): the isolation suite treats `public-*` pages as readable by
anyone, city B's included."""

from django.urls import path

from subsidies import public_views

urlpatterns = [
    path("", public_views.public_publicity_list, name="public-subsidy-publicity-list"),
    path("<int:pk>/", public_views.public_publicity_detail, name="public-subsidy-publicity"),
]
