"""Pages at /, /accounts/, /overview/ and /c/<city_code>/; the API at /api/v1/."""

from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path
from django.views.defaults import page_not_found
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from enterprises.claim_views import ClaimPage
from enterprises.exclusion_views import NationalExclusionPage
from pilot_portal.accounts.views import home
from pilot_portal.documents.views import DocumentDownloadPage
from pilot_portal.jobs.views import JobDetailPage, JobListPage
from pilot_portal.reporting.views import CityHomeView, OverviewView
from pilot_portal.verification.views import NationalVerificationPage


def healthz(request):
    """A trivial endpoint: liveness probes, and the benchmarks' speed-of-light baseline."""
    return JsonResponse({"ok": True})


city_pages = [
    path("", CityHomeView.as_view(), name="city-home"),
    path("jobs/", JobListPage.as_view(), name="job-list"),
    path("jobs/<int:pk>/", JobDetailPage.as_view(), name="job-detail"),
    path("documents/<int:pk>/download/", DocumentDownloadPage.as_view(), name="document-download"),
    path("enterprises/import/", include("enterprises.importing.urls")),
    path("", include("enterprises.urls")),
    path("providers/", include("providers.urls")),
    path("catalogue/", include("providers.catalogue_urls")),
    path("", include("enterprises.matching.urls")),
    path("projects/", include("enterprises.projects.urls")),
    path("projects/", include("enterprises.projects.more_urls")),
    path("assessments/", include("assessments.report_urls")),
    path("assessments/", include("assessments.urls")),
    path("subsidies/", include("subsidies.calculator_urls")),
    path("subsidies/", include("subsidies.publicity_urls")),
    path("subsidies/", include("subsidies.rulebook_urls")),
    path("subsidies/", include("subsidies.urls")),
    path("verification/", include("pilot_portal.verification.urls")),
    path("performance/", include("pilot_portal.reporting.dashboard_urls")),
    path("performance/", include("pilot_portal.reporting.indicator_urls")),
]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("pilot_portal.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("pilot_portal.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("overview/", OverviewView.as_view(), name="overview"),
    path("overview/performance/", include("pilot_portal.reporting.national_urls")),
    path("claim/", ClaimPage.as_view(), name="enterprise-claim"),
    path("overview/exclusions/", NationalExclusionPage.as_view(), name="national-exclusions"),
    path(
        "overview/verification/", NationalVerificationPage.as_view(), name="national-verification"
    ),
    path("provider/", include("providers.national_urls")),
    # Public pages, no login: publicity, pool and catalogue of each city.
    path("public/<slug:city_code>/", include("providers.public_urls")),
    path("public/<slug:city_code>/showcase/", include("enterprises.projects.public_urls")),
    path("public/<slug:city_code>/subsidies/", include("subsidies.public_urls")),
    path("c/<slug:city_code>/", include(city_pages)),
]


def not_found(request, exception=None):
    """404 as JSON under /api/, as the page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "未找到 / not found"}, status=404)
    return page_not_found(request, exception)


handler404 = not_found
