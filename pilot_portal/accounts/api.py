"""API authentication (tokens) and `me/`."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from pilot_portal.accounts.authentication import token_expired
from pilot_portal.tenancy import policy


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for a token; an expired token is replaced."""

    @extend_schema(responses=TokenOutputSerializer)
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # django-axes marks the request it saw (DRF's wrapper) when the account is locked.
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {
                        "detail": "登录失败次数过多，账户已锁定 15 分钟 / too many failed logins: "
                        "the account is locked for 15 minutes"
                    },
                    status=429,
                )
            raise ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        if token_expired(token):
            token.delete()
            token = Token.objects.create(user=user)
        return Response({"token": token.key})


class MembershipOutputSerializer(serializers.Serializer):
    city = serializers.CharField(source="city.code", allow_null=True, default=None)
    province = serializers.CharField(source="province.code", allow_null=True, default=None)
    role = serializers.CharField()
    enterprise = serializers.IntegerField(source="enterprise_id", allow_null=True)
    provider = serializers.IntegerField(source="provider_id", allow_null=True)
    district = serializers.CharField(source="district.code", allow_null=True, default=None)


class MeOutputSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")
    memberships = MembershipOutputSerializer(many=True)


class MeView(APIView):
    @extend_schema(responses=MeOutputSerializer)
    def get(self, request):
        user = request.user
        data = {
            "username": user.username,
            "get_full_name": user.get_full_name(),
            "memberships": policy.memberships(user),
        }
        return Response(MeOutputSerializer(data).data)
