from django.urls import include, path

from enterprises import change_views, claim_views, exclusion_views, views

urlpatterns = [
    path("enterprises/", views.EnterpriseListPage.as_view(), name="enterprise-list"),
    path("enterprises/new/", views.EnterpriseCreatePage.as_view(), name="enterprise-create"),
    path("enterprises/export/", views.EnterpriseExportPage.as_view(), name="enterprise-export"),
    path("enterprises/<int:pk>/", views.EnterpriseDetailPage.as_view(), name="enterprise-detail"),
    path("enterprises/<int:pk>/edit/", views.EnterpriseEditPage.as_view(), name="enterprise-edit"),
    path("enterprises/<int:pk>/apply/", views.ApplyPage.as_view(), name="enterprise-apply"),
    path("enterprises/<int:pk>/files/", include("enterprises.files.urls")),
    path("claims/", claim_views.ClaimReviewPage.as_view(), name="claim-review"),
    path(
        "enterprises/<int:pk>/changes/new/",
        change_views.ChangeRequestCreatePage.as_view(),
        name="change-create",
    ),
    path("changes/", change_views.ChangeRequestListPage.as_view(), name="change-list"),
    path("changes/<int:pk>/", change_views.ChangeRequestDetailPage.as_view(), name="change-detail"),
    path("exclusions/", exclusion_views.CityExclusionPage.as_view(), name="exclusion-list"),
    path("applications/", views.ApplicationListPage.as_view(), name="application-list"),
    path(
        "applications/<int:pk>/", views.ApplicationDetailPage.as_view(), name="application-detail"
    ),
]
