"""Writes for providers: the national profile, city selection, experts' scores, evaluations.

Each names its actor, runs in a transaction and records decisions in the audit log. The
catalogue's writes are in `catalogue.py`.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.utils import timezone

from pilot_portal.audit.services import audit_record, with_actor
from pilot_portal.documents.services import document_upload
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from pilot_portal.identifiers import InvalidUSCC, parse_uscc
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import City, Membership, Role, Sector
from pilot_portal.tenancy.services import membership_grant
from pilot_portal.workflow import check_transition
from providers.models import (
    CLOSED_SELECTION,
    EvaluationOutcome,
    ExpertConflict,
    ExpertScore,
    Provider,
    ProviderCase,
    ProviderEvaluation,
    ProviderSelection,
    SelectionDocument,
    SelectionRound,
    SelectionStatus,
    SelectionStep,
)
from providers.workflow import SELECTION_TRANSITIONS

PROFILE_FIELDS = (
    "name", "kind", "qualifications", "description", "contact_name", "contact_phone",
    "contact_email", "website",
)  # fmt: skip


def _parse_code(uscc: str) -> str:
    try:
        return parse_uscc(uscc or "").code
    except InvalidUSCC as error:
        raise InvalidInput(str(error), field="uscc") from None


# -- the national profile ------------------------------------------------------------------


@transaction.atomic
def provider_register(*, user, data: dict) -> Provider:
    """A provider registers once nationally; the registering user becomes its staff."""
    uscc = _parse_code(data.get("uscc", ""))
    if Provider.objects.filter(uscc=uscc).exists():
        raise InvalidInput(
            f"统一社会信用代码 {uscc} 的服务商已注册，请联系该服务商的现有用户添加您 / "
            f"a provider with credit code {uscc} is already registered: ask its users to add you",
            field="uscc",
        )
    if not (data.get("name") or "").strip():
        raise InvalidInput("请填写服务商名称 / the name is required", field="name")
    provider = Provider(uscc=uscc)
    for name in PROFILE_FIELDS:
        if name in data:
            setattr(provider, name, data[name])
    with_actor(provider, user).save()
    provider.staff.add(user)
    audit_record(actor=user, action="provider.register", city=None, obj=provider,
                 data={"uscc": uscc, "name": provider.name})  # fmt: skip
    return provider


@transaction.atomic
def provider_update(*, provider: Provider, actor, data: dict) -> Provider:
    """Edit the national profile (its staff only); the credit code never changes."""
    _check_staff(provider, actor)
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    for name in PROFILE_FIELDS:
        if name in data:
            setattr(provider, name, data[name])
    with_actor(provider, actor).save()
    return provider


def _check_staff(provider: Provider, user) -> None:
    if not provider.staff.filter(pk=user.pk).exists():
        raise NotAllowed("您不是该服务商的用户 / you do not act for this provider")


def case_add(*, provider: Provider, actor, data: dict) -> ProviderCase:
    _check_staff(provider, actor)
    case = ProviderCase(provider=provider)
    for name in ("title", "customer", "year", "scenario", "description"):
        setattr(case, name, data.get(name, ""))
    case.full_clean(exclude=["provider"])
    case.save()
    return case


# -- selection rounds --------------------------------------------------------------------


def _experts(city: City, user_ids) -> list:
    ids = {int(i) for i in user_ids or []}
    found = {
        m.user_id: m.user
        for m in Membership.objects.for_city(city)
        .filter(role=Role.EXPERT, is_active=True, user_id__in=ids)
        .select_related("user")
    }
    missing = ids - set(found)
    if missing:
        raise InvalidInput(
            f"以下用户不是本市专家：{sorted(missing)} / not experts here: {sorted(missing)}",
            field="experts",
        )
    return list(found.values())


@transaction.atomic
def round_create(*, city: City, actor, data: dict) -> SelectionRound:
    """Open a selection round (name, dates, criteria) with its experts."""
    opens, closes = data.get("opens"), data.get("closes")
    if not opens or not closes or closes < opens:
        raise InvalidInput(
            "请填写开始和截止日期，截止不早于开始 / opens and closes are required, closes on or "
            "after opens",
            field="closes",
        )
    if not (data.get("name") or "").strip() or not (data.get("criteria") or "").strip():
        raise InvalidInput(
            "请填写名称和评分标准 / a name and the scoring criteria are required", field="criteria"
        )
    if SelectionRound.objects.for_city(city).filter(name=data["name"]).exists():
        raise InvalidInput(
            f"已有同名遴选：{data['name']} / a round named {data['name']} exists", field="name"
        )
    experts = _experts(city, data.get("experts"))
    selection_round = SelectionRound(
        city=city, name=data["name"], opens=opens, closes=closes, criteria=data["criteria"],
        created_by=actor,
    )  # fmt: skip
    with_actor(selection_round, actor).save()
    selection_round.experts.set(experts)
    audit_record(
        actor=actor, action="round.create", city=city, obj=selection_round,
        data={"name": selection_round.name, "experts": [e.pk for e in experts]},
    )  # fmt: skip
    return selection_round


@transaction.atomic
def round_assign_experts(*, selection_round: SelectionRound, actor, experts) -> SelectionRound:
    """Replace the round's experts; recorded, because it decides who scores whom."""
    chosen = _experts(selection_round.city, experts)
    selection_round.experts.set(chosen)
    audit_record(actor=actor, action="round.experts", city=selection_round.city,
                 obj=selection_round, data={"experts": [e.pk for e in chosen]})  # fmt: skip
    return selection_round


