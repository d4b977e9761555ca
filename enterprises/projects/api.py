"""projects/ under /api/v1/cities/<city>/: transformation projects, their investment lines,
work logs and milestones (API.md "Transformation projects").

Which projects a user sees is `policy.project_scope` (a project outside it is 404); who may
write what is the services' rule (403), and what the status allows too (409).
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from enterprises.models import Enterprise
from enterprises.projects import edits, selectors, services
from enterprises.projects.models import InvestmentLine, Milestone, Project, WorkLog
from enterprises.projects.serializers import (
    CommentInput,
    InvestmentInputSerializer,
    InvestmentLineOutputSerializer,
    MilestoneDoneInput,
    MilestoneInputSerializer,
    MilestoneOutputSerializer,
    ProjectDetailOutputSerializer,
    ProjectFilterInput,
    ProjectInputSerializer,
    ProjectOutputSerializer,
    ProjectUpdateSerializer,
    WorkLogInputSerializer,
    WorkLogOutputSerializer,
)
from pilot_portal.api.base import CityScopedMixin
from pilot_portal.tenancy import policy

NOT_FOUND = "项目不存在 / no such project"


class ProjectMixin(CityScopedMixin):
    """Finds the URL's project among those the user sees, and gives serializers the city."""

    filter_backends = []  # the selectors filter

    def project(self, pk) -> Project:
        project = (
            Project.objects.for_city(self.city)
            .filter(policy.project_scope(self.request.user, self.city), pk=pk)
            .select_related("city", "enterprise__city", "provider")
            .first()
        )
        if project is None:
            raise Http404(NOT_FOUND)
        return project

    def detail(self, pk) -> Project:
        try:
            return selectors.project_detail(city=self.city, user=self.request.user, pk=pk)
        except Project.DoesNotExist:
            raise Http404(NOT_FOUND) from None

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "city": self.city}

    def detail_response(self, pk, status=200) -> Response:
        body = ProjectDetailOutputSerializer(self.detail(pk), context=self.get_serializer_context())
        return Response(body.data, status=status)


class ProjectListAPI(ProjectMixin, generics.ListAPIView):
    """GET the projects this user sees, with their figures; POST creates one (the enterprise
    or the city admin) → 201."""

    serializer_class = ProjectOutputSerializer

    def required_action(self):
        return "project.create" if self.request.method == "POST" else "project.view"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        filters = ProjectFilterInput(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return (
            selectors.project_list(
                city=self.city, user=self.request.user, filters=filters.validated_data
            )
            .select_related("enterprise__city")  # the user's roles on each project
            .prefetch_related("products")
        )

    @extend_schema(parameters=[ProjectFilterInput])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ProjectInputSerializer, responses={201: ProjectDetailOutputSerializer})
    def post(self, request, city_code):
        data = ProjectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        enterprise = (
            Enterprise.objects.for_city(self.city)
            .filter(policy.enterprise_scope(request.user, self.city), pk=values.pop("enterprise"))
            .select_related("city")
            .first()
        )
        if enterprise is None:
            raise Http404("企业不存在 / no such enterprise")
        values["milestones"] = [dict(m) for m in values.get("milestones") or []]
        project = services.project_create(enterprise=enterprise, actor=request.user, data=values)
        return self.detail_response(project.pk, status=201)


class ProjectDetailAPI(ProjectMixin, generics.GenericAPIView):
    """GET one project with its lines, milestones, history and totals; PATCH its title, dates,
    contract amount, scenarios or provider while it is planned (409 afterwards: a change
    request carries such changes)."""

    serializer_class = ProjectDetailOutputSerializer

    def required_action(self):
        return "project.create" if self.request.method == "PATCH" else "project.view"

    def get(self, request, city_code, pk):
        return self.detail_response(pk)

    @extend_schema(request=ProjectUpdateSerializer, responses=ProjectDetailOutputSerializer)
    def patch(self, request, city_code, pk):
        project = self.project(pk)
        data = ProjectUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        edits.project_update(project=project, actor=request.user, data=data.validated_data)
        return self.detail_response(pk)


class ProjectTransitionAPI(ProjectMixin, generics.GenericAPIView):
    """POST `start`, `complete`, `accept` or `fail` (with a `comment`): 403 for a role that
    may not, 409 when the status does not allow it."""

    action_required = "project.view"
    serializer_class = ProjectDetailOutputSerializer
    transition = ""  # set by the URL

    @extend_schema(request=CommentInput, responses=ProjectDetailOutputSerializer)
    def post(self, request, city_code, pk):
        project = self.project(pk)
        data = CommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.project_transition(
            project=project, actor=request.user, action=self.transition,
            comment=data.validated_data["comment"],
        )  # fmt: skip
        return self.detail_response(pk)


