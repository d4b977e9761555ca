"""subsidy-publicities/ and subsidy-objections/ under /api/v1/cities/<city>/ (publicity, 公示).

* `subsidy-publicities/` GET (city admins, finance, audit, oversight) the city's publicities,
  newest first; POST `{"title", "starts_on", "ends_on", "contact", "claims": [id, ...]}` (city
  admin) publishes approved claims → 201.
* `subsidy-publicities/{id}/` GET one with its items and their objections.
* `subsidy-publicities/{id}/objections/` POST `{"claim", "raised_by", "content"}` → 201.
* `subsidy-objections/{id}/resolve/` POST `{"outcome": "upheld|dismissed", "resolution"}`.

Another city's publicity or objection is 404; a role that may not is 403; a claim not approved,
already on an open publicity, or an objection already resolved is 409; nothing changes on a
refusal.
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from pilot_portal.api.base import CityScopedMixin
from subsidies import publicity, publicity_selectors
from subsidies.models import ObjectionStatus, Publicity
from subsidies.publicity_selectors import PUBLISH_ACTION, VIEW_ACTION, line_name, rule_line_names

CONFLICT = OpenApiResponse(description="Not allowed in the current state / 状态冲突")


def _state(obj, today) -> str:
    if obj.starts_on > today:
        return "upcoming"
    return "running" if obj.ends_on >= today else "closed"


def _username(user):
    return user.username if user is not None else None


# -- serializers -----------------------------------------------------------------------------


class ObjectionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    publicity = serializers.IntegerField(source="item.publicity_id")
    claim = serializers.IntegerField(source="item.claim_id")
    raised_by = serializers.CharField()
    content = serializers.CharField()
    status = serializers.ChoiceField(choices=ObjectionStatus.choices)
    resolution = serializers.CharField()
    recorded_by = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    resolved_by = serializers.SerializerMethodField()
    resolved_at = serializers.DateTimeField(allow_null=True)

    def get_recorded_by(self, obj) -> str | None:
        return _username(obj.recorded_by)

    def get_resolved_by(self, obj) -> str | None:
        return _username(obj.resolved_by)


class PublicityItemOutput(serializers.Serializer):
    claim = serializers.IntegerField(source="claim_id")
    recipient = serializers.CharField(source="recipient_name")
    kind = serializers.CharField(source="claim.kind")
    rule = serializers.SerializerMethodField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    objections = ObjectionOutput(many=True, source="objections.all")

    def get_rule(self, obj) -> str:
        return line_name(self.context.get("names", {}), obj.claim.kind)


class PublicityOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    contact = serializers.CharField()
    state = serializers.SerializerMethodField()
    published_by = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    claims = serializers.IntegerField(source="item_count")
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    open_objections = serializers.IntegerField()

    def get_state(self, obj) -> str:
        return _state(obj, self.context.get("today") or timezone.localdate())

    def get_published_by(self, obj) -> str | None:
        return _username(obj.published_by)


class PublicityDetailOutput(PublicityOutput):
    items = PublicityItemOutput(many=True, source="items.all")


class PublicityInput(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, default="")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    contact = serializers.CharField(required=False, allow_blank=True, default="")
    claims = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=True)


class ObjectionInput(serializers.Serializer):
    claim = serializers.IntegerField(min_value=1)
    raised_by = serializers.CharField(required=False, allow_blank=True, default="")
    content = serializers.CharField(required=False, allow_blank=True, default="")


class ResolveInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[ObjectionStatus.UPHELD, ObjectionStatus.DISMISSED])
    resolution = serializers.CharField(required=False, allow_blank=True, default="")


# -- views -----------------------------------------------------------------------------------


class PublicityMixin(CityScopedMixin):
    filter_backends = []

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def detail_response(self, pk, status=200) -> Response:
        obj = publicity_selectors.publicity_detail(city=self.city, pk=pk)
        # The figures of the list, computed from the items already loaded.
        items = list(obj.items.all())
        obj.item_count = len(items)
        obj.total = sum((i.amount for i in items), start=0)
        obj.open_objections = sum(
            1 for i in items for o in i.objections.all() if o.status == ObjectionStatus.OPEN
        )
        context = {**self.get_serializer_context(), "names": rule_line_names(self.city)}
        return Response(PublicityDetailOutput(obj, context=context).data, status=status)


class PublicityListAPI(PublicityMixin, generics.ListAPIView):
    """GET the city's publicities (newest first); POST publishes approved claims → 201."""

    serializer_class = PublicityOutput

    def required_action(self):
        return PUBLISH_ACTION if self.request.method == "POST" else VIEW_ACTION

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Publicity.objects.none()
        return publicity_selectors.publicity_list(city=self.city)

    @extend_schema(request=PublicityInput, responses={201: PublicityDetailOutput, 409: CONFLICT})
    def post(self, request, city_code):
        data = PublicityInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        created = publicity.publicity_create(
            actor=request.user, city=self.city, title=values["title"],
            starts_on=values["starts_on"], ends_on=values["ends_on"],
            contact=values["contact"], claims=values["claims"],
        )  # fmt: skip
        return self.detail_response(created.pk, status=201)


class PublicityDetailAPI(PublicityMixin, generics.GenericAPIView):
    """GET one publicity with its claims and their objections."""

    action_required = VIEW_ACTION
    serializer_class = PublicityDetailOutput

    def get(self, request, city_code, pk):
        return self.detail_response(pk)


class ObjectionCreateAPI(PublicityMixin, generics.GenericAPIView):
    """POST an objection received against a claim listed on the publicity → 201."""

    action_required = PUBLISH_ACTION
    serializer_class = ObjectionOutput

    @extend_schema(request=ObjectionInput, responses={201: ObjectionOutput, 409: CONFLICT})
    def post(self, request, city_code, pk):
        target = publicity_selectors.publicity_for(city=self.city, pk=pk)
        data = ObjectionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        objection = publicity.objection_record(
            actor=request.user, publicity=target, claim=values["claim"],
            raised_by=values["raised_by"], content=values["content"],
        )  # fmt: skip
        objection = publicity_selectors.objection_for(city=self.city, pk=objection.pk)
        return Response(ObjectionOutput(objection).data, status=201)


class ObjectionResolveAPI(PublicityMixin, generics.GenericAPIView):
    """POST the outcome (upheld or dismissed) and the resolution of an open objection."""

    action_required = PUBLISH_ACTION
    serializer_class = ObjectionOutput

    @extend_schema(request=ResolveInput, responses={200: ObjectionOutput, 409: CONFLICT})
    def post(self, request, city_code, pk):
        objection = publicity_selectors.objection_for(city=self.city, pk=pk)
        data = ResolveInput(data=request.data)
        data.is_valid(raise_exception=True)
        publicity.objection_resolve(
            actor=request.user, objection=objection, outcome=data.validated_data["outcome"],
            resolution=data.validated_data["resolution"],
        )  # fmt: skip
        objection = publicity_selectors.objection_for(city=self.city, pk=pk)
        return Response(ObjectionOutput(objection).data)
