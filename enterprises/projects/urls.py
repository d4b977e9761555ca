"""Pages for projects, under /c/<city_code>/projects/."""

from django.urls import path

from enterprises.projects import views

urlpatterns = [
    path("", views.ProjectListPage.as_view(), name="project-list"),
    path("new/", views.ProjectCreatePage.as_view(), name="project-create"),
    path("<int:pk>/", views.ProjectDetailPage.as_view(), name="project-detail"),
    path("<int:pk>/action/", views.ProjectActionPage.as_view(), name="project-action"),
    path("<int:pk>/investments/", views.InvestmentAddPage.as_view(), name="project-investment"),
    path("<int:pk>/worklogs/", views.WorkLogAddPage.as_view(), name="project-worklog"),
    path("<int:pk>/contract/", views.ContractPage.as_view(), name="project-contract"),
    path(
        "<int:pk>/milestones/<int:milestone_pk>/done/",
        views.MilestoneDonePage.as_view(),
        name="project-milestone-done",
    ),
]
