"""`/api/v1/performance/` GET: the ministry's table as data (a province user: its province's
cities), filters `region` and `batch`; the same rows as /overview/performance/."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from pilot_portal.reporting.national import national_rows
from pilot_portal.reporting.national_views import OVERSEERS_ONLY
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Region

MONEY = {"max_digits": 16, "decimal_places": 2}
SHARE = {"max_digits": 7, "decimal_places": 2, "allow_null": True}


class NationalFilterInput(serializers.Serializer):
    region = serializers.ChoiceField(choices=Region.choices, required=False)
    batch = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


class NationalFlagOutput(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class NationalSectorOutput(serializers.Serializer):
    name = serializers.CharField()
    above = serializers.IntegerField()
    at_level_2 = serializers.IntegerField()
    share = serializers.DecimalField(**SHARE)
    meets = serializers.BooleanField()


class NationalSubmittedOutput(serializers.Serializer):
    kind = serializers.CharField()
    year = serializers.IntegerField()
    version = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    transformed = serializers.DecimalField(**MONEY, allow_null=True)
    above_size_share = serializers.DecimalField(**SHARE)


class NationalRowOutput(serializers.Serializer):
    city = serializers.CharField(source="city.code")
    name = serializers.CharField(source="city.name")
    province = serializers.CharField(source="city.province.code")
    region = serializers.CharField(source="city.region")
    batch_year = serializers.IntegerField(source="city.batch_year")
    transformed = serializers.IntegerField()
    minimum = serializers.IntegerField(allow_null=True)
    progress = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True)
    sectors = NationalSectorOutput(many=True)
    above_size_share = serializers.DecimalField(**SHARE)
    srdi_share = serializers.DecimalField(**SHARE)
    little_giant_share = serializers.DecimalField(**SHARE)
    award_cap = serializers.DecimalField(source="city.award_cap", **MONEY)
    approved = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    enterprise_share = serializers.DecimalField(**SHARE)
    elapsed = serializers.DecimalField(**SHARE)
    flags = NationalFlagOutput(many=True)
    submitted = NationalSubmittedOutput(allow_null=True)


class NationalPerformanceAPI(APIView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        user = request.user
        if not (policy.is_ministry(user) or policy.province_ids(user)):
            raise PermissionDenied(OVERSEERS_ONLY)

    @extend_schema(parameters=[NationalFilterInput], responses=NationalRowOutput(many=True))
    def get(self, request):
        filters = NationalFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        cities = policy.visible_cities(request.user)
        if "region" in filters.validated_data:
            cities = cities.filter(region=filters.validated_data["region"])
        if "batch" in filters.validated_data:
            cities = cities.filter(batch_year=filters.validated_data["batch"])
        return Response(NationalRowOutput(national_rows(cities=cities), many=True).data)
