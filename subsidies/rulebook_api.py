"""rulebook-versions/ under /api/v1/cities/<city>/: a city's subsidy rulebook versions.

GET (list, detail) for those who read them (`subsidy.rulebook`, `subsidy.funds`); POST a new
version made from another (city admin), PATCH a version no computation used (city admin; 409
once used). A rulebook that fails validation is a 400 listing every problem under `data`.
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from pilot_portal.api.base import CityScopedMixin
from pilot_portal.errors import Conflict
from subsidies import rulebook_versions as versions
from subsidies.models import RulebookVersion
from subsidies.rulebook import RulebookError
from subsidies.rulebooks import rulebook_in_effect, rulebook_of

ID = {"min_value": 1, "max_value": 2**63 - 1}


class RulebookVersionOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    version = serializers.CharField()
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(allow_null=True)
    note = serializers.CharField()
    shipped = serializers.BooleanField()
    supersedes = serializers.IntegerField(source="supersedes_id", allow_null=True)
    created_by = serializers.CharField(source="created_by.username", default=None)
    created_at = serializers.DateTimeField()
    used = serializers.BooleanField(help_text="a computation used it: read-only")
    in_effect = serializers.SerializerMethodField()

    def get_in_effect(self, version) -> bool:
        return version.pk == self.context.get("in_effect")


class RulebookLineOutput(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    kind = serializers.CharField()
    terms_zh = serializers.CharField()
    terms_en = serializers.CharField()
    source = serializers.CharField()


class RulebookVersionDetailOutput(RulebookVersionOutput):
    data = serializers.JSONField()
    lines = serializers.SerializerMethodField()
    computations = serializers.SerializerMethodField()

    def get_lines(self, version) -> list[dict]:
        try:
            rulebook = rulebook_of(version)
        except RulebookError:
            return []
        return [
            {"code": row.line.code, "name_zh": row.line.name_zh, "name_en": row.line.name_en,
             "kind": row.line.kind, "terms_zh": row.terms_zh, "terms_en": row.terms_en,
             "source": row.line.source}
            for row in versions.line_rows(rulebook)
        ]  # fmt: skip

    def get_computations(self, version) -> int:
        return versions.computation_count(version)[0]


class RulebookVersionCreateInput(serializers.Serializer):
    base = serializers.IntegerField(
        required=False, help_text="the version to start from (default: the one in effect)", **ID
    )
    version = serializers.CharField(
        required=False, max_length=versions.MAX_LABEL, help_text="default: the next free label"
    )
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="null: until superseded; absent: as `data` says (null when `data` is absent)",
    )
    note = serializers.CharField(help_text="what changed and why")
    data = serializers.JSONField(required=False, help_text="the rulebook (default: base's)")


class RulebookVersionUpdateInput(serializers.Serializer):
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(
        required=False, allow_null=True, help_text="absent: as `data` says"
    )
    note = serializers.CharField()
    data = serializers.JSONField()


class RulebookMixin(CityScopedMixin):
    filter_backends = []
    pagination_class = None  # a city has a handful of versions

    def required_action(self):
        return "subsidy.rulebook" if self.request.method in ("POST", "PATCH") else None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not versions.may_read(request.user, self.city):
            raise PermissionDenied("您的角色无权查看补助规则 / your role may not do this")

    def handle_exception(self, exc):
        if isinstance(exc, versions.RulebookInvalid):
            exc = ValidationError({"data": exc.errors})
        return super().handle_exception(exc)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "city"):
            context["in_effect"] = versions.in_effect_pk(list(versions.version_rows(self.city)))
        return context

    def detail(self, pk, status=200) -> Response:
        version = versions.version_for(self.request.user, self.city, pk)
        body = RulebookVersionDetailOutput(version, context=self.get_serializer_context())
        return Response(body.data, status=status)


class RulebookVersionListAPI(RulebookMixin, generics.ListAPIView):
    """GET the city's versions, newest first, with the one in effect marked; POST a new version
    from `base` (city admin) → 201."""

    serializer_class = RulebookVersionOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RulebookVersion.objects.none()
        return versions.version_rows(self.city)

    @extend_schema(
        request=RulebookVersionCreateInput,
        responses={
            201: RulebookVersionDetailOutput,
            400: OpenApiResponse(description="every problem, 中文 / English"),
        },
    )
    def post(self, request, city_code):
        data = RulebookVersionCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "base" in values:
            base = versions.version_for(request.user, self.city, values["base"])
        else:
            try:
                base = rulebook_in_effect(self.city)
            except Conflict:
                raise Http404("没有可作为基础的版本 / no version to start from") from None
        effective_to = values.get("effective_to", versions.KEEP if "data" in values else None)
        created = versions.rulebook_version_create(
            actor=request.user,
            city=self.city,
            base=base,
            data=values.get("data", base.data),
            version=values.get("version") or versions.suggest_label(self.city, base),
            effective_from=values["effective_from"],
            effective_to=effective_to,
            note=values["note"],
        )
        return self.detail(created.pk, status=201)


class RulebookVersionDetailAPI(RulebookMixin, generics.GenericAPIView):
    """GET one version with its data and its lines in words; PATCH a version no computation used
    (409 once one has: POST a new version instead)."""

    serializer_class = RulebookVersionDetailOutput

    def get(self, request, city_code, pk):
        return self.detail(pk)

    @extend_schema(
        request=RulebookVersionUpdateInput,
        responses={
            200: RulebookVersionDetailOutput,
            409: OpenApiResponse(description="used: read-only"),
        },
    )
    def patch(self, request, city_code, pk):
        version = versions.version_for(request.user, self.city, pk)
        data = RulebookVersionUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        versions.rulebook_version_update(
            actor=request.user, version=version, data=values["data"],
            effective_from=values["effective_from"],
            effective_to=values.get("effective_to", versions.KEEP), note=values["note"],
        )  # fmt: skip
        return self.detail(pk)