# -- applying to a city ----------------------------------------------------------------


def open_rounds(city: City, day=None):
    day = day or timezone.localdate()
    return SelectionRound.objects.for_city(city).filter(opens__lte=day, closes__gte=day)


@transaction.atomic
def selection_apply(
    *, city: City, provider: Provider, actor, round_id=None, sectors=(), cases=(), statement=""
) -> ProviderSelection:
    """A provider applies to a city's pool in an open round; its staff join the city as
    provider users, so they follow the application there."""
    _check_staff(provider, actor)
    rounds = list(open_rounds(city))
    if round_id not in (None, ""):
        rounds = [r for r in rounds if r.pk == int(round_id)]
    if not rounds:
        raise Conflict(
            f"{city.name}目前没有开放的服务商遴选 / {city.code} has no selection round open now",
            status="closed",
        )
    chosen_sectors = list(Sector.objects.for_city(city).filter(code__in=list(sectors)))
    unknown = set(sectors) - {s.code for s in chosen_sectors}
    if unknown:
        raise InvalidInput(
            f"{city.name}没有这些行业：{', '.join(sorted(unknown))} / {city.code} has no sectors "
            f"{', '.join(sorted(unknown))}",
            field="sectors",
        )
    chosen_cases = list(provider.cases.filter(pk__in=[int(c) for c in cases]))
    if len(chosen_cases) != len(set(cases)):
        raise InvalidInput("案例不属于该服务商 / a case is not this provider's", field="cases")
    selection = ProviderSelection(
        city=city, provider=provider, round=rounds[0], statement=statement, applied_by=actor
    )
    try:
        with transaction.atomic():
            with_actor(selection, actor).save()
    except IntegrityError:
        raise Conflict(
            f"{provider.name}已在{city.name}申请或入库 / {provider.name} already applied to or "
            f"is in {city.code}'s pool",
            status="applied",
        ) from None
    selection.sectors.set(chosen_sectors)
    selection.cases.set(chosen_cases)
    for user in provider.staff.all():
        membership_grant(user=user, role=Role.PROVIDER, city=city, provider=provider, actor=actor)
    policy.forget(actor)  # the actor now holds a role in the city
    audit_record(actor=actor, action="provider.apply", city=city, obj=selection,
                 data={"provider": provider.uscc, "round": rounds[0].pk})  # fmt: skip
    return selection


def selection_document_add(*, selection: ProviderSelection, actor, kind: str, upload):
    if selection.provider_id not in policy.provider_ids_in(actor, selection.city):
        raise NotAllowed("只有申请的服务商可上传材料 / only the applicant may add documents")
    if selection.status in CLOSED_SELECTION:
        raise Conflict("申请已结束 / the application is closed", status=selection.status)
    if kind not in SelectionDocument.Kind.values:
        raise InvalidInput(f"未知材料类型：{kind} / unknown document kind", field="kind")
    document = document_upload(
        city=selection.city, upload=upload, actor=actor, purpose="provider-application"
    )
    return SelectionDocument.objects.create(
        city=selection.city, selection=selection, kind=kind, document=document
    )


# -- steps -----------------------------------------------------------------------------


