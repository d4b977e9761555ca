"""Writes to the registry and the enrolment workflow; each names its actor."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from enterprises.exclusions import exclusions_apply
from enterprises.models import Application, ApplicationTransition, Enterprise
from enterprises.workflow import DECISIONS, TRANSITIONS, check_transition
from pilot_portal.audit.services import audit_record, with_actor
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from pilot_portal.identifiers import InvalidUSCC, parse_uscc
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Batch, District, Role, Sector

PROFILE_FIELDS = (
    "name", "size", "srdi", "legal_representative", "contact_name", "contact_phone",
    "contact_email", "address", "employees", "description",
)  # fmt: skip
# Flags only the city sets: an enterprise cannot clear its own exclusion.
CITY_FIELDS = (
    "central_fund_little_giant",
    "in_2022_pilot",
    "blacklisted_until",
    "blacklist_reason",
)


def _reference(model, city, code, field):
    if code in (None, ""):
        return None
    found = model.objects.for_city(city).filter(code=code).first()
    if found is None:
        raise InvalidInput(
            f"{city.name}没有代码为 {code} 的{model._meta.verbose_name} / "
            f"{city.code} has no {field} with code {code}",
            field=field,
        )
    return found


def _apply(enterprise, data: dict, fields) -> None:
    for name in fields:
        if name in data:
            setattr(enterprise, name, data[name])
    if "district" in data:
        enterprise.district = _reference(District, enterprise.city, data["district"], "district")
    if "sector" in data:
        enterprise.sector = _reference(Sector, enterprise.city, data["sector"], "sector")


@transaction.atomic
def enterprise_create(*, city, actor, data: dict) -> Enterprise:
    """Register an enterprise in `city` by its credit code (validated, unique in the city)."""
    try:
        uscc = parse_uscc(data.get("uscc", "")).code
    except InvalidUSCC as error:
        raise InvalidInput(str(error), field="uscc") from None
    if Enterprise.objects.for_city(city).filter(uscc=uscc).exists():
        raise InvalidInput(
            f"统一社会信用代码 {uscc} 已在本市登记 / {uscc} is already registered in this city",
            field="uscc",
        )
    enterprise = Enterprise(city=city, uscc=uscc)
    _apply(enterprise, data, PROFILE_FIELDS + CITY_FIELDS)
    with_actor(enterprise, actor).save()
    if exclusions_apply(city=city, usccs=[uscc]):  # already on an exclusion list
        enterprise.refresh_from_db()
    audit_record(actor=actor, action="enterprise.create", city=city, obj=enterprise,
                 data={"uscc": uscc, "name": enterprise.name})  # fmt: skip
    return enterprise


@transaction.atomic
def enterprise_update(*, enterprise: Enterprise, actor, data: dict) -> Enterprise:
    """Edit the profile; only the city may change district, sector and exclusion flags."""
    roles = policy.roles_for_enterprise(actor, enterprise)
    if not roles & {Role.CITY_ADMIN, Role.ENTERPRISE}:
        raise NotAllowed("您的角色不能修改企业信息 / your role may not edit this enterprise")
    city_only = {"district", "sector", *CITY_FIELDS} & set(data)
    if city_only and Role.CITY_ADMIN not in roles:
        raise NotAllowed(
            f"仅市级管理员可修改：{', '.join(sorted(city_only))} / "
            f"only the city administrator may change: {', '.join(sorted(city_only))}"
        )
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    _apply(enterprise, data, PROFILE_FIELDS + CITY_FIELDS)
    with_actor(enterprise, actor).save()
    return enterprise


def exclusion_reasons(enterprise: Enterprise, *, today=None) -> list[str]:
    """Why this enterprise may not receive a subsidy (empty when it may)."""
    today = today or timezone.localdate()
    reasons = []
    if enterprise.central_fund_little_giant:
        reasons.append("已获中央财政支持的专精特新“小巨人” / little giant already funded centrally")
    if enterprise.in_2022_pilot:
        reasons.append("已纳入2022年数字化转型试点 / already in the 2022 transformation pilot")
    if enterprise.blacklisted_until and enterprise.blacklisted_until >= today:
        reasons.append(
            f"失信限制至 {enterprise.blacklisted_until} / blacklisted until "
            f"{enterprise.blacklisted_until}"
        )
    return reasons


def _check_batch_open(batch: Batch, roles) -> None:
    # The city may enter a late paper application; enterprises apply within the window.
    if Role.CITY_ADMIN not in roles and not batch.is_open(timezone.localdate()):
        raise Conflict(
            f"{batch.name}申报时间为 {batch.opens} 至 {batch.closes}，当前不在申报期内 / "
            f"{batch.name} accepts applications from {batch.opens} to {batch.closes}",
            status="closed",
        )


@transaction.atomic
def application_create(*, enterprise: Enterprise, batch: Batch, actor, declarations=None):
    """Open a draft application of `enterprise` to `batch` (once per batch)."""
    roles = policy.roles_for_enterprise(actor, enterprise)
    if not roles & {Role.CITY_ADMIN, Role.ENTERPRISE}:
        raise NotAllowed("您的角色不能为该企业申报 / your role may not apply for this enterprise")
    if batch.city_id != enterprise.city_id:
        raise InvalidInput("批次不属于该企业所在城市 / the batch belongs to another city",
                           field="batch")  # fmt: skip
    _check_batch_open(batch, roles)
    declarations = declarations or {}
    application = Application(
        city=enterprise.city,
        enterprise=enterprise,
        batch=batch,
        created_by=actor,
        declares_not_central_little_giant=bool(
            declarations.get("declares_not_central_little_giant")
        ),
        declares_not_in_2022_pilot=bool(declarations.get("declares_not_in_2022_pilot")),
    )
    try:
        with transaction.atomic():
            with_actor(application, actor).save()
    except IntegrityError:
        raise Conflict(
            f"该企业已申报{batch.name} / this enterprise has already applied to {batch.name}",
            status="exists",
        ) from None
    return application


@transaction.atomic
def application_transition(
    *,
    application: Application,
    action: str,
    actor,
    comment: str = "",
    override_reason: str = "",
    declarations: dict | None = None,
) -> Application:
    """Apply one step of the transition table: 403 for the wrong role, 409 for the wrong state."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("enterprise__city", "enterprise__district", "batch")
        .get(pk=application.pk)
    )
    roles = policy.roles_for_enterprise(actor, application.enterprise)
    try:
        transition, role = check_transition(TRANSITIONS, action, application.status, roles, comment)
    except Conflict:
        raise Conflict(
            f"申报当前状态为“{application.get_status_display()}”，不能执行此操作 / "
            f"not allowed while the application is {application.status}",
            status=application.status,
        ) from None
    comment = comment.strip()
    if action == "submit" and declarations is not None:
        # The enterprise confirms (or corrects) its declarations as it submits.
        application.declares_not_central_little_giant = bool(
            declarations.get("declares_not_central_little_giant")
        )
        application.declares_not_in_2022_pilot = bool(
            declarations.get("declares_not_in_2022_pilot")
        )
    _check_step_rules(application, action, {role}, override_reason.strip())
    source = application.status
    application.status = transition.target
    with_actor(application, actor).save(
        update_fields=["status", "updated_at", "exclusion_override_reason",
                       "declares_not_central_little_giant", "declares_not_in_2022_pilot"]
    )  # fmt: skip
    ApplicationTransition.objects.create(
        application=application, action=action, from_status=source, to_status=transition.target,
        actor=actor, actor_role=role, comment=comment,
    )  # fmt: skip
    if action in DECISIONS:
        audit_record(
            actor=actor, action=f"application.{action}", city=application.city, obj=application,
            reason=comment or application.exclusion_override_reason,
            data={"from": source, "to": transition.target, "role": role},
        )  # fmt: skip
    transaction.on_commit(lambda: _notify(application.pk))
    return application


