"""Import pages under /c/<city>/enterprises/import/."""

from django.urls import path

from enterprises.importing.views import EnterpriseImportPage, EnterpriseImportTemplatePage

urlpatterns = [
    path("", EnterpriseImportPage.as_view(), name="enterprise-import"),
    path("template/", EnterpriseImportTemplatePage.as_view(), name="enterprise-import-template"),
]