def _check_preconditions(selection, action, publicity_start, publicity_end, today):
    if action == "publicise":
        if not selection.scores.exists():
            raise Conflict(
                "尚无专家评分，不能公示 / no expert has scored this application yet",
                status=selection.status,
            )
        if not publicity_start or not publicity_end or publicity_end < publicity_start:
            raise InvalidInput(
                "请填写公示起止日期，结束不早于开始 / publicity start and end dates are "
                "required, the end on or after the start",
                field="publicity_end",
            )
        if publicity_start < today:
            raise InvalidInput(
                "公示开始日期不能早于今天 / publicity cannot start in the past",
                field="publicity_start",
            )
    if action == "select" and selection.publicity_end and today < selection.publicity_end:
        raise Conflict(
            f"公示期至 {selection.publicity_end}，期满后方可入库 / the publicity period runs "
            f"until {selection.publicity_end}; select after it ends",
            status=selection.status,
        )


@transaction.atomic
def selection_transition(
    *,
    selection: ProviderSelection,
    actor,
    action: str,
    comment: str = "",
    publicity_start: datetime.date | None = None,
    publicity_end: datetime.date | None = None,
) -> ProviderSelection:
    """Move a selection one step: 400 bad input, 403 wrong role, 409 wrong state."""
    selection = (
        ProviderSelection.objects.select_for_update(of=("self",))
        .select_related("city", "provider")
        .get(pk=selection.pk)
    )
    roles = policy.roles_in(actor, selection.city)
    transition, role = check_transition(
        SELECTION_TRANSITIONS, action, selection.status, roles, comment or ""
    )
    _check_preconditions(selection, action, publicity_start, publicity_end, timezone.localdate())
    before = selection.status
    selection.status = transition.target
    if action == "publicise":
        selection.publicity_start, selection.publicity_end = publicity_start, publicity_end
    selection._change_reason = (comment or "")[:100]  # the history column holds 100
    with_actor(selection, actor).save()
    SelectionStep.objects.create(
        selection=selection, action=action, actor=actor, actor_role=role, comment=comment or "",
        from_status=before, to_status=selection.status,
    )  # fmt: skip
    audit_record(actor=actor, action=f"provider.{action}", city=selection.city, obj=selection,
                 reason=comment or "", data={"from": before, "to": selection.status})  # fmt: skip
    transaction.on_commit(lambda: _notify(selection.pk))
    return selection


