"""Provider selection in a city's API: providers/, provider-rounds/, provider-evaluations/.

A provider applies to a city it has no role in yet (its staff are national users), so
applying resolves the city by its code alone; everything else goes through the city's
policy like any other city endpoint. Views validate input and call one service or selector.
"""

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from pilot_portal.api.base import CityScopedMixin
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import City, Role
from providers import selectors, services
from providers.models import (
    Provider,
    ProviderEvaluation,
    ProviderSelection,
    SelectionRound,
    SelectionStatus,
)
from providers.serializers import (
    EvaluationFilterInput,
    ExpertConflictInputSerializer,
    ProviderEvaluationInputSerializer,
    ProviderEvaluationOutputSerializer,
    SelectionApplyInputSerializer,
    SelectionDetailOutputSerializer,
    SelectionDocumentInputSerializer,
    SelectionFilterInput,
    SelectionOutputSerializer,
    SelectionReviewInputSerializer,
    SelectionRoundExpertsInputSerializer,
    SelectionRoundInputSerializer,
    SelectionRoundOutputSerializer,
    SelectionTransitionInputSerializer,
    Viewer,
)
from providers.workflow import SELECTION_TRANSITIONS

ROLE_REFUSED = "您的角色无权执行此操作 / your role may not do this"
STATE_CONFLICT = OpenApiResponse(
    description="Not allowed in the current state (names it in `status`) / 状态冲突"
)


def _validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


SELECTION_FILTERS = [
    OpenApiParameter("status", str, enum=SelectionStatus.values),
    OpenApiParameter("round", int, description="selection round id"),
    OpenApiParameter("q", str, description="provider name or credit code"),
]


