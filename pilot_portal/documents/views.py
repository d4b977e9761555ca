"""Files are served only here, after the policy module says yes."""

import logging

from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework.views import APIView

from pilot_portal.api.base import CityScopedMixin
from pilot_portal.documents.selectors import get_document_for
from pilot_portal.tenancy.views import CityPageMixin

logger = logging.getLogger(__name__)


def document_response(document) -> FileResponse:
    try:
        content = document.file.open("rb")
    except FileNotFoundError:  # the record outlived its file (storage lost or moved)
        logger.error("document %s: file %s missing from storage", document.pk, document.file.name)
        raise Http404("文件已不在存储中，请联系管理员 / the file is missing from storage") from None
    response = FileResponse(
        content,
        as_attachment=True,
        filename=document.name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


class DocumentDownloadPage(CityPageMixin):
    def get(self, request, city_code, pk):
        return document_response(get_document_for(request.user, request.city, pk))


class DocumentDownloadAPI(CityScopedMixin, APIView):
    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY})
    def get(self, request, city_code, pk):
        return document_response(get_document_for(request.user, self.city, pk))
