"""DRF's standard error bodies, extended to the portal's service errors."""

from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from pilot_portal.errors import Conflict, PortalError


def portal_exception_handler(exc, context):
    if isinstance(exc, PortalError):
        body = {exc.field: [exc.message]} if exc.field else {"detail": exc.message}
        if isinstance(exc, Conflict):
            body.update({k: v for k, v in exc.extra.items() if k == "status"})
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        message = str(exc) or "未找到 / not found"
        return Response({"detail": message}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, exceptions.NotAuthenticated):
        exc.detail = "未登录或缺少凭据 / authentication credentials were not provided"
    return exception_handler(exc, context)
