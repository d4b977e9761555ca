"""Public pages at /public/<city_code>/ (no login)."""

from django.urls import path

from providers import public_views

urlpatterns = [
    path("", public_views.public_city, name="public-city"),
    path("publicity/", public_views.public_publicity, name="public-publicity"),
    path("providers/", public_views.public_pool, name="public-pool"),
    path("catalogue/", public_views.public_catalogue, name="public-catalogue"),
]
