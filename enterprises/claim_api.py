"""Claims in the API: /api/v1/claims/ for the claimant, cities/<city>/claims/ for reviewers."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from enterprises import claims
from enterprises.models import EnterpriseClaim
from pilot_portal.api.base import CityScopedMixin


class ClaimOutputSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="city.code")
    uscc = serializers.CharField(source="enterprise.uscc")
    enterprise_name = serializers.CharField(source="enterprise.name")
    user = serializers.CharField(source="user.username")
    decided_by = serializers.CharField(source="decided_by.username", default=None)

    class Meta:
        model = EnterpriseClaim
        fields = ["id", "city", "enterprise", "enterprise_name", "uscc", "user", "position",
                  "status", "decided_by", "decided_at", "comment", "created_at"]  # fmt: skip


class ClaimInputSerializer(serializers.Serializer):
    city = serializers.CharField()
    uscc = serializers.CharField()
    position = serializers.CharField(required=False, allow_blank=True, default="")


class DecisionInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class MyClaimsAPI(APIView):
    """Any signed-in user: claim an enterprise of a pilot city, and follow the claims."""

    @extend_schema(responses=ClaimOutputSerializer(many=True))
    def get(self, request):
        own = EnterpriseClaim.objects.filter(user=request.user).select_related(
            "city", "enterprise", "user", "decided_by"
        )
        return Response(ClaimOutputSerializer(own, many=True).data)

    @extend_schema(request=ClaimInputSerializer, responses={201: ClaimOutputSerializer})
    def post(self, request):
        data = ClaimInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = claims.claim_create(
            user=request.user, city_code=data.validated_data["city"],
            uscc=data.validated_data["uscc"], position=data.validated_data["position"],
        )  # fmt: skip
        return Response(ClaimOutputSerializer(claim).data, status=status.HTTP_201_CREATED)


class CityClaimsAPI(CityScopedMixin, APIView):
    action_required = "claim.review"

    @extend_schema(responses=ClaimOutputSerializer(many=True))
    def get(self, request, city_code):
        pending = claims.claim_list(city=self.city, user=request.user).select_related("city")
        return Response(ClaimOutputSerializer(pending[:500], many=True).data)


class ClaimDecisionAPI(CityScopedMixin, APIView):
    action_required = "claim.review"
    confirm = True

    @extend_schema(request=DecisionInputSerializer, responses=ClaimOutputSerializer)
    def post(self, request, city_code, pk):
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = claims.get_claim_for(request.user, self.city, pk)
        claim = claims.claim_decide(
            claim=claim, actor=request.user, confirm=self.confirm, **data.validated_data
        )
        return Response(ClaimOutputSerializer(claim).data)
