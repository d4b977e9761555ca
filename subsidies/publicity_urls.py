"""Pages under /c/<city_code>/subsidies/: publicity (公示) and objections, the subsidy documents
(PDF jobs) and the claims export (xlsx)."""

from django.urls import path

from subsidies import publicity_views as views

urlpatterns = [
    path("publicity/", views.PublicityListPage.as_view(), name="subsidy-publicity-list"),
    path("publicity/new/", views.PublicityCreatePage.as_view(), name="subsidy-publicity-create"),
    path(
        "publicity/<int:pk>/", views.PublicityDetailPage.as_view(), name="subsidy-publicity-detail"
    ),
    path(
        "publicity/<int:pk>/objections/",
        views.ObjectionCreatePage.as_view(),
        name="subsidy-objection-create",
    ),
    path(
        "publicity/objections/<int:pk>/resolve/",
        views.ObjectionResolvePage.as_view(),
        name="subsidy-objection-resolve",
    ),
    path("documents/", views.DocumentsPage.as_view(), name="subsidy-documents"),
    path("export.xlsx", views.ClaimsExportDownload.as_view(), name="subsidy-claims-export"),
]
