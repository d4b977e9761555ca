"""enterprises/ and applications/ under /api/v1/cities/<city>/ (API.md)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from enterprises import selectors, services
from enterprises.models import (
    SRDI,
    Application,
    ApplicationStatus,
    ApplicationTransition,
    Enterprise,
    Size,
)
from enterprises.workflow import TRANSITIONS, actions_from
from pilot_portal.api.base import CityScopedMixin
from pilot_portal.identifiers import parse_uscc
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Batch


class EnterpriseOutputSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district.code", default=None)
    sector = serializers.CharField(source="sector.code", default=None)
    division_warning = serializers.SerializerMethodField()

    class Meta:
        model = Enterprise
        fields = [
            "id", "uscc", "name", "district", "sector", "size", "srdi",
            "central_fund_little_giant", "in_2022_pilot", "blacklisted_until", "current_level",
            "legal_representative", "contact_name", "contact_phone", "contact_email", "address",
            "employees", "description", "division_warning",
        ]  # fmt: skip

    def get_division_warning(self, enterprise) -> str | None:
        return division_warning(enterprise)


def division_warning(enterprise) -> str | None:
    """A credit code registered outside the city is for the reviewer to notice, not an error."""
    prefix = enterprise.city.division_code[:4]
    if prefix and parse_uscc(enterprise.uscc).division_code[:4] != prefix:
        return (
            f"信用代码登记地 {parse_uscc(enterprise.uscc).division_code} 不在本市 / "
            "the code was registered outside this city"
        )
    return None


class EnterpriseInputSerializer(serializers.Serializer):
    uscc = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    district = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    sector = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    size = serializers.ChoiceField(choices=Size.choices, required=False)
    srdi = serializers.ChoiceField(choices=SRDI.choices, required=False)
    central_fund_little_giant = serializers.BooleanField(required=False)
    in_2022_pilot = serializers.BooleanField(required=False)
    blacklisted_until = serializers.DateField(required=False, allow_null=True)
    blacklist_reason = serializers.CharField(required=False, allow_blank=True)
    legal_representative = serializers.CharField(required=False, allow_blank=True, max_length=64)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=64)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    employees = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    description = serializers.CharField(required=False, allow_blank=True)


class EnterpriseFilterInput(serializers.Serializer):
    """The list's query parameters, checked: a malformed filter is a 400, never a crash."""

    district = serializers.CharField(required=False, allow_blank=True)
    sector = serializers.CharField(required=False, allow_blank=True)
    size = serializers.ChoiceField(choices=Size.choices, required=False, allow_blank=True)
    srdi = serializers.ChoiceField(choices=SRDI.choices, required=False, allow_blank=True)
    level = serializers.IntegerField(required=False, min_value=1, max_value=4)
    search = serializers.CharField(required=False, allow_blank=True)


class ApplicationFilterInput(EnterpriseFilterInput):
    level = None
    status = serializers.ChoiceField(
        choices=ApplicationStatus.choices, required=False, allow_blank=True
    )
    batch = serializers.IntegerField(required=False, min_value=1)


def list_filters(viewset, serializer_class) -> dict:
    """Validated filters for the list action; other actions look objects up unfiltered."""
    if viewset.action != "list":
        return {}
    filters = serializer_class(data=viewset.request.query_params)
    filters.is_valid(raise_exception=True)
    return filters.validated_data


ENTERPRISE_FILTERS = [
    OpenApiParameter("district", str, description="district code"),
    OpenApiParameter("sector", str, description="sector code"),
    OpenApiParameter("size", str, enum=[c for c, _ in Size.choices]),
    OpenApiParameter("srdi", str, enum=[c for c, _ in SRDI.choices]),
    OpenApiParameter("level", int, description="current digital level 1-4"),
    OpenApiParameter("search", str, description="name or credit code"),
]