class InvestmentListAPI(ProjectMixin, generics.ListAPIView):
    """GET the project's investment lines (corrections included, oldest first); POST adds one,
    JSON or multipart with an evidence `file` → 201. After acceptance only corrections with a
    reason are taken (409 otherwise)."""

    action_required = "project.view"
    serializer_class = InvestmentLineOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InvestmentLine.objects.none()
        project = self.project(self.kwargs["pk"])
        return InvestmentLine.objects.filter(project=project).select_related("created_by")

    @extend_schema(
        request={
            "application/json": InvestmentInputSerializer,
            "multipart/form-data": InvestmentInputSerializer,
        },
        responses={201: InvestmentLineOutputSerializer},
    )
    def post(self, request, city_code, pk):
        project = self.project(pk)
        data = InvestmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        upload = values.pop("file", None)
        line = services.investment_add(
            project=project, actor=request.user, data=values, upload=upload
        )
        line = InvestmentLine.objects.select_related("created_by").get(pk=line.pk)
        body = InvestmentLineOutputSerializer(line, context=self.get_serializer_context())
        return Response(body.data, status=201)


class WorkLogListAPI(ProjectMixin, generics.ListAPIView):
    """GET the project's work logs (newest first); POST logs work — the project's provider
    only (403 for anyone else who sees the project) → 201."""

    serializer_class = WorkLogOutputSerializer

    def required_action(self):
        return "worklog.create" if self.request.method == "POST" else "project.view"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WorkLog.objects.none()
        project = self.project(self.kwargs["pk"])
        return WorkLog.objects.filter(project=project).select_related("created_by")

    @extend_schema(
        request={
            "application/json": WorkLogInputSerializer,
            "multipart/form-data": WorkLogInputSerializer,
        },
        responses={201: WorkLogOutputSerializer},
    )
    def post(self, request, city_code, pk):
        project = self.project(pk)
        data = WorkLogInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        upload = values.pop("file", None)
        log = services.worklog_add(project=project, actor=request.user, data=values, upload=upload)
        log = WorkLog.objects.select_related("created_by").get(pk=log.pk)
        return Response(
            WorkLogOutputSerializer(log, context=self.get_serializer_context()).data, status=201
        )


class MilestoneListAPI(ProjectMixin, generics.ListAPIView):
    """GET the project's milestones by due date; POST adds one (the enterprise or the city
    admin) → 201."""

    action_required = "project.view"
    serializer_class = MilestoneOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Milestone.objects.none()
        project = self.project(self.kwargs["pk"])
        return Milestone.objects.filter(project=project).select_related("done_by")

    @extend_schema(request=MilestoneInputSerializer, responses={201: MilestoneOutputSerializer})
    def post(self, request, city_code, pk):
        project = self.project(pk)
        data = MilestoneInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        milestone = services.milestone_add(
            project=project, actor=request.user, data=dict(data.validated_data)
        )
        body = MilestoneOutputSerializer(milestone, context=self.get_serializer_context())
        return Response(body.data, status=201)


class MilestoneDoneAPI(ProjectMixin, generics.GenericAPIView):
    """POST multipart `file` (the evidence): the project's provider marks the milestone done;
    409 when it already is."""

    action_required = "project.view"
    serializer_class = MilestoneOutputSerializer

    @extend_schema(
        request={"multipart/form-data": MilestoneDoneInput},
        responses=MilestoneOutputSerializer,
        parameters=[OpenApiParameter("mid", int, OpenApiParameter.PATH, description="milestone")],
    )
    def post(self, request, city_code, pk, mid):
        project = self.project(pk)
        milestone = Milestone.objects.filter(project=project, pk=mid).first()
        if milestone is None:
            raise Http404("里程碑不存在 / no such milestone")
        milestone.project = project
        data = MilestoneDoneInput(data=request.data)
        data.is_valid(raise_exception=True)
        milestone = services.milestone_done(
            milestone=milestone, actor=request.user, upload=data.validated_data["file"]
        )
        milestone = Milestone.objects.select_related("done_by").get(pk=milestone.pk)
        body = MilestoneOutputSerializer(milestone, context=self.get_serializer_context())
        return Response(body.data)


class ContractAPI(ProjectMixin, generics.GenericAPIView):
    """POST multipart `file`: the enterprise or the city attaches the signed contract."""

    action_required = "project.view"
    serializer_class = ProjectDetailOutputSerializer

    @extend_schema(
        request={"multipart/form-data": MilestoneDoneInput},
        responses={200: ProjectDetailOutputSerializer},
    )
    def post(self, request, city_code, pk):
        project = self.project(pk)
        data = MilestoneDoneInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.contract_attach(
            project=project, actor=request.user, upload=data.validated_data["file"]
        )
        return self.detail_response(pk)
