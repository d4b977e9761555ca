"""Endpoints under /api/v1/cities/<city>/enterprises/<pk>/files/ (names: api:…)."""

from django.urls import path

from enterprises.files.api import EnterpriseDocumentDownloadAPI, EnterpriseDocumentListAPI

urlpatterns = [
    path("", EnterpriseDocumentListAPI.as_view(), name="enterprise-documents"),
    path(
        "<int:doc_id>/",
        EnterpriseDocumentDownloadAPI.as_view(),
        name="enterprise-document-download",
    ),
]
