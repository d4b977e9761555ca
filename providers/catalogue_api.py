"""products/ under /api/v1/cities/<city>/: the 小快轻准 catalogue (API.md)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from pilot_portal.api.base import CityScopedMixin
from pilot_portal.tenancy.models import Sector
from providers import catalogue, selectors
from providers.catalogue import MAX_PRICE
from providers.models import Deployment, Product, ProductStatus, Provider, Scenario
from providers.selectors import ORDERINGS


class ProductOutputSerializer(serializers.ModelSerializer):
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    sectors = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    rating = serializers.DecimalField(
        max_digits=3, decimal_places=2, read_only=True, allow_null=True,
        help_text="The provider's average rating in the city (null when unrated).",
    )  # fmt: skip

    class Meta:
        model = Product
        fields = [
            "id", "provider", "provider_name", "name", "scenario", "sectors", "price",
            "price_unit", "deployment", "description", "cases", "status", "rating",
        ]  # fmt: skip


class ProductInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    scenario = serializers.ChoiceField(choices=Scenario.choices)
    sectors = serializers.ListField(child=serializers.CharField(max_length=16), required=False)
    price = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, max_value=MAX_PRICE
    )
    price_unit = serializers.CharField(max_length=32, required=False, allow_blank=True)
    deployment = serializers.ChoiceField(choices=Deployment.choices)
    description = serializers.CharField()
    cases = serializers.CharField(required=False, allow_blank=True)
    provider = serializers.IntegerField(
        required=False, min_value=1, help_text="Needed only by a user acting for several providers."
    )


class ProductFilterInput(serializers.Serializer):
    """The catalogue's query parameters, checked: a malformed filter is a 400, never a crash."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=100)
    scenario = serializers.ChoiceField(choices=Scenario.choices, required=False, allow_blank=True)
    sector = serializers.CharField(required=False, allow_blank=True, help_text="sector code")
    deployment = serializers.ChoiceField(
        choices=Deployment.choices, required=False, allow_blank=True
    )
    price_min = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False
    )
    price_max = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False
    )
    min_rating = serializers.DecimalField(
        max_digits=3, decimal_places=2, min_value=1, max_value=5, required=False
    )
    status = serializers.ChoiceField(
        choices=ProductStatus.choices, required=False, allow_blank=True
    )
    provider = serializers.IntegerField(required=False, min_value=1, source="provider_id")
    order = serializers.ChoiceField(choices=list(ORDERINGS), required=False)

    def validate_sector(self, value):
        city = self.context["city"]
        if value and not Sector.objects.for_city(city).filter(code=value).exists():
            raise serializers.ValidationError(f"{city.name}没有此行业 / unknown sector")
        return value

    def validate(self, data):
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError(
                {"price_max": "最高价低于最低价 / price_max is below price_min"}
            )
        return data


class ListingInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True)


def _product(view, pk) -> Product:
    """A solution the user may see in the city: 404 for a hidden one or another city's."""
    product = selectors.product_search(city=view.city, user=view.request.user).filter(pk=pk).first()
    if product is None:
        raise Http404("产品不存在 / no such solution")
    return product


class ProductListAPI(CityScopedMixin, generics.ListAPIView):
    """The catalogue as this user sees it; POST publishes a solution (a pooled provider)."""

    serializer_class = ProductOutputSerializer
    filter_backends = []  # the selector filters

    def required_action(self):
        return "product.create" if self.request.method == "POST" else "product.view"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Product.objects.none()
        filters = ProductFilterInput(data=self.request.query_params, context={"city": self.city})
        filters.is_valid(raise_exception=True)
        return selectors.product_search(
            city=self.city, user=self.request.user, **filters.validated_data
        )

    @extend_schema(parameters=[ProductFilterInput])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ProductInputSerializer, responses={201: ProductOutputSerializer})
    def post(self, request, *args, **kwargs):
        data = ProductInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        provider_id = values.pop("provider", None)
        provider = Provider.objects.filter(pk=provider_id).first() if provider_id else None
        product = catalogue.product_create(
            city=self.city, actor=request.user, data=values, provider=provider
        )
        return Response(ProductOutputSerializer(_product(self, product.pk)).data, status=201)


class ProductDetailAPI(CityScopedMixin, generics.GenericAPIView):
    serializer_class = ProductOutputSerializer

    def required_action(self):
        return "product.create" if self.request.method == "PATCH" else "product.view"

    def get(self, request, city_code, pk):
        return Response(ProductOutputSerializer(_product(self, pk)).data)

    @extend_schema(request=ProductInputSerializer, responses=ProductOutputSerializer)
    def patch(self, request, city_code, pk):
        product = _product(self, pk)
        data = ProductInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("provider", None)  # a solution keeps its provider
        catalogue.product_update(product=product, actor=request.user, data=values)
        return Response(ProductOutputSerializer(_product(self, pk)).data)


class ProductListingAPI(CityScopedMixin, generics.GenericAPIView):
    """The city admin lists a solution (`list/`) or unlists it with a `reason` (`unlist/`)."""

    action_required = "product.review"
    serializer_class = ProductOutputSerializer
    listed = True

    @extend_schema(request=ListingInput, responses=ProductOutputSerializer)
    def post(self, request, city_code, pk):
        product = _product(self, pk)
        data = ListingInput(data=request.data)
        data.is_valid(raise_exception=True)
        catalogue.product_set_listed(
            product=product, actor=request.user, listed=self.listed,
            reason=data.validated_data.get("reason", ""),
        )  # fmt: skip
        return Response(ProductOutputSerializer(_product(self, pk)).data)
