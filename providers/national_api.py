"""The national provider API at /api/v1/provider/: a provider's own profile, cases, its
standing in every city, and the selection rounds open today.

No city in the URL: a provider is national. Each view answers for the providers the signed-in
user is staff of (`Provider.staff`), nothing else.
"""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from providers import services
from providers.models import Provider, ProviderSelection, SelectionRound
from providers.serializers import (
    OpenRoundOutputSerializer,
    ProfileQueryInput,
    ProviderApplicationOutputSerializer,
    ProviderCaseInputSerializer,
    ProviderCaseOutputSerializer,
    ProviderProfileInputSerializer,
    ProviderProfileOutputSerializer,
)

PROVIDER_PARAMETER = OpenApiParameter(
    "provider", int, description="provider id, for a user acting for several providers"
)


def own_provider(request) -> Provider:
    """The provider the user acts for (`?provider=<id>` picks one of several): 404 for none."""
    query = ProfileQueryInput(data=request.query_params)
    query.is_valid(raise_exception=True)
    providers = Provider.objects.filter(staff=request.user).prefetch_related("cases")
    if "provider" in query.validated_data:
        providers = providers.filter(pk=query.validated_data["provider"])
    provider = providers.order_by("name", "pk").first()
    if provider is None:
        raise Http404("您尚未登记为服务商 / you do not act for a registered provider")
    return provider


class ProfileAPI(APIView):
    """GET the provider's national profile, POST register one, PATCH edit it."""

    @extend_schema(parameters=[PROVIDER_PARAMETER], responses=ProviderProfileOutputSerializer)
    def get(self, request):
        return Response(ProviderProfileOutputSerializer(own_provider(request)).data)

    @extend_schema(
        request=ProviderProfileInputSerializer, responses={201: ProviderProfileOutputSerializer}
    )
    def post(self, request):
        data = ProviderProfileInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        provider = services.provider_register(user=request.user, data=data.validated_data)
        return Response(
            ProviderProfileOutputSerializer(provider).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        parameters=[PROVIDER_PARAMETER],
        request=ProviderProfileInputSerializer,
        responses=ProviderProfileOutputSerializer,
    )
    def patch(self, request):
        provider = own_provider(request)
        data = ProviderProfileInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = {k: v for k, v in data.validated_data.items() if k != "uscc"}  # never edited
        provider = services.provider_update(provider=provider, actor=request.user, data=changes)
        provider = Provider.objects.prefetch_related("cases").get(pk=provider.pk)
        return Response(ProviderProfileOutputSerializer(provider).data)


class CaseListAPI(APIView):
    """The reference cases on the provider's profile; a city application picks some."""

    @extend_schema(
        parameters=[PROVIDER_PARAMETER], responses=ProviderCaseOutputSerializer(many=True)
    )
    def get(self, request):
        provider = own_provider(request)
        return Response(ProviderCaseOutputSerializer(provider.cases.all(), many=True).data)

    @extend_schema(
        parameters=[PROVIDER_PARAMETER],
        request=ProviderCaseInputSerializer,
        responses={201: ProviderCaseOutputSerializer},
    )
    def post(self, request):
        provider = own_provider(request)
        data = ProviderCaseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_add(provider=provider, actor=request.user, data=data.validated_data)
        return Response(ProviderCaseOutputSerializer(case).data, status=status.HTTP_201_CREATED)


class ApplicationListAPI(APIView):
    """The user's providers' applications in every city, each with that city's status."""

    @extend_schema(responses=ProviderApplicationOutputSerializer(many=True))
    def get(self, request):
        rows = (
            ProviderSelection.objects.filter(provider__staff=request.user)
            .select_related("city", "provider", "round")
            .order_by("city__code", "-created_at", "-pk")
        )
        return Response(ProviderApplicationOutputSerializer(rows, many=True).data)


class OpenRoundListAPI(APIView):
    """Selection rounds open today in every city, so a provider knows where to apply."""

    @extend_schema(responses=OpenRoundOutputSerializer(many=True))
    def get(self, request):
        if not Provider.objects.filter(staff=request.user).exists():
            raise PermissionDenied("只有服务商可以查看 / for providers' staff only")
        today = timezone.localdate()
        rounds = (
            SelectionRound.objects.filter(opens__lte=today, closes__gte=today)
            .select_related("city")
            .order_by("closes", "city__code", "pk")
        )
        return Response(OpenRoundOutputSerializer(rounds, many=True).data)
