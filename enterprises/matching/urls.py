"""Pages: filled by the providers issue (placeholder views keep the header's links resolvable)."""

from django.http import HttpResponse
from django.urls import path


def placeholder(request, **kwargs):
    return HttpResponse("…")


urlpatterns = [
    path("matching/", placeholder, name="matching"),
    path("matching/overview/", placeholder, name="demand-supply"),
]
