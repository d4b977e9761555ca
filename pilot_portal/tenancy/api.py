"""Cities and their reference data (sectors, districts, batches)."""

from django_filters import rest_framework as filters
from rest_framework import generics, serializers, viewsets

from pilot_portal.api.base import CityScopedMixin
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Batch, City, District, Region, Sector, Tier


class CityOutputSerializer(serializers.ModelSerializer):
    province = serializers.CharField(source="province.code")
    province_name = serializers.CharField(source="province.name")

    class Meta:
        model = City
        fields = [
            "code",
            "name",
            "name_en",
            "province",
            "province_name",
            "region",
            "tier",
            "batch_year",
            "award_cap",
            "local_matching_ratio",
            "period_start",
            "period_end",
            "enterprises_target",
        ]


class CityFilter(filters.FilterSet):
    region = filters.ChoiceFilter(choices=Region.choices)
    tier = filters.ChoiceFilter(choices=Tier.choices)
    province = filters.CharFilter(field_name="province__code")

    class Meta:
        model = City
        fields = ["region", "tier", "province", "batch_year"]


class CityViewSet(viewsets.ReadOnlyModelViewSet):
    """The cities the user may see; one city by its code."""

    serializer_class = CityOutputSerializer
    filterset_class = CityFilter
    search_fields = ["code", "name", "name_en"]
    ordering_fields = ["code", "batch_year", "award_cap"]
    lookup_field = "code"
    lookup_url_kwarg = "city_code"

    def get_queryset(self):
        return policy.visible_cities(self.request.user).select_related("province").order_by("code")


class SectorOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sector
        fields = ["code", "name", "gbt_code"]


class DistrictOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = District
        fields = ["code", "name"]


class BatchOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Batch
        fields = ["id", "name", "year", "opens", "closes"]


class ReferenceListView(CityScopedMixin, generics.ListAPIView):
    """A city's reference list: small, so returned whole rather than paginated."""

    action_required = "reference.view"
    pagination_class = None
    filter_backends = []
    model = None

    def get_queryset(self):
        return self.model.objects.for_city(self.city)


class SectorListView(ReferenceListView):
    model = Sector
    serializer_class = SectorOutputSerializer


class DistrictListView(ReferenceListView):
    model = District
    serializer_class = DistrictOutputSerializer


class BatchListView(ReferenceListView):
    model = Batch
    serializer_class = BatchOutputSerializer
