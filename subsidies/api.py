"""subsidy-claims/, projects/{id}/subsidy/ and subsidy-funds/ under /api/v1/cities/<city>/
(API.md "Subsidies").

Which claims a user sees is `policy.subsidy_claim_scope` (anything else is 404); who may do
what is the services' rule (403) and what the status allows too (409, naming the status).
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from enterprises.models import Enterprise, Project
from pilot_portal.api.base import CityScopedMixin
from pilot_portal.errors import InvalidInput
from pilot_portal.tenancy import policy
from providers.models import Provider
from subsidies import selectors, services
from subsidies.funds import fund_status
from subsidies.serializers import (
    SubsidyClaimActionInput,
    SubsidyClaimCreateInput,
    SubsidyClaimDetailOutput,
    SubsidyClaimOutput,
    SubsidyFundStatusOutput,
)

CONFLICT = OpenApiResponse(description="Not allowed in the current state / 状态冲突")


class ClaimMixin(CityScopedMixin):
    action_required = "subsidy.view"
    filter_backends = []  # the selectors filter

    def detail_response(self, pk, status=200) -> Response:
        claim = selectors.claim_detail(self.request.user, self.city, pk)
        body = SubsidyClaimDetailOutput(claim, context=self.get_serializer_context())
        return Response(body.data, status=status)


class ClaimListAPI(ClaimMixin, generics.ListAPIView):
    """GET the claims the user sees (filters `kind`, `status`, `enterprise`, `project`,
    `provider`, `q`); POST an award claim under any line of the city's rulebook (city admin)."""

    serializer_class = SubsidyClaimOutput

    def required_action(self):
        return "subsidy.compute" if self.request.method == "POST" else "subsidy.view"

    def get_queryset(self):
        return selectors.claim_list(self.request.user, self.city, self.request.query_params)

    @extend_schema(request=SubsidyClaimCreateInput, responses={201: SubsidyClaimDetailOutput})
    def post(self, request, city_code):
        data = SubsidyClaimCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        claim = services.claim_create(
            request.user,
            city=self.city,
            kind=values["kind"],
            enterprise=_in_city(Enterprise.objects.for_city(self.city), values.get("enterprise"),
                                "enterprise"),
            provider=_in_city(Provider.objects.all(), values.get("provider"), "provider"),
            chain_case=_in_city(self.city.chain_cases.all(), values.get("chain_case"),
                                "chain_case"),
            year=values.get("year"),
            inputs=values.get("inputs") or {},
        )  # fmt: skip
        return self.detail_response(claim.pk, status=201)


def _in_city(queryset, pk, field):
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise InvalidInput(f"{field} #{pk} 不存在 / no such {field} in this city", field=field)
    return found


class ClaimDetailAPI(ClaimMixin, generics.GenericAPIView):
    serializer_class = SubsidyClaimDetailOutput

    def get(self, request, city_code, pk):
        return self.detail_response(pk)


class ClaimActionAPI(ClaimMixin, generics.GenericAPIView):
    """POST `approve` (city admin, optional `comment`), `disburse` (finance officer, `amount`,
    `reference`, optional `paid_on`), `void` (city admin, `reason`, `fraud`), `recompute`
    (city admin, optional corrected `inputs`), `refund` (finance, on a voided claim)."""

    serializer_class = SubsidyClaimDetailOutput
    claim_action = ""  # set by the URL

    @extend_schema(
        request=SubsidyClaimActionInput, responses={200: SubsidyClaimDetailOutput, 409: CONFLICT}
    )
    def post(self, request, city_code, pk):
        claim = selectors.claim_detail(request.user, self.city, pk)
        data = SubsidyClaimActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        user = request.user
        if self.claim_action == "approve":
            services.claim_approve(user, claim, comment=v["comment"])
        elif self.claim_action == "disburse":
            services.claim_disburse(user, claim, amount=v["amount"], reference=v["reference"],
                                    paid_on=v["paid_on"])  # fmt: skip
        elif self.claim_action == "void":
            services.claim_void(user, claim, reason=v["reason"] or v["comment"], fraud=v["fraud"])
        elif self.claim_action == "recompute":
            services.claim_recompute(user, claim, inputs=v["inputs"])
        elif self.claim_action == "refund":
            services.clawback_refund(user, claim, amount=v["amount"], reference=v["reference"],
                                     paid_on=v["paid_on"])  # fmt: skip
        else:  # pragma: no cover - the URLs name only the actions above
            raise Http404
        return self.detail_response(pk)


class ProjectSubsidyAPI(ClaimMixin, generics.GenericAPIView):
    """POST: compute (or recompute) the project's transformation claim from its locked
    acceptance assessment and eligible investment (city admin). 201 when a claim or a new
    computation was made, 200 when nothing changed."""

    serializer_class = SubsidyClaimDetailOutput
    action_required = "project.view"

    @extend_schema(
        request=None, responses={200: SubsidyClaimDetailOutput, 201: SubsidyClaimDetailOutput}
    )
    def post(self, request, city_code, pk):
        project = (
            Project.objects.for_city(self.city)
            .filter(policy.project_scope(request.user, self.city), pk=pk)
            .select_related("city", "enterprise")
            .first()
        )
        if project is None:
            raise Http404("项目不存在 / no such project")
        claim, changed = services.claim_for_project(request.user, project)
        return self.detail_response(claim.pk, status=201 if changed else 200)


class FundStatusAPI(CityScopedMixin, generics.GenericAPIView):
    """GET the city's fund pools against its claims: allocated, approved, paid, remaining, by
    fund use and rule line, the 20 % ecosystem cap and the enterprise share."""

    action_required = "subsidy.funds"
    serializer_class = SubsidyFundStatusOutput

    def get(self, request, city_code):
        return Response(SubsidyFundStatusOutput(fund_status(self.city)).data)


ACTIONS = ("approve", "disburse", "void", "recompute", "refund")


class ClaimsRecomputeAPI(CityScopedMixin, generics.GenericAPIView):
    """POST: recompute every computed claim of the city under today's rulebook (city admin);
    answers how many claims were looked at and how many got a new computation."""

    action_required = "subsidy.compute"

    @extend_schema(
        operation_id="subsidy_claims_recompute_all",
        request=None,
        responses={200: OpenApiResponse(description="summary")},
    )
    def post(self, request, city_code):
        return Response(services.claims_recompute(request.user, self.city))
