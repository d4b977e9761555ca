"""Monitoring, chain cases and the exemplary flag: pages under /c/<city>/projects/."""

from django.urls import path

from enterprises.projects.chain_views import (
    ChainCaseCreatePage,
    ChainCaseDetailPage,
    ChainCaseEditPage,
    ChainCaseListPage,
)
from enterprises.projects.monitoring import ProjectMonitoringPage
from enterprises.projects.showcase import ProjectExemplaryPage

urlpatterns = [
    path("monitoring/", ProjectMonitoringPage.as_view(), name="project-monitoring"),
    path("chains/", ChainCaseListPage.as_view(), name="chain-list"),
    path("chains/new/", ChainCaseCreatePage.as_view(), name="chain-create"),
    path("chains/<int:pk>/", ChainCaseDetailPage.as_view(), name="chain-detail"),
    path("chains/<int:pk>/edit/", ChainCaseEditPage.as_view(), name="chain-edit"),
    path("<int:pk>/exemplary/", ProjectExemplaryPage.as_view(), name="project-exemplary"),
]