class SelectionViewSet(
    CityScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The city's applicants and pool, as far as the user may see them, and their steps."""

    serializer_class = SelectionOutputSerializer
    filter_backends = []  # the selector filters
    lookup_value_regex = r"\d+"
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def initial(self, request, *args, **kwargs):
        if self.action != "create":
            return super().initial(request, *args, **kwargs)
        # Applying: provider staff usually have no role in the city yet.
        super(CityScopedMixin, self).initial(request, *args, **kwargs)  # 401 first
        code = kwargs["city_code"]
        if not policy.is_provider_staff(request.user):
            policy.city_for(request.user, code)  # 404 for a city out of sight
            raise PermissionDenied("只有服务商可以申请入库 / only a provider's staff may apply")
        city = City.objects.select_related("province").filter(code=code).first()
        if city is None:
            raise Http404("城市不存在 / no such city")
        request.city = self.city = city

    def required_action(self):
        transition = SELECTION_TRANSITIONS.get((self.action or "").replace("_", "-"))
        if transition is not None and not policy.roles_in(self.request.user, self.city) & set(
            transition.sources
        ):
            # Roles with no part in the step are refused before the object is looked up.
            raise PermissionDenied(ROLE_REFUSED)
        if self.action in ("review", "conflict"):
            return "provider.score"
        return "provider.view"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProviderSelection.objects.none()
        filters = {}
        if self.action == "list":
            filters = _validated(SelectionFilterInput, self.request.query_params)
        return selectors.selection_list(
            city=self.city, user=self.request.user, status=filters.get("status", ""),
            round_id=filters.get("round"), q=filters.get("q", ""),
        )  # fmt: skip

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["viewer"] = Viewer.of(self.request.user, self.city)
        return context

    def _detail(self, pk, *, status_code=status.HTTP_200_OK):
        try:
            selection = selectors.selection_detail(city=self.city, user=self.request.user, pk=pk)
        except ProviderSelection.DoesNotExist:
            raise Http404("申请不存在 / no such application") from None
        serializer = SelectionDetailOutputSerializer(
            selection, context=self.get_serializer_context()
        )
        return Response(serializer.data, status=status_code)

    @extend_schema(parameters=SELECTION_FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses=SelectionDetailOutputSerializer)
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.kwargs["pk"])

    @extend_schema(
        request=SelectionApplyInputSerializer,
        responses={201: SelectionDetailOutputSerializer, 409: STATE_CONFLICT},
    )
    def create(self, request, *args, **kwargs):
        """A provider applies to the city's pool in an open round."""
        data = _validated(SelectionApplyInputSerializer, request.data)
        selection = services.selection_apply(
            city=self.city, provider=self._applicant(data.get("provider")), actor=request.user,
            round_id=data.get("round"), sectors=data["sectors"], cases=data["cases"],
            statement=data["statement"],
        )  # fmt: skip
        return self._detail(selection.pk, status_code=status.HTTP_201_CREATED)

    def _applicant(self, provider_id) -> Provider:
        providers = list(Provider.objects.filter(staff=self.request.user))
        if provider_id is not None:
            chosen = [p for p in providers if p.pk == provider_id]
            if not chosen:
                raise ValidationError({"provider": ["您不是该服务商的用户 / not your provider"]})
            return chosen[0]
        if len(providers) > 1:
            raise ValidationError(
                {"provider": ["您代表多个服务商，请指定 / you act for several providers: name one"]}
            )
        return providers[0]

    def _transition(self, request, name):
        selection = self.get_object()
        data = _validated(SelectionTransitionInputSerializer, request.data)
        services.selection_transition(selection=selection, actor=request.user, action=name,
                                      **data)  # fmt: skip
        return self._detail(selection.pk)

    @extend_schema(
        request=SelectionReviewInputSerializer,
        responses={200: SelectionDetailOutputSerializer, 409: STATE_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def review(self, request, *args, **kwargs):
        """An assigned expert scores (or re-scores) an application under review."""
        selection = self.get_object()
        data = _validated(SelectionReviewInputSerializer, request.data)
        services.score_submit(selection=selection, expert=request.user, score=data["score"],
                              comment=data["comment"])  # fmt: skip
        return self._detail(selection.pk)

    @extend_schema(
        request=ExpertConflictInputSerializer,
        responses={200: SelectionDetailOutputSerializer, 409: STATE_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def conflict(self, request, *args, **kwargs):
        """An expert declares a conflict of interest with the applicant (no score then)."""
        selection = self.get_object()
        data = _validated(ExpertConflictInputSerializer, request.data)
        services.conflict_declare(city=self.city, expert=request.user,
                                  provider=selection.provider, reason=data["reason"])  # fmt: skip
        return self._detail(selection.pk)

    @extend_schema(
        request={"multipart/form-data": SelectionDocumentInputSerializer},
        responses={201: SelectionDetailOutputSerializer, 409: STATE_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def documents(self, request, *args, **kwargs):
        """The applicant attaches a file (licence, qualification, case evidence)."""
        selection = self.get_object()
        data = _validated(SelectionDocumentInputSerializer, request.data)
        services.selection_document_add(selection=selection, actor=request.user,
                                        kind=data["kind"], upload=data["file"])  # fmt: skip
        return self._detail(selection.pk, status_code=status.HTTP_201_CREATED)


def _transition_endpoint(name):
    """One POST endpoint per step of the table (providers/<id>/<action>/)."""

    def endpoint(self, request, *args, **kwargs):
        return self._transition(request, name)

    # DRF maps the HTTP method to the method's name, so name it before decorating.
    endpoint.__name__ = name.replace("-", "_")
    endpoint.__doc__ = f"The city administrator's step `{name}` (a comment where required)."
    decorate = action(detail=True, methods=["post"], url_path=name, url_name=name)
    schema = extend_schema(
        request=SelectionTransitionInputSerializer,
        responses={200: SelectionDetailOutputSerializer, 409: STATE_CONFLICT},
    )
    return schema(decorate(endpoint))


for _name in SELECTION_TRANSITIONS:
    setattr(SelectionViewSet, _name.replace("-", "_"), _transition_endpoint(_name))


# -- rounds -------------------------------------------------------------------------------

ROUND_READERS = policy.SELECTION_READERS | {Role.EXPERT}


class RoundViewSet(
    CityScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The city's selection rounds: its staff and oversight see all, an expert their own."""

    serializer_class = SelectionRoundOutputSerializer
    filter_backends = []
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def required_action(self):
        if self.request.method in ("POST", "PATCH"):
            return "provider.manage"
        if not policy.roles_in(self.request.user, self.city) & ROUND_READERS:
            raise PermissionDenied(ROLE_REFUSED)
        return None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SelectionRound.objects.none()
        rounds = SelectionRound.objects.for_city(self.city)
        if not policy.roles_in(self.request.user, self.city) & policy.SELECTION_READERS:
            assigned = SelectionRound.objects.filter(experts=self.request.user).values("pk")
            rounds = rounds.filter(pk__in=assigned)
        experts = get_user_model().objects.order_by("username", "pk")
        counts = {
            f"n_{s}": Count("selections", filter=Q(selections__status=s))
            for s in SelectionStatus.values
        }
        # Grouped queries drop Meta.ordering: order explicitly for stable pages.
        return (
            rounds.prefetch_related(Prefetch("experts", queryset=experts))
            .annotate(**counts)
            .order_by("-opens", "-pk")
        )

    def _output(self, selection_round, status_code=status.HTTP_200_OK):
        selection_round = self.get_queryset().get(pk=selection_round.pk)
        return Response(SelectionRoundOutputSerializer(selection_round).data, status=status_code)

    @extend_schema(
        request=SelectionRoundInputSerializer, responses={201: SelectionRoundOutputSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = _validated(SelectionRoundInputSerializer, request.data)
        selection_round = services.round_create(city=self.city, actor=request.user, data=data)
        return self._output(selection_round, status.HTTP_201_CREATED)

    @extend_schema(
        request=SelectionRoundExpertsInputSerializer, responses=SelectionRoundOutputSerializer
    )
    def partial_update(self, request, *args, **kwargs):
        """Replace the round's experts."""
        selection_round = self.get_object()
        data = _validated(SelectionRoundExpertsInputSerializer, request.data)
        services.round_assign_experts(
            selection_round=selection_round, actor=request.user, experts=data["experts"]
        )
        return self._output(selection_round)

    def update(self, request, *args, **kwargs):  # PUT is not offered; PATCH is
        return self.partial_update(request, *args, **kwargs)


# -- annual evaluations -------------------------------------------------------------------


class EvaluationViewSet(
    CityScopedMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The city's annual evaluations of pooled providers (能进能出)."""

    serializer_class = ProviderEvaluationOutputSerializer
    filter_backends = []

    def required_action(self):
        if self.request.method == "POST":
            return "provider.manage"
        if not policy.roles_in(self.request.user, self.city) & policy.OVERSEERS:
            raise PermissionDenied(ROLE_REFUSED)
        return None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProviderEvaluation.objects.none()
        rows = ProviderEvaluation.objects.for_city(self.city).select_related(
            "selection__provider", "decided_by"
        )
        if self.action == "list":
            year = _validated(EvaluationFilterInput, self.request.query_params).get("year")
            if year:
                rows = rows.filter(year=year)
        return rows

    @extend_schema(parameters=[OpenApiParameter("year", int)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=ProviderEvaluationInputSerializer,
        responses={201: ProviderEvaluationOutputSerializer, 409: STATE_CONFLICT},
    )
    def create(self, request, *args, **kwargs):
        data = _validated(ProviderEvaluationInputSerializer, request.data)
        selection = get_object_or_404(
            ProviderSelection.objects.for_city(self.city), pk=data["selection"]
        )
        evaluation = services.evaluation_record(
            selection=selection, actor=request.user, year=data["year"], outcome=data["outcome"],
            reason=data["reason"],
        )  # fmt: skip
        evaluation = self.get_queryset().get(pk=evaluation.pk)
        return Response(
            ProviderEvaluationOutputSerializer(evaluation).data, status=status.HTTP_201_CREATED
        )
