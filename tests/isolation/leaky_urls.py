"""A deliberately leaky endpoint, to prove the isolation suite catches leaks."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from pilot_portal.api.base import CityScopedMixin
from pilot_portal.jobs.models import Job
from pilot_portal.urls import urlpatterns as portal_urlpatterns


class LeakyJobView(CityScopedMixin, APIView):
    """Looks a job up by id alone, forgetting the city: the bug the suite exists for."""

    def get(self, request, city_code, pk):
        job = Job.objects.get(pk=pk)
        return Response({"params": job.params})

    def delete(self, request, city_code, pk):
        Job.objects.filter(pk=pk).delete()
        return Response(status=204)


urlpatterns = [
    *portal_urlpatterns,
    path(
        "api/v1/cities/<slug:city_code>/leaky/jobs/<int:pk>/",
        LeakyJobView.as_view(),
        name="leaky-job",
    ),
]
