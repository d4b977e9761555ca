"""What every page's header needs: the user's memberships and the city in view."""

from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Role


def _provider_home_in_nav(user) -> bool:
    # Only provider users (or users with no city yet) can be provider staff: others skip the query.
    roles = {m.role for m in policy.memberships(user)}
    return (not roles or Role.PROVIDER in roles) and policy.is_provider_staff(user)


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    city = getattr(request, "city", None)
    jobs_in_nav = city is not None and (
        policy.can(user, "job.start", city=city) or policy.can(user, "job.view_all", city=city)
    )
    own = policy.membership_in(user, city, Role.ENTERPRISE) if city else None
    return {
        "portal_nav_jobs": jobs_in_nav,
        "portal_own_enterprise_id": own.enterprise_id if own else None,
        "portal_nav_enterprises": city is not None
        and own is None
        and policy.can(user, "enterprise.view", city=city),
        "portal_nav_claims": city is not None and policy.can(user, "claim.review", city=city),
        "portal_nav_exclusions": city is not None and policy.can(user, "exclusion.view", city=city),
        "portal_nav_national_exclusions": policy.can_nationally(user, "exclusion.view"),
        "portal_nav_applications": city is not None
        and policy.can(user, "application.view", city=city),
        "portal_nav_providers": city is not None and policy.can(user, "provider.view", city=city),
        "portal_nav_reviews": city is not None and policy.can(user, "provider.score", city=city),
        "portal_nav_matching": city is not None and policy.can(user, "demand.edit", city=city),
        "portal_nav_demand_supply": city is not None
        and policy.can(user, "demand.overview", city=city),
        "portal_nav_provider_home": _provider_home_in_nav(user),
        "portal_nav_projects": city is not None and policy.can(user, "project.view", city=city),
        "portal_nav_monitoring": city is not None
        and policy.can(user, "project.monitor", city=city),
        "portal_nav_assessments": city is not None
        and policy.can(user, "assessment.view", city=city),
        "portal_nav_assessment_statistics": city is not None
        and policy.can(user, "assessment.statistics", city=city),
        "portal_nav_subsidies": city is not None and policy.can(user, "subsidy.view", city=city),
        "portal_nav_subsidy_funds": city is not None
        and policy.can(user, "subsidy.funds", city=city),
        "portal_nav_subsidy_calculator": city is not None
        and policy.can(user, "subsidy.preview", city=city),
        "portal_nav_verification": city is not None
        and policy.can(user, "verification.view", city=city),
        "portal_nav_national_verification": policy.can_nationally(user, "verification.run"),
        "portal_nav_performance": city is not None
        and policy.can(user, "indicator.view", city=city),
        "portal_memberships": policy.memberships(user),
        "portal_city": city,
        "portal_roles": sorted(policy.roles_in(user, city)) if city else [],
        "portal_active_membership_id": request.session.get("membership_id"),
        "portal_overseer": policy.is_ministry(user) or bool(policy.province_ids(user)),
    }
