"""/api/v1/: each app's endpoints; everything tenant-owned lives under cities/<city_code>/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from enterprises.api import ApplicationViewSet, EnterpriseViewSet
from enterprises.change_views import ChangeRequestActionAPI, ChangeRequestListAPI
from enterprises.claim_api import CityClaimsAPI, ClaimDecisionAPI, MyClaimsAPI
from enterprises.exclusion_views import CityExclusionAPI, NationalExclusionAPI
from pilot_portal.accounts.api import MeView, ObtainTokenView
from pilot_portal.documents.views import DocumentDownloadAPI
from pilot_portal.jobs.api import JobViewSet
from pilot_portal.reporting.national_api import NationalPerformanceAPI
from pilot_portal.tenancy.api import BatchListView, CityViewSet, DistrictListView, SectorListView

city_router = SimpleRouter()
city_router.register("jobs", JobViewSet, basename="job")
city_router.register("enterprises", EnterpriseViewSet, basename="enterprise")
city_router.register("applications", ApplicationViewSet, basename="application")

city_patterns = [
    path("sectors/", SectorListView.as_view(), name="sector-list"),
    path("districts/", DistrictListView.as_view(), name="district-list"),
    path("batches/", BatchListView.as_view(), name="batch-list"),
    path("documents/<int:pk>/download/", DocumentDownloadAPI.as_view(), name="document-download"),
    path("enterprises/import/", include("enterprises.importing.api_urls")),
    path("claims/", CityClaimsAPI.as_view(), name="claim-list"),
    path("exclusions/", CityExclusionAPI.as_view(), name="exclusion-list"),
    path("change-requests/", ChangeRequestListAPI.as_view(), name="change-list"),
    path(
        "change-requests/<int:pk>/action/", ChangeRequestActionAPI.as_view(), name="change-action"
    ),
    path("claims/<int:pk>/confirm/", ClaimDecisionAPI.as_view(confirm=True), name="claim-confirm"),
    path("claims/<int:pk>/reject/", ClaimDecisionAPI.as_view(confirm=False), name="claim-reject"),
    path("enterprises/<int:pk>/files/", include("enterprises.files.api_urls")),
    path("", include("providers.api_urls")),
    path("", include("providers.catalogue_api_urls")),
    path("", include("enterprises.matching.api_urls")),
    path("", include("enterprises.projects.api_urls")),
    path("", include("assessments.api_urls")),
    path("", include("subsidies.preview_api_urls")),
    path("", include("subsidies.publicity_api_urls")),
    path("", include("subsidies.api_urls")),
    path("", include("pilot_portal.verification.api_urls")),
    path("", include("pilot_portal.reporting.api_urls")),
    *city_router.urls,
]

app_name = "api"
urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    path("claims/", MyClaimsAPI.as_view(), name="my-claims"),
    path("exclusions/", NationalExclusionAPI.as_view(), name="national-exclusions"),
    path("provider/", include("providers.national_api_urls")),
    path("performance/", NationalPerformanceAPI.as_view(), name="performance-national"),
    path("cities/", CityViewSet.as_view({"get": "list"}), name="city-list"),
    path("cities/<slug:city_code>/", CityViewSet.as_view({"get": "retrieve"}), name="city-detail"),
    path("cities/<slug:city_code>/", include(city_patterns)),
]
