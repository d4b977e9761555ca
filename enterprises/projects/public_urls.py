"""Public showcase pages at /public/<city_code>/showcase/ (no login)."""

from django.urls import path

from enterprises.projects.showcase import public_showcase

urlpatterns = [
    path("", public_showcase, name="public-showcase"),
]
