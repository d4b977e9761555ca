"""Writes to cities and memberships: each names its actor and runs in a transaction."""

from django.db import transaction

from pilot_portal.audit.services import audit_record, with_actor
from pilot_portal.errors import InvalidInput
from pilot_portal.tenancy.models import CITY_ROLES, City, Membership, Role


@transaction.atomic
def membership_grant(
    *,
    user,
    role: str,
    actor,
    city: City | None = None,
    province=None,
    district=None,
    enterprise=None,
    provider=None,
) -> Membership:
    """Give `user` a role (idempotent: an existing identical membership is reactivated)."""
    if role in CITY_ROLES and city is None:
        raise InvalidInput("城市角色必须指定城市 / a city role needs a city", field="city")
    if role == Role.PROVINCE and province is None:
        raise InvalidInput(
            "省级角色必须指定省份 / a province role needs a province", field="province"
        )
    for name, value in (("district", district), ("enterprise", enterprise)):
        if value is not None and value.city_id != getattr(city, "pk", None):
            raise InvalidInput(f"{name} 不属于该城市 / {name} belongs to another city", field=name)
    membership, created = Membership.objects.get_or_create(
        user=user,
        role=role,
        city=city,
        province=province,
        district=district,
        enterprise=enterprise,
        provider=provider,
    )
    if created or not membership.is_active:
        membership.is_active = True
        with_actor(membership, actor).save()
        audit_record(
            actor=actor,
            action="membership.grant",
            city=city,
            obj=membership,
            data={"user": user.username, "role": role},
        )
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, actor, reason: str) -> Membership:
    if not reason.strip():
        raise InvalidInput("撤销角色须说明理由 / revoking a role needs a reason", field="reason")
    membership.is_active = False
    with_actor(membership, actor).save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="membership.revoke",
        city=membership.city,
        obj=membership,
        reason=reason,
        data={"user": membership.user.username, "role": membership.role},
    )
    return membership