def _check_step_rules(application, action, roles, override_reason) -> None:
    if action == "submit":
        _check_batch_open(application.batch, roles)
        if not (
            application.declares_not_central_little_giant and application.declares_not_in_2022_pilot
        ):
            raise InvalidInput(
                "提交前须确认两项声明 / both declarations must be confirmed before submitting",
                field="declarations",
            )
    if action == "approve" and application.batch.subsidy_bearing:
        reasons = exclusion_reasons(application.enterprise)
        if reasons and not override_reason:
            raise Conflict(
                "该企业不符合奖补条件：" + "；".join(reasons)
                + " — 如确需通过，请填写通过理由 / give an override reason to approve anyway",
                status=application.status,
            )  # fmt: skip
        if reasons:
            application.exclusion_override_reason = override_reason


def _notify(application_id: int) -> None:
    """E-mail the enterprise's staff about the step just taken (after commit)."""
    from django.contrib.auth import get_user_model

    application = Application.objects.select_related("enterprise", "batch").get(pk=application_id)
    step = application.transitions.select_related("actor").last()
    recipients = list(
        get_user_model()
        .objects.filter(memberships__enterprise=application.enterprise, memberships__is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients or step is None:
        return
    status = application.get_status_display()
    send_mail(
        subject=(
            f"【试点通】{application.batch.name}申报状态：{status} / application {step.to_status}"
        ),
        message=(
            f"{application.enterprise.name}：\n\n"
            f"您在{application.batch.name}的申报已变为“{status}”。\n"
            f"操作人：{step.actor.get_full_name() or step.actor.username}\n"
            f"时间：{timezone.localtime(step.created_at):%Y-%m-%d %H:%M}\n"
            f"意见：{step.comment or '无'}\n\n"
            f"Your application to {application.batch.name} is now: {step.to_status}."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
