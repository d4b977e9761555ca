from django.urls import path

from enterprises import claim_views, exclusion_views, views

urlpatterns = [
    path("enterprises/", views.EnterpriseListPage.as_view(), name="enterprise-list"),
    path("enterprises/new/", views.EnterpriseCreatePage.as_view(), name="enterprise-create"),
    path("enterprises/export/", views.EnterpriseExportPage.as_view(), name="enterprise-export"),
    path("enterprises/<int:pk>/", views.EnterpriseDetailPage.as_view(), name="enterprise-detail"),
    path("enterprises/<int:pk>/edit/", views.EnterpriseEditPage.as_view(), name="enterprise-edit"),
    path("enterprises/<int:pk>/apply/", views.ApplyPage.as_view(), name="enterprise-apply"),
    path("claims/", claim_views.ClaimReviewPage.as_view(), name="claim-review"),
    path("exclusions/", exclusion_views.CityExclusionPage.as_view(), name="exclusion-list"),
    path("applications/", views.ApplicationListPage.as_view(), name="application-list"),
    path(
        "applications/<int:pk>/", views.ApplicationDetailPage.as_view(), name="application-detail"
    ),
]
