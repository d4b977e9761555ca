"""Pages for assessments, under /c/<city_code>/assessments/."""

from django.urls import path

from assessments import views

urlpatterns = [
    path("", views.AssessmentListPage.as_view(), name="assessment-list"),
    path("new/", views.AssessmentCreatePage.as_view(), name="assessment-create"),
    path("<int:pk>/", views.AssessmentDetailPage.as_view(), name="assessment-detail"),
    path("<int:pk>/edit/", views.AssessmentEditPage.as_view(), name="assessment-edit"),
    path(
        "<int:pk>/score-preview/",
        views.ScorePreviewView.as_view(),
        name="assessment-score-preview",
    ),
    path("<int:pk>/action/", views.AssessmentActionPage.as_view(), name="assessment-action"),
    path("<int:pk>/assign/", views.AssessmentAssignPage.as_view(), name="assessment-assign"),
    path("<int:pk>/revise/", views.AssessmentRevisePage.as_view(), name="assessment-revise"),
    path("<int:pk>/demand/", views.DemandFromDiagnosisPage.as_view(), name="assessment-demand"),
]
