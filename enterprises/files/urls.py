"""Pages under /c/<city>/enterprises/<pk>/files/."""

from django.urls import path

from enterprises.files.views import (
    EnterpriseDocumentDownloadPage,
    EnterpriseDocumentsPage,
    EnterpriseFileBundlePage,
)

urlpatterns = [
    path("", EnterpriseDocumentsPage.as_view(), name="enterprise-documents"),
    path("bundle/", EnterpriseFileBundlePage.as_view(), name="enterprise-file-bundle"),
    path(
        "<int:doc_id>/",
        EnterpriseDocumentDownloadPage.as_view(),
        name="enterprise-document-download",
    ),
]
