"""enterprises/<id>/files/ under /api/v1/cities/<city>/: list, upload, download documents.

The whole file as a zip is a job: POST jobs/ {"kind": "enterprise_file",
"params": {"enterprise": <id>}} (city administrators and auditors).
"""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from enterprises.files import selectors, services
from enterprises.models import DocumentKind, EnterpriseDocument
from enterprises.selectors import get_enterprise_for
from pilot_portal.api.base import CityScopedMixin
from pilot_portal.documents.views import document_response


class EnterpriseDocumentOutputSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="document.name")
    size = serializers.IntegerField(source="document.size")
    sha256 = serializers.CharField(source="document.sha256")
    content_type = serializers.CharField(source="document.content_type")
    uploaded_by = serializers.CharField(source="document.created_by.username", default=None)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = EnterpriseDocument
        fields = [
            "id", "kind", "name", "size", "sha256", "content_type", "application", "note",
            "uploaded_by", "created_at", "download_url",
        ]  # fmt: skip

    def get_download_url(self, entry) -> str:
        return reverse(
            "api:enterprise-document-download",
            kwargs={"city_code": self.context["city"].code, "pk": entry.enterprise_id,
                    "doc_id": entry.pk},
        )  # fmt: skip


class EnterpriseDocumentListAPI(CityScopedMixin, generics.ListAPIView):
    """GET the enterprise's documents (whoever sees the enterprise); POST multipart to add one
    (the enterprise's own staff and the city administrator) → 201."""

    action_required = "enterprise.view"  # who may add is the service's rule (403)
    serializer_class = EnterpriseDocumentOutputSerializer
    filter_backends = []

    class EnterpriseDocumentInputSerializer(serializers.Serializer):
        file = serializers.FileField(
            help_text=f"PDF, JPG, PNG, DOCX or XLSX; at most {settings.MAX_UPLOAD_SIZE} bytes"
        )
        kind = serializers.ChoiceField(choices=DocumentKind.choices)
        application = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, help_text="one of the enterprise's"
        )
        note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EnterpriseDocument.objects.none()
        enterprise = get_enterprise_for(self.request.user, self.city, self.kwargs["pk"])
        return selectors.enterprise_document_list(enterprise=enterprise)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "city": self.city}

    @extend_schema(
        request={"multipart/form-data": EnterpriseDocumentInputSerializer},
        responses={201: EnterpriseDocumentOutputSerializer},
        summary="Add a document to the enterprise file",
    )
    def post(self, request, city_code, pk):
        enterprise = get_enterprise_for(request.user, self.city, pk)
        data = self.EnterpriseDocumentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.enterprise_document_upload(
            enterprise=enterprise, upload=data.validated_data["file"],
            kind=data.validated_data["kind"],
            application_id=data.validated_data.get("application"),
            note=data.validated_data["note"], actor=request.user,
        )  # fmt: skip
        entry = selectors.enterprise_document_list(enterprise=enterprise).get(pk=entry.pk)
        output = EnterpriseDocumentOutputSerializer(entry, context=self.get_serializer_context())
        return Response(output.data, status=status.HTTP_201_CREATED)


class EnterpriseDocumentDownloadAPI(CityScopedMixin, APIView):
    """GET one document of the enterprise (whoever sees the enterprise); 404 for any other."""

    action_required = "enterprise.view"

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY})
    def get(self, request, city_code, pk, doc_id):
        entry = selectors.get_enterprise_document_for(request.user, self.city, pk, doc_id)
        return document_response(entry.document)
