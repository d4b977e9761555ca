"""Claims: a registered user asks to act for an enterprise; its district officer or the city
confirms, and only then does the user get the enterprise role (nobody acts for an enterprise
they don't belong to)."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from enterprises.models import ClaimStatus, Enterprise, EnterpriseClaim
from pilot_portal.audit.services import audit_record, with_actor
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from pilot_portal.identifiers import InvalidUSCC, parse_uscc
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import City, Role
from pilot_portal.tenancy.services import membership_grant

REVIEWERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER})


@transaction.atomic
def claim_create(*, user, city_code: str, uscc: str, position: str = "") -> EnterpriseClaim:
    city = City.objects.filter(code=city_code).first()
    if city is None:
        raise InvalidInput("没有这个试点城市 / no such pilot city", field="city")
    try:
        code = parse_uscc(uscc).code
    except InvalidUSCC as error:
        raise InvalidInput(str(error), field="uscc") from None
    enterprise = Enterprise.objects.for_city(city).filter(uscc=code).first()
    if enterprise is None:
        raise InvalidInput(
            f"{code} 未在{city.name}登记，请联系所在区县工信部门 / {code} is not registered in "
            f"{city.code}: ask your district bureau to register it",
            field="uscc",
        )
    if policy.membership_in(user, city, Role.ENTERPRISE) and any(
        m.enterprise_id == enterprise.pk for m in policy.memberships(user)
    ):
        raise Conflict("您已是该企业的用户 / you already act for this enterprise", status="member")
    claim = EnterpriseClaim(city=city, enterprise=enterprise, user=user, position=position)
    try:
        with transaction.atomic():
            with_actor(claim, user).save()
    except IntegrityError:
        raise Conflict(
            "您已提交过认领申请，请等待确认 / your claim is already waiting for confirmation",
            status="pending",
        ) from None
    audit_record(actor=user, action="claim.create", city=city, obj=claim,
                 data={"uscc": code, "position": position})  # fmt: skip
    return claim


def claim_list(*, city, user):
    """Claims a reviewer may decide: the district's (district officer) or the city's."""
    return (
        EnterpriseClaim.objects.for_city(city)
        .filter(policy.enterprise_scope(user, city, prefix="enterprise__"))
        .select_related("enterprise__district", "user", "decided_by")
    )


def get_claim_for(user, city, claim_id) -> EnterpriseClaim:
    claim = claim_list(city=city, user=user).filter(pk=claim_id).first()
    if claim is None:
        raise Http404("认领申请不存在 / no such claim")
    return claim


@transaction.atomic
def claim_decide(*, claim: EnterpriseClaim, actor, confirm: bool, comment: str = ""):
    claim = (
        EnterpriseClaim.objects.select_for_update(of=("self",))
        .select_related("enterprise__city", "user")
        .get(pk=claim.pk)
    )
    roles = policy.roles_for_enterprise(actor, claim.enterprise) & REVIEWERS
    if not roles:
        raise NotAllowed("您的角色不能确认认领 / your role may not decide claims")
    if claim.status != ClaimStatus.PENDING:
        raise Conflict(
            f"该申请已{claim.get_status_display()} / the claim was already {claim.status}",
            status=claim.status,
        )
    if not confirm and not comment.strip():
        raise InvalidInput("请填写拒绝理由 / a reason is required to reject", field="comment")
    claim.status = ClaimStatus.CONFIRMED if confirm else ClaimStatus.REJECTED
    claim.decided_by, claim.decided_at, claim.comment = actor, timezone.now(), comment.strip()
    with_actor(claim, actor).save()
    if confirm:
        membership_grant(
            user=claim.user, role=Role.ENTERPRISE, city=claim.city,
            enterprise=claim.enterprise, actor=actor,
        )  # fmt: skip
    audit_record(actor=actor, action=f"claim.{claim.status}", city=claim.city, obj=claim,
                 reason=claim.comment, data={"user": claim.user.username})  # fmt: skip
    transaction.on_commit(lambda: _notify(claim.pk))
    return claim


def _notify(claim_id: int) -> None:
    claim = EnterpriseClaim.objects.select_related("enterprise", "user").get(pk=claim_id)
    if not claim.user.email:
        return
    send_mail(
        subject=f"【试点通】企业认领{claim.get_status_display()} / enterprise claim {claim.status}",
        message=(
            f"您认领{claim.enterprise.name}的申请已{claim.get_status_display()}。"
            f"{claim.comment}\n\nYour claim to act for {claim.enterprise.name} was {claim.status}."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[claim.user.email],
    )