def _notify(selection_id: int) -> None:
    """E-mail the provider (its contact and staff) about the step just taken (after commit)."""
    selection = ProviderSelection.objects.select_related("city", "provider").get(pk=selection_id)
    step = selection.steps.select_related("actor").last()
    recipients = {selection.provider.contact_email} | set(
        selection.provider.staff.values_list("email", flat=True)
    )
    recipients.discard("")
    if not recipients or step is None:
        return
    status = selection.get_status_display()
    period = ""
    if step.to_status == SelectionStatus.PUBLICISED:
        period = f"公示期：{selection.publicity_start} 至 {selection.publicity_end}\n"
    send_mail(
        subject=(
            f"【试点通】{selection.city.name}服务商入库：{status} / provider pool: {step.to_status}"
        ),
        message=(
            f"{selection.provider.name}：\n\n"
            f"您在{selection.city.name}的服务商入库申请已变为“{status}”。\n{period}"
            f"时间：{timezone.localtime(step.created_at):%Y-%m-%d %H:%M}\n"
            f"意见：{step.comment or '无'}\n\n"
            f"Your standing in {selection.city.code}'s provider pool is now: {step.to_status}."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=sorted(recipients),
    )


# -- experts ---------------------------------------------------------------------------


def _conflict_with(expert, selection) -> ExpertConflict | None:
    return ExpertConflict.objects.filter(
        city_id=selection.city_id, expert=expert, provider_id=selection.provider_id
    ).first()


@transaction.atomic
def score_submit(*, selection: ProviderSelection, expert, score, comment: str) -> ExpertScore:
    """An assigned expert scores (or re-scores) an application under review."""
    selection = (
        ProviderSelection.objects.select_for_update(of=("self",))
        .select_related("city", "provider", "round")
        .get(pk=selection.pk)
    )
    if Role.EXPERT not in policy.roles_in(expert, selection.city):
        raise NotAllowed("只有专家可以评分 / only experts score applications")
    if not selection.round.experts.filter(pk=expert.pk).exists():
        raise NotAllowed("您未被指派评审此轮遴选 / you are not assigned to this round")
    conflict = _conflict_with(expert, selection)
    if conflict is not None:
        raise NotAllowed(
            f"您已申报与{selection.provider.name}存在利益冲突，不能评分 / you declared a "
            f"conflict of interest with {selection.provider.name} and may not score it"
        )
    if selection.status != SelectionStatus.UNDER_REVIEW:
        raise Conflict(
            "只有评审中的申请可以评分 / only applications under review can be scored",
            status=selection.status,
        )
    try:
        value = _score_value(score)
    except (TypeError, ValueError, ArithmeticError):
        value = None
    if value is None or not 0 <= value <= 100:
        raise InvalidInput("评分须在 0 到 100 之间 / the score must be 0 to 100", field="score")
    if not (comment or "").strip():
        raise InvalidInput("请填写评审意见 / a comment is required", field="comment")
    existing = ExpertScore.objects.filter(selection=selection, expert=expert).first()
    entry = existing or ExpertScore(city=selection.city, selection=selection, expert=expert)
    entry.score, entry.comment = value, comment
    with_actor(entry, expert).save()
    audit_record(actor=expert, action="provider.review", city=selection.city, obj=selection,
                 data={"score": str(value), "revised": existing is not None})  # fmt: skip
    return entry


def _score_value(score) -> Decimal:
    return Decimal(str(score)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def conflict_declare(*, city: City, expert, provider: Provider, reason: str) -> ExpertConflict:
    """An expert declares a conflict of interest; refused once they scored that provider
    (the city must then withdraw the score, which stays on record)."""
    if Role.EXPERT not in policy.roles_in(expert, city):
        raise NotAllowed("只有专家可以申报利益冲突 / only experts declare conflicts")
    if not (reason or "").strip():
        raise InvalidInput("请说明利益冲突的理由 / a reason is required", field="reason")
    if ExpertScore.objects.filter(city=city, expert=expert, selection__provider=provider).exists():
        raise Conflict(
            "您已为该服务商评分，请联系市工信局处理 / you have already scored this provider; "
            "ask the city administrator",
            status="scored",
        )
    conflict, created = ExpertConflict.objects.get_or_create(
        city=city, expert=expert, provider=provider, defaults={"reason": reason}
    )
    if created:
        audit_record(actor=expert, action="expert.conflict", city=city, obj=conflict,
                     reason=reason, data={"provider": provider.uscc})  # fmt: skip
    return conflict


# -- annual evaluation -----------------------------------------------------------------


def rating_figures(selection: ProviderSelection, year: int) -> dict:
    """The enterprise ratings the city received for this provider in `year`."""
    figures = selection.provider.ratings.filter(
        city_id=selection.city_id, created_at__year=year
    ).aggregate(average=Avg("score"), count=Count("pk"))
    average = figures["average"]
    if average is not None:
        average = _score_value(average)
    return {"average_rating": average, "ratings": figures["count"]}


OUTCOME_ACTIONS = {EvaluationOutcome.SUSPEND: "suspend", EvaluationOutcome.REMOVE: "remove"}


@transaction.atomic
def evaluation_record(
    *, selection: ProviderSelection, actor, year: int, outcome: str, reason: str
) -> ProviderEvaluation:
    """Record the city's annual evaluation of a pooled provider and act on it."""
    selection = (
        ProviderSelection.objects.select_for_update(of=("self",))
        .select_related("city", "provider")
        .get(pk=selection.pk)
    )
    if not policy.can(actor, "provider.manage", city=selection.city):
        raise NotAllowed("只有市级管理员可以评价服务商 / only the city administrator evaluates")
    if outcome not in EvaluationOutcome.values:
        raise InvalidInput(f"未知结论：{outcome} / unknown outcome", field="outcome")
    if not (reason or "").strip():
        raise InvalidInput("请填写评价理由 / a reason is required", field="reason")
    if selection.status not in (SelectionStatus.SELECTED, SelectionStatus.SUSPENDED):
        raise Conflict(
            "只能评价库内服务商 / only providers in the pool are evaluated",
            status=selection.status,
        )
    if ProviderEvaluation.objects.filter(selection=selection, year=year).exists():
        raise Conflict(
            f"{year} 年度评价已记录 / the {year} evaluation is already recorded",
            status="evaluated",
        )
    evaluation = ProviderEvaluation.objects.create(
        city=selection.city, selection=selection, year=year, outcome=outcome, reason=reason,
        decided_by=actor, **rating_figures(selection, year),
    )  # fmt: skip
    audit_record(actor=actor, action="provider.evaluate", city=selection.city, obj=selection,
                 reason=reason, data={"year": year, "outcome": outcome})  # fmt: skip
    action = OUTCOME_ACTIONS.get(outcome)
    if action and not (action == "suspend" and selection.status == SelectionStatus.SUSPENDED):
        selection_transition(selection=selection, actor=actor, action=action, comment=reason)
    return evaluation
