"""Import endpoints under /api/v1/cities/<city>/enterprises/import/ (names: api:…)."""

from django.urls import path

from enterprises.importing.api import EnterpriseImportAPI, EnterpriseImportTemplateAPI

urlpatterns = [
    path("", EnterpriseImportAPI.as_view(), name="enterprise-import"),
    path("template/", EnterpriseImportTemplateAPI.as_view(), name="enterprise-import-template"),
]
