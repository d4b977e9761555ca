"""subsidy-preview/ under /api/v1/cities/<city>/ (API.md "Subsidies"): the calculator.

GET lists the city's rule lines and the inputs each needs; POST computes one. Open to every
member of the city (`subsidy.preview`); an `enterprise` must be one the user sees (404 else),
a `version` other than the one in effect only for those who see the versions.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from pilot_portal.api.base import CityScopedMixin
from pilot_portal.errors import InvalidInput
from subsidies import preview
from subsidies.rulebooks import rulebook_of

ID = {"min_value": 1, "max_value": 2**63 - 1}
MONEY_HELP = 'a decimal string in CNY with at most two decimals, e.g. "1200000.00"'


class PreviewInput(serializers.Serializer):
    """Documentation of the body; the values are parsed by `preview.parse_inputs` (bilingual)."""

    kind = serializers.CharField(help_text="a rule line code of the city, e.g. transformation")
    level = serializers.IntegerField(required=False, help_text="digital level 1–4")
    investment = serializers.CharField(
        required=False, help_text=f"eligible investment: {MONEY_HELP}"
    )
    fee = serializers.CharField(required=False, help_text=f"fee or actual cost: {MONEY_HELP}")
    units = serializers.IntegerField(required=False, help_text="enterprises, person-days, …")
    loan_interest = serializers.CharField(required=False, help_text=MONEY_HELP)
    requested = serializers.CharField(required=False, help_text=f"proposed award: {MONEY_HELP}")
    granted_elsewhere = serializers.CharField(
        required=False, help_text=f"paid by another policy for the same spending: {MONEY_HELP}"
    )
    batch_index = serializers.IntegerField(
        required=False, help_text="enrolment batch, 1 = the city's first (falling rates)"
    )
    enterprise = serializers.IntegerField(
        required=False, help_text="apply this enterprise's exclusions and batch", **ID
    )
    version = serializers.IntegerField(
        required=False, help_text="a rulebook version id (default: the one in effect)", **ID
    )


class PreviewStepOutput(serializers.Serializer):
    key = serializers.CharField()
    zh = serializers.CharField()
    en = serializers.CharField()
    value = serializers.JSONField(help_text="amounts and rates as decimal strings")


class PreviewOutput(serializers.Serializer):
    amount = serializers.CharField()
    rule = serializers.CharField(help_text="the line's name, 中文 / English")
    kind = serializers.CharField()
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField(), help_text="中文 / English")
    explanation = PreviewStepOutput(many=True)
    explanation_zh = serializers.CharField()
    explanation_en = serializers.CharField()
    points = serializers.IntegerField(allow_null=True)
    rulebook_version = serializers.DictField()
    enterprise = serializers.IntegerField(allow_null=True)
    batch_index = serializers.IntegerField(allow_null=True)


class PreviewLineOutput(serializers.Serializer):
    kind = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    rule_kind = serializers.CharField()
    required = serializers.ListField(child=serializers.CharField())
    optional = serializers.ListField(child=serializers.CharField())


class PreviewLinesOutput(serializers.Serializer):
    rulebook_version = serializers.DictField()
    kinds = PreviewLineOutput(many=True)


def version_json(version) -> dict:
    return {
        "id": version.pk,
        "version": version.version,
        "effective_from": version.effective_from.isoformat(),
    }


def preview_json(result: preview.Preview) -> dict:
    return {
        "amount": str(result.amount),
        "rule": result.rule,
        "kind": result.line.code,
        "eligible": result.eligible,
        "reasons": [f"{zh} / {en}" for zh, en in result.reasons],
        "explanation": result.steps,
        "explanation_zh": result.explanation_zh,
        "explanation_en": result.explanation_en,
        "points": result.points,
        "rulebook_version": version_json(result.version),
        "enterprise": result.enterprise.pk if result.enterprise else None,
        "batch_index": result.batch_index,
    }


class SubsidyPreviewAPI(CityScopedMixin, generics.GenericAPIView):
    """GET: the city's rule lines (in effect today) and the inputs each needs. POST: the amount
    of one line for the inputs given, with its explanation step by step (Chinese and English).
    400 names each bad input (an unknown `kind` lists the city's kinds); 409 when the city has
    no rulebook in effect."""

    action_required = "subsidy.preview"
    serializer_class = PreviewInput

    def handle_exception(self, exc):
        if isinstance(exc, preview.InputsInvalid):
            exc = ValidationError({name: [message] for name, message in exc.errors.items()})
        return super().handle_exception(exc)

    @extend_schema(responses=PreviewLinesOutput)
    def get(self, request, city_code):
        version = preview.preview_version(
            user=request.user, city=self.city, version_id=request.query_params.get("version")
        )
        rulebook = rulebook_of(version)
        kinds = []
        for line in rulebook.lines:
            wanted = preview.line_inputs(rulebook, line)
            kinds.append({"kind": line.code, "name_zh": line.name_zh, "name_en": line.name_en,
                          "rule_kind": line.kind, "required": list(wanted.required),
                          "optional": list(wanted.optional)})  # fmt: skip
        return Response({"rulebook_version": version_json(version), "kinds": kinds})

    @extend_schema(
        request=PreviewInput,
        responses={
            200: PreviewOutput,
            400: OpenApiResponse(description="bad input, 中文 / English, per field"),
            409: OpenApiResponse(description="the city has no rulebook in effect"),
        },
    )
    def post(self, request, city_code):
        data = request.data
        if not isinstance(data, dict):
            raise InvalidInput("请求体须为 JSON 对象 / the body must be a JSON object")
        version = preview.preview_version(
            user=request.user, city=self.city, version_id=data.get("version")
        )
        enterprise = preview.preview_enterprise(
            user=request.user, city=self.city, pk=data.get("enterprise")
        )
        result = preview.subsidy_preview(
            city=self.city,
            version=version,
            kind=data.get("kind"),
            raw_inputs=data,
            enterprise=enterprise,
        )
        return Response(preview_json(result))
