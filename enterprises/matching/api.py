"""Matching under /api/v1/cities/<city>/: an enterprise's demands, matches, shortlist and
ratings; the city's demand versus supply.

The enterprise must be visible to the user (404 otherwise); only its own users write (403).
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from enterprises.matching import selectors, services
from enterprises.models import Demand, Enterprise, ProviderRating, Shortlist
from enterprises.selectors import get_enterprise_for
from pilot_portal.api.base import CityScopedMixin
from providers.catalogue_api import ProductOutputSerializer
from providers.models import Product, Provider, Scenario


class DemandOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Demand
        fields = ["scenario", "source", "note", "created_at"]


class DemandInputSerializer(serializers.Serializer):
    scenarios = serializers.ListField(child=serializers.ChoiceField(choices=Scenario.choices))
    note = serializers.CharField(required=False, allow_blank=True)


class MatchOutputSerializer(ProductOutputSerializer):
    sector_match = serializers.BooleanField(read_only=True)
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(ProductOutputSerializer.Meta):
        fields = [*ProductOutputSerializer.Meta.fields, "sector_match", "reasons"]


class ShortlistOutputSerializer(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name")
    provider = serializers.IntegerField(source="product.provider_id")
    provider_name = serializers.CharField(source="product.provider.name")
    price = serializers.DecimalField(source="product.price", max_digits=14, decimal_places=2)
    offered = serializers.BooleanField(help_text="Still listed and its provider still in the pool.")

    class Meta:
        model = Shortlist
        fields = ["product", "product_name", "provider", "provider_name", "price", "offered",
                  "note", "created_at"]  # fmt: skip


class ShortlistInputSerializer(serializers.Serializer):
    product = serializers.IntegerField(min_value=1)
    note = serializers.CharField(required=False, allow_blank=True)


class RatingOutputSerializer(serializers.ModelSerializer):
    provider_name = serializers.CharField(source="provider.name")

    class Meta:
        model = ProviderRating
        fields = ["id", "provider", "provider_name", "score", "comment", "created_at"]


class RatingInputSerializer(serializers.Serializer):
    provider = serializers.IntegerField(min_value=1)
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True)


class DemandSupplyOutputSerializer(serializers.Serializer):
    scenario = serializers.ChoiceField(choices=Scenario.choices)
    label = serializers.CharField()
    demand = serializers.IntegerField(help_text="Enterprises demanding the scenario.")
    products = serializers.IntegerField(help_text="Listed solutions of pooled providers.")
    providers = serializers.IntegerField(help_text="Distinct pooled providers offering them.")
    thin = serializers.BooleanField()


class EnterpriseScopedAPI(CityScopedMixin, generics.GenericAPIView):
    """Reads need `enterprise.view`; writes the action named in `write_action`."""

    write_action = "demand.edit"
    pagination_class = None
    queryset = Enterprise.objects.none()  # for the schema: `pk` is an enterprise

    def required_action(self):
        return "enterprise.view" if self.request.method == "GET" else self.write_action

    def enterprise(self):
        enterprise = get_enterprise_for(self.request.user, self.city, self.kwargs["pk"])
        enterprise.city = self.city  # already loaded: spare the services a query
        return enterprise


class DemandAPI(EnterpriseScopedAPI):
    serializer_class = DemandOutputSerializer

    @extend_schema(responses=DemandOutputSerializer(many=True))
    def get(self, request, city_code, pk):
        demands = selectors.demand_scenarios(self.enterprise())
        return Response(DemandOutputSerializer(demands, many=True).data)

    @extend_schema(request=DemandInputSerializer, responses=DemandOutputSerializer(many=True))
    def put(self, request, city_code, pk):
        enterprise = self.enterprise()
        data = DemandInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        demands = services.demand_set(
            enterprise=enterprise, actor=request.user,
            scenarios=data.validated_data["scenarios"], note=data.validated_data.get("note", ""),
        )  # fmt: skip
        return Response(DemandOutputSerializer(demands, many=True).data)


class MatchesAPI(EnterpriseScopedAPI):
    """Offered solutions for the enterprise's demanded scenarios, best first."""

    serializer_class = MatchOutputSerializer

    @extend_schema(responses=MatchOutputSerializer(many=True))
    def get(self, request, city_code, pk):
        return Response(MatchOutputSerializer(selectors.matches(self.enterprise()), many=True).data)


class ShortlistAPI(EnterpriseScopedAPI):
    serializer_class = ShortlistOutputSerializer

    @extend_schema(responses=ShortlistOutputSerializer(many=True))
    def get(self, request, city_code, pk):
        rows = selectors.shortlist(self.enterprise())
        return Response(ShortlistOutputSerializer(rows, many=True).data)

    @extend_schema(request=ShortlistInputSerializer, responses={201: ShortlistOutputSerializer})
    def post(self, request, city_code, pk):
        enterprise = self.enterprise()
        data = ShortlistInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = Product.objects.for_city(self.city).filter(pk=data.validated_data["product"])
        if not product.exists():
            raise serializers.ValidationError({"product": ["产品不存在 / no such solution"]})
        entry = services.shortlist_add(
            enterprise=enterprise, actor=request.user, product=product.get(),
            note=data.validated_data.get("note", ""),
        )  # fmt: skip
        row = selectors.shortlist(enterprise).get(pk=entry.pk)
        return Response(ShortlistOutputSerializer(row).data, status=201)


class ShortlistItemAPI(EnterpriseScopedAPI):
    serializer_class = ShortlistOutputSerializer

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, city_code, pk, product_id):
        enterprise = self.enterprise()
        entry = (
            Shortlist.objects.filter(enterprise=enterprise, product_id=product_id)
            .select_related("product")
            .first()
        )
        if entry is None:
            raise Http404("候选清单中没有此方案 / not on the shortlist")
        services.shortlist_remove(enterprise=enterprise, actor=request.user, product=entry.product)
        return Response(status=204)


class RatingAPI(EnterpriseScopedAPI):
    serializer_class = RatingOutputSerializer
    write_action = "rating.create"

    @extend_schema(responses=RatingOutputSerializer(many=True))
    def get(self, request, city_code, pk):
        rows = selectors.ratings(self.enterprise())
        return Response(RatingOutputSerializer(rows, many=True).data)

    @extend_schema(request=RatingInputSerializer, responses={201: RatingOutputSerializer})
    def post(self, request, city_code, pk):
        enterprise = self.enterprise()
        data = RatingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        provider = Provider.objects.filter(pk=data.validated_data["provider"]).first()
        if provider is None:
            raise serializers.ValidationError({"provider": ["服务商不存在 / no such provider"]})
        rating = services.rating_create(
            enterprise=enterprise, actor=request.user, provider=provider,
            score=data.validated_data["score"], comment=data.validated_data.get("comment", ""),
        )  # fmt: skip
        return Response(RatingOutputSerializer(rating).data, status=201)


class DemandSupplyAPI(CityScopedMixin, generics.GenericAPIView):
    """Per scenario: enterprises demanding it against listed solutions and providers."""

    action_required = "demand.overview"
    serializer_class = DemandSupplyOutputSerializer
    pagination_class = None
    queryset = Demand.objects.none()  # for the schema

    @extend_schema(responses=DemandSupplyOutputSerializer(many=True))
    def get(self, request, city_code):
        rows = selectors.demand_supply(self.city)
        return Response(DemandSupplyOutputSerializer(rows, many=True).data)
