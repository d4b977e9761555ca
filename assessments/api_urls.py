"""assessment-templates/ and assessments/ under /api/v1/cities/<city_code>/ (API.md)."""

from django.urls import path

from assessments.api import (
    AssessmentAssignAPI,
    AssessmentDetailAPI,
    AssessmentListAPI,
    AssessmentReviseAPI,
    AssessmentTransitionAPI,
    EvidenceListAPI,
    TemplateCurrentAPI,
)
from assessments.workflow import ASSESSMENT_TRANSITIONS

urlpatterns = [
    path(
        "assessment-templates/current/",
        TemplateCurrentAPI.as_view(),
        name="assessment-template-current",
    ),
    path("assessments/", AssessmentListAPI.as_view(), name="assessment-list"),
    path("assessments/<int:pk>/", AssessmentDetailAPI.as_view(), name="assessment-detail"),
    path("assessments/<int:pk>/evidence/", EvidenceListAPI.as_view(), name="assessment-evidence"),
    path("assessments/<int:pk>/assign/", AssessmentAssignAPI.as_view(), name="assessment-assign"),
    path("assessments/<int:pk>/revise/", AssessmentReviseAPI.as_view(), name="assessment-revise"),
    # One URL per status step (submit, return, lock), each named assessment-<action>.
    *[
        path(
            f"assessments/<int:pk>/{action}/",
            AssessmentTransitionAPI.as_view(transition=action),
            name=f"assessment-{action}",
        )
        for action in ASSESSMENT_TRANSITIONS
    ],
]