class EnterpriseViewSet(
    CityScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = EnterpriseOutputSerializer
    filter_backends = []  # the selector filters
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def required_action(self):
        return {"POST": "enterprise.create", "PATCH": "enterprise.edit"}.get(
            self.request.method, "enterprise.view"
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Enterprise.objects.none()
        return selectors.enterprise_list(
            city=self.city, user=self.request.user,
            filters=list_filters(self, EnterpriseFilterInput),
        ).select_related("city")  # fmt: skip

    @extend_schema(parameters=ENTERPRISE_FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=EnterpriseInputSerializer, responses={201: EnterpriseOutputSerializer})
    def create(self, request, *args, **kwargs):
        data = EnterpriseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise = services.enterprise_create(
            city=self.city, actor=request.user, data=data.validated_data
        )
        return Response(EnterpriseOutputSerializer(enterprise).data, status=201)

    @extend_schema(request=EnterpriseInputSerializer, responses=EnterpriseOutputSerializer)
    def partial_update(self, request, *args, **kwargs):
        enterprise = self.get_object()
        data = EnterpriseInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if "uscc" in data.validated_data:
            data.validated_data.pop("uscc")  # the code identifies the enterprise: never edited
        enterprise = services.enterprise_update(
            enterprise=enterprise, actor=request.user, data=data.validated_data
        )
        return Response(EnterpriseOutputSerializer(enterprise).data)

    def update(self, request, *args, **kwargs):  # PUT is not offered; PATCH is
        return self.partial_update(request, *args, **kwargs)


class TransitionOutputSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username")

    class Meta:
        model = ApplicationTransition
        fields = ["action", "from_status", "to_status", "actor", "actor_role", "comment",
                  "created_at"]  # fmt: skip


class ApplicationOutputSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name")
    uscc = serializers.CharField(source="enterprise.uscc")
    batch_name = serializers.CharField(source="batch.name")
    history = TransitionOutputSerializer(source="transitions", many=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id", "enterprise", "enterprise_name", "uscc", "batch", "batch_name", "status",
            "declares_not_central_little_giant", "declares_not_in_2022_pilot",
            "exclusion_override_reason", "created_at", "updated_at", "history", "allowed_actions",
        ]  # fmt: skip

    def get_allowed_actions(self, application) -> list[str]:
        user = self.context["request"].user
        return actions_from(
            application.status,
            policy.roles_for_enterprise(user, application.enterprise),
            TRANSITIONS,
        )


class ApplicationInputSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField()
    batch = serializers.IntegerField()
    declares_not_central_little_giant = serializers.BooleanField(required=False, default=False)
    declares_not_in_2022_pilot = serializers.BooleanField(required=False, default=False)


class ActionInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")


APPLICATION_FILTERS = [
    OpenApiParameter("status", str),
    OpenApiParameter("batch", int),
    *[p for p in ENTERPRISE_FILTERS if p.name in {"district", "sector", "size", "srdi", "search"}],
]


class ApplicationViewSet(
    CityScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ApplicationOutputSerializer
    filter_backends = []
    lookup_value_regex = r"\d+"

    def required_action(self):
        if self.request.method == "POST" and self.action == "create":
            return "application.create"
        return "application.view"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        return (
            selectors.application_list(
                city=self.city,
                user=self.request.user,
                filters=list_filters(self, ApplicationFilterInput),
            )
            .select_related("enterprise__city")
            .prefetch_related(selectors.STEPS)
        )

    @extend_schema(parameters=APPLICATION_FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ApplicationInputSerializer, responses={201: ApplicationOutputSerializer})
    def create(self, request, *args, **kwargs):
        data = ApplicationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise = selectors.get_enterprise_for(
            request.user, self.city, data.validated_data["enterprise"]
        )
        batch = get_object_or_404(
            Batch.objects.for_city(self.city), pk=data.validated_data["batch"]
        )
        application = services.application_create(
            enterprise=enterprise, batch=batch, actor=request.user, declarations=data.validated_data
        )
        return Response(self._output(application), status=status.HTTP_201_CREATED)

    def _output(self, application):
        application = self.get_queryset().get(pk=application.pk)
        return ApplicationOutputSerializer(application, context=self.get_serializer_context()).data

    def _transition(self, request, action_name):
        application = self.get_object()
        data = ActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_transition(
            application=application, action=action_name, actor=request.user, **data.validated_data
        )
        return Response(self._output(application))


def _action_endpoint(name):
    """One POST endpoint per transition of the table (applications/<id>/<action>/)."""

    def endpoint(self, request, pk=None, city_code=None):
        return self._transition(request, name)

    # DRF maps the HTTP method to the method's name, so name it before decorating.
    endpoint.__name__ = name.replace("-", "_")
    decorate = action(detail=True, methods=["post"], url_path=name, url_name=name)
    schema = extend_schema(request=ActionInputSerializer, responses=ApplicationOutputSerializer)
    return schema(decorate(endpoint))


for _name in TRANSITIONS:
    setattr(ApplicationViewSet, _name.replace("-", "_"), _action_endpoint(_name))
