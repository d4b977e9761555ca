"""projects/ and chain-cases/ under /api/v1/cities/<city_code>/ (API.md "Transformation
projects")."""

from django.urls import path

from enterprises.projects.api import (
    ContractAPI,
    InvestmentListAPI,
    MilestoneDoneAPI,
    MilestoneListAPI,
    ProjectDetailAPI,
    ProjectListAPI,
    ProjectTransitionAPI,
    WorkLogListAPI,
)
from enterprises.projects.chain_api import ChainCaseDetailAPI, ChainCaseListAPI
from enterprises.projects.workflow import PROJECT_TRANSITIONS

urlpatterns = [
    path("chain-cases/", ChainCaseListAPI.as_view(), name="chain-case-list"),
    path("chain-cases/<int:pk>/", ChainCaseDetailAPI.as_view(), name="chain-case-detail"),
    path("projects/", ProjectListAPI.as_view(), name="project-list"),
    path("projects/<int:pk>/", ProjectDetailAPI.as_view(), name="project-detail"),
    path("projects/<int:pk>/investments/", InvestmentListAPI.as_view(), name="project-investments"),
    path("projects/<int:pk>/worklogs/", WorkLogListAPI.as_view(), name="project-worklogs"),
    path("projects/<int:pk>/milestones/", MilestoneListAPI.as_view(), name="project-milestones"),
    path("projects/<int:pk>/contract/", ContractAPI.as_view(), name="project-contract"),
    path(
        "projects/<int:pk>/milestones/<int:mid>/done/",
        MilestoneDoneAPI.as_view(),
        name="project-milestone-done",
    ),
    # One URL per action (start, complete, accept, fail), each named project-<action>.
    *[
        path(
            f"projects/<int:pk>/{action}/",
            ProjectTransitionAPI.as_view(transition=action),
            name=f"project-{action}",
        )
        for action in PROJECT_TRANSITIONS
    ],
]
