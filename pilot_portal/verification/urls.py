"""Pages of batch verification under /c/<city_code>/verification/ (the ministry's page of every
city is `national-verification`, wired at /overview/verification/ in pilot_portal/urls.py).

Every name starts with "verification-": the isolation suite enumerates the city's named URLs and
tries city B's ids in each."""

from django.urls import path

from pilot_portal.verification import views

urlpatterns = [
    path("", views.RunListPage.as_view(), name="verification-run-list"),
    path("<int:pk>/", views.RunDetailPage.as_view(), name="verification-run-detail"),
    path("<int:pk>/export.xlsx", views.RunExportDownload.as_view(), name="verification-run-export"),
    path("<int:pk>/summary/", views.RunSummaryStart.as_view(), name="verification-run-summary"),
    path("<int:pk>/samples/", views.SampleDrawPage.as_view(), name="verification-sample-draw"),
    path("samples/<int:pk>/", views.SampleDetailPage.as_view(), name="verification-sample-detail"),
    path(
        "inspection-items/<int:pk>/outcome/",
        views.InspectionRecordPage.as_view(),
        name="verification-inspection-record",
    ),
]
