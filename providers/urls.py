"""Pages of a city's provider selection, mounted at /c/<city_code>/providers/."""

from django.urls import path

from providers import views

urlpatterns = [
    path("", views.SelectionListPage.as_view(), name="provider-list"),
    path("<int:pk>/", views.SelectionDetailPage.as_view(), name="provider-detail"),
    path("<int:pk>/action/", views.SelectionActionPage.as_view(), name="provider-action"),
    path("<int:pk>/score/", views.SelectionScorePage.as_view(), name="provider-score"),
    path("<int:pk>/conflict/", views.SelectionConflictPage.as_view(), name="provider-conflict"),
    path("<int:pk>/documents/", views.SelectionDocumentPage.as_view(), name="provider-document"),
    path("rounds/", views.RoundListPage.as_view(), name="round-list"),
    path("rounds/<int:pk>/", views.RoundDetailPage.as_view(), name="round-detail"),
    path("review/", views.ReviewQueuePage.as_view(), name="provider-review-queue"),
    path("evaluation/<int:year>/", views.EvaluationPage.as_view(), name="provider-evaluation"),
]
