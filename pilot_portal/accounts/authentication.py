"""Token authentication whose tokens expire (TOKEN_TTL_HOURS)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


def token_expired(token) -> bool:
    return token.created < timezone.now() - timedelta(hours=settings.TOKEN_TTL_HOURS)


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise AuthenticationFailed(
                "令牌已过期，请重新获取 / the token has expired, obtain a new one"
            )
        return user, token
