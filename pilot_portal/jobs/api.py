"""jobs/: start a job (202) and follow it."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from pilot_portal.api.base import CityScopedMixin
from pilot_portal.jobs import selectors, services
from pilot_portal.jobs.models import Job


class JobInputSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=64)
    params = serializers.DictField(required=False, default=dict)


class JobOutputSerializer(serializers.ModelSerializer):
    file_url = serializers.SerializerMethodField()
    started_by = serializers.CharField(source="started_by.username", default=None)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "params",
            "result",
            "error",
            "file_url",
            "started_by",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_file_url(self, job) -> str | None:
        if job.document_id is None:
            return None
        return reverse(
            "api:document-download",
            kwargs={"city_code": self.context["city"].code, "pk": job.document_id},
        )


class JobCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class JobViewSet(
    CityScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = JobOutputSerializer
    filterset_fields = ["kind", "status"]
    ordering_fields = ["created_at"]

    def required_action(self):
        return "job.start" if self.request.method == "POST" else "city.view"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no city
            return Job.objects.none()
        return selectors.job_list(city=self.city, user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "city": getattr(self, "city", None)}

    @extend_schema(request=JobInputSerializer, responses={202: JobCreatedSerializer})
    def create(self, request, *args, **kwargs):
        data = JobInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.job_start(city=self.city, actor=request.user, **data.validated_data)
        return Response({"id": job.pk, "status": job.status}, status=status.HTTP_202_ACCEPTED)
