"""The base of every page under /c/<city>/."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.views import View

from pilot_portal.tenancy import policy


class CityPageMixin(LoginRequiredMixin, View):
    """Log in first, then resolve the city from the URL: 404 when the user can't see it.

    `action_required` names the policy action every request needs (403 otherwise).
    """

    action_required = "city.view"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        request.city = policy.city_for(request.user, kwargs["city_code"])
        request.city_roles = policy.roles_in(request.user, request.city)
        if self.action_required and not policy.can(
            request.user, self.action_required, city=request.city
        ):
            raise PermissionDenied("您的角色无权访问此页面 / your role may not open this page")
        return super().dispatch(request, *args, **kwargs)
