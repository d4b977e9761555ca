"""enterprises/import/ under /api/v1/cities/<city>/: upload a list (a job), get the template."""

from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from enterprises.importing import services
from enterprises.importing.views import template_response
from enterprises.importing.workbook import XLSX
from pilot_portal.api.base import CityScopedMixin
from pilot_portal.jobs.api import JobCreatedSerializer


class EnterpriseImportAPI(CityScopedMixin, APIView):
    """POST multipart `file` (xlsx) and optionally `import_valid_rows` → 202 and the job."""

    action_required = "enterprise.import"

    class EnterpriseImportInputSerializer(serializers.Serializer):
        file = serializers.FileField()
        import_valid_rows = serializers.BooleanField(
            default=False, help_text="import the valid rows even if some rows are refused"
        )

    @extend_schema(
        request={"multipart/form-data": EnterpriseImportInputSerializer},
        responses={202: JobCreatedSerializer},
        summary="Import the city's enterprise list (xlsx) as a job",
    )
    def post(self, request, city_code):
        data = self.EnterpriseImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.enterprise_import_start(
            city=self.city,
            upload=data.validated_data["file"],
            import_valid_rows=data.validated_data["import_valid_rows"],
            actor=request.user,
        )
        return Response({"id": job.pk, "status": job.status}, status=status.HTTP_202_ACCEPTED)


class EnterpriseImportTemplateAPI(CityScopedMixin, APIView):
    """GET the xlsx template: the columns, an example row, the city's districts and sectors."""

    action_required = "enterprise.import"

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    def get(self, request, city_code):
        return template_response(self.city)
