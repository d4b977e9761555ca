"""The city-scoped base every API view under /api/v1/cities/<city>/ uses."""

from rest_framework.exceptions import PermissionDenied

from pilot_portal.tenancy import policy


class CityScopedMixin:
    """Resolve `city_code` from the URL after authentication: 404 for a city the user can't see.

    Subclasses name `action_required` (a policy action) checked for every request, or
    override `required_action()` per HTTP method.
    """

    action_required: str = "city.view"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication (401) comes first
        request.city = self.city = policy.city_for(request.user, kwargs["city_code"])
        action = self.required_action()
        if action and not policy.can(request.user, action, city=self.city):
            raise PermissionDenied("您的角色无权执行此操作 / your role may not do this")

    def required_action(self) -> str | None:
        return self.action_required
