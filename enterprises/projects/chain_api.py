"""chain-cases/ under /api/v1/cities/<city>/: chain cases, their figures, registering and
editing them (`chains` holds who, the services and the selectors).

A case outside what the user sees (`chains.chain_scope`) is 404; who may register or edit
is the services' rule (403); bad input is 400 naming the field.
"""

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from enterprises.projects import chains
from enterprises.projects.models import ChainCase, Project
from pilot_portal.api.base import CityScopedMixin

NOT_FOUND = "链式改造案例不存在 / no such chain case"


class ChainProjectOutputSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    eligible_investment = serializers.DecimalField(max_digits=16, decimal_places=2)
    milestones_done = serializers.IntegerField()
    milestones_total = serializers.IntegerField()

    class Meta:
        model = Project
        fields = [
            "id", "title", "enterprise", "enterprise_name", "provider", "provider_name",
            "status", "eligible_investment", "milestones_done", "milestones_total",
        ]  # fmt: skip
        read_only_fields = fields


class ChainCaseOutputSerializer(serializers.ModelSerializer):
    """A case with the figures of all its projects (`chains._case_figures`)."""

    leader_provider_name = serializers.CharField(
        source="leader_provider.name", read_only=True, default=None
    )
    leader_enterprise_name = serializers.CharField(
        source="leader_enterprise.name", read_only=True, default=None
    )
    projects = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    project_count = serializers.IntegerField()
    accepted_count = serializers.IntegerField()
    eligible_investment = serializers.DecimalField(max_digits=16, decimal_places=2)
    milestones_done = serializers.IntegerField()
    milestones_total = serializers.IntegerField()
    can_edit = serializers.SerializerMethodField()

    class Meta:
        model = ChainCase
        fields = [
            "id", "title", "description", "leader_provider", "leader_provider_name",
            "leader_enterprise", "leader_enterprise_name", "projects", "project_count",
            "accepted_count", "eligible_investment", "milestones_done", "milestones_total",
            "created_by", "created_at", "can_edit",
        ]  # fmt: skip
        read_only_fields = fields

    def get_can_edit(self, case) -> bool:
        request = self.context["request"]
        return chains.chain_can_edit(request.user, request.city, case)


class ChainCaseDetailOutputSerializer(ChainCaseOutputSerializer):
    rows = ChainProjectOutputSerializer(
        many=True, read_only=True, help_text="the case's projects this user sees"
    )

    class Meta(ChainCaseOutputSerializer.Meta):
        fields = [*ChainCaseOutputSerializer.Meta.fields, "rows"]
        read_only_fields = fields


class ChainCaseInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    leader_provider = serializers.IntegerField(
        required=False, allow_null=True, help_text="a provider of kind chain leader"
    )
    leader_enterprise = serializers.IntegerField(
        required=False, allow_null=True, help_text="or an enterprise of the city"
    )
    projects = serializers.ListField(
        child=serializers.IntegerField(min_value=1), help_text="supplier projects of the city"
    )


class ChainCaseUpdateSerializer(serializers.Serializer):
    """Any of the keys; `projects` is the whole new set (to add one, send all of them)."""

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    projects = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)


def _with_project_ids(cases):
    return cases.prefetch_related(Prefetch("projects", queryset=Project.objects.only("pk")))


class ChainCaseListAPI(CityScopedMixin, generics.ListAPIView):
    """GET the chain cases this user sees, with their figures; POST registers one (the city
    administrator, or a chain-leader provider's staff for their provider) → 201."""

    action_required = "project.view"
    serializer_class = ChainCaseOutputSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ChainCase.objects.none()
        return _with_project_ids(chains.chain_case_list(city=self.city, user=self.request.user))

    @extend_schema(
        request=ChainCaseInputSerializer, responses={201: ChainCaseDetailOutputSerializer}
    )
    def post(self, request, city_code):
        data = ChainCaseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = chains.chain_case_create(
            city=self.city, actor=request.user, data=data.validated_data
        )
        return _detail_response(self, case.pk, status=201)


def _detail_response(view, pk, status=200) -> Response:
    try:
        case = chains.chain_case_detail(city=view.city, user=view.request.user, pk=pk)
    except ChainCase.DoesNotExist:
        raise Http404(NOT_FOUND) from None
    body = ChainCaseDetailOutputSerializer(case, context=view.get_serializer_context())
    return Response(body.data, status=status)


class ChainCaseDetailAPI(CityScopedMixin, generics.GenericAPIView):
    """GET one case with its figures and the rows of its projects this user sees; PATCH its
    title, description or projects (its creator or the city administrator; 403 for others)."""

    action_required = "project.view"
    serializer_class = ChainCaseDetailOutputSerializer

    def get(self, request, city_code, pk):
        return _detail_response(self, pk)

    @extend_schema(request=ChainCaseUpdateSerializer, responses=ChainCaseDetailOutputSerializer)
    def patch(self, request, city_code, pk):
        try:
            case = chains.chain_case_get(city=self.city, user=request.user, pk=pk)
        except ChainCase.DoesNotExist:
            raise Http404(NOT_FOUND) from None
        data = ChainCaseUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        chains.chain_case_update(case=case, actor=request.user, data=data.validated_data)
        return _detail_response(self, pk)
