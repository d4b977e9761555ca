"""Home pages: each role's landing page in a city, and the overseers' overview."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views import View

from pilot_portal.jobs.registry import all_kinds
from pilot_portal.jobs.selectors import job_list
from pilot_portal.reporting import selectors
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Role
from pilot_portal.tenancy.views import CityPageMixin

# When a user holds several roles in one city, the home page shows the first of these.
ROLE_PRECEDENCE = [
    Role.CITY_ADMIN,
    Role.FINANCE_OFFICER,
    Role.DISTRICT_OFFICER,
    Role.AUDITOR,
    Role.ASSESSOR,
    Role.EXPERT,
    Role.PROVIDER,
    Role.ENTERPRISE,
    Role.MINISTRY,
    Role.PROVINCE,
]


class CityHomeView(CityPageMixin):
    def get(self, request, city_code):
        city, user = request.city, request.user
        active_id = request.session.get("membership_id")
        roles = request.city_roles
        own = [m for m in policy.memberships(user) if m.city_id == city.pk]
        membership = next((m for m in own if m.pk == active_id), None) or next(
            (m for r in ROLE_PRECEDENCE for m in own if m.role == r), None
        )
        role = membership.role if membership else next(r for r in ROLE_PRECEDENCE if r in roles)
        context = {
            "city": city,
            "role": role,
            "role_label": Role(role).label,
            "membership": membership,
            "counts": selectors.city_home_counts(city=city, membership=membership),
            "batches": list(city.batches.order_by("opens")),
            "recent_jobs": list(job_list(city=city, user=user)[:5]),
            "job_kinds": [k for k in all_kinds() if roles & k.roles],
            "can_view_members": policy.can(user, "members.view", city=city),
        }
        return render(request, "reporting/city_home.html", context)


class OverviewView(LoginRequiredMixin, View):
    """Ministry: every city; province: its province's cities. Read-only."""

    def get(self, request):
        if not (policy.is_ministry(request.user) or policy.province_ids(request.user)):
            raise PermissionDenied("仅部委和省级用户可查看 / for ministry and province users only")
        cities = selectors.city_list_for_overview(cities=policy.visible_cities(request.user))
        return render(request, "reporting/overview.html", {"cities": cities})
