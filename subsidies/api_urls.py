"""subsidy-claims/, projects/{id}/subsidy/ and subsidy-funds/ under /api/v1/cities/<city>/."""

from django.urls import path

from subsidies.api import (
    ACTIONS,
    ClaimActionAPI,
    ClaimDetailAPI,
    ClaimListAPI,
    ClaimsRecomputeAPI,
    FundStatusAPI,
    ProjectSubsidyAPI,
)

urlpatterns = [
    path("subsidy-claims/", ClaimListAPI.as_view(), name="subsidy-claim-list"),
    path(
        "subsidy-claims/recompute/", ClaimsRecomputeAPI.as_view(), name="subsidy-claims-recompute"
    ),
    path("subsidy-claims/<int:pk>/", ClaimDetailAPI.as_view(), name="subsidy-claim-detail"),
    *[
        path(
            f"subsidy-claims/<int:pk>/{action}/",
            ClaimActionAPI.as_view(claim_action=action),
            name=f"subsidy-claim-{action}",
        )
        for action in ACTIONS
    ],
    path("projects/<int:pk>/subsidy/", ProjectSubsidyAPI.as_view(), name="project-subsidy"),
    path("subsidy-funds/", FundStatusAPI.as_view(), name="subsidy-funds"),
]
