"""Publicity before payment (公示): writes, and the clearance the disbursement asks for.

The city admin publishes a list of approved claims for a period (the recipient and the approved
amount are copied onto the publicity as they were published); objections received are recorded
against a listed claim and resolved (upheld or dismissed, with the reasoning). A claim may be
paid only once the latest publicity listing it has closed with no objection against it still
open or upheld, and with the amount published still the amount approved:
`publicity_clearance(claim)` says why not (409), and `claim_disburse` asks it before paying.

Every write checks the role (403), runs in a transaction, names the acting user in the history
and appends to the audit log; a refusal changes nothing.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from pilot_portal.audit.services import audit_record, with_actor
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from subsidies.models import (
    Objection,
    ObjectionStatus,
    Publicity,
    PublicityItem,
    SubsidyClaim,
)
from subsidies.publicity_selectors import PUBLISHABLE, may_publish, recipient_name

NOT_ALLOWED = "您的角色不能管理补助公示 / your role may not manage subsidy publicity"
OUTCOMES = (ObjectionStatus.UPHELD, ObjectionStatus.DISMISSED)


def _require(actor, city) -> None:
    if not may_publish(actor, city):
        raise NotAllowed(NOT_ALLOWED)


def _text(value, *, field: str, zh: str, en: str, limit: int | None = None) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"请填写{zh} / {en} is required", field=field)
    if limit is not None and len(text) > limit:
        raise InvalidInput(
            f"{zh}不能超过 {limit} 个字符 / {en} must be at most {limit} characters", field=field
        )
    return text


def _claim_ids(claims) -> list[int]:
    ids = []
    for value in claims or []:
        pk = getattr(value, "pk", value)
        if isinstance(pk, bool) or not str(pk).isdigit():
            raise InvalidInput(
                f"无效的补助申请编号：{value} / not a claim id: {value}", field="claims"
            )
        if int(pk) not in ids:
            ids.append(int(pk))
    if not ids:
        raise InvalidInput(
            "请至少选择一项已核定的补助申请 / choose at least one approved claim", field="claims"
        )
    return ids


# -- publishing ------------------------------------------------------------------------------


@transaction.atomic
def publicity_create(
    *, actor, city, title: str, starts_on: date, ends_on: date, contact: str, claims
) -> Publicity:
    """Publish the claims (ids or claims of `city`) for objection from `starts_on` to `ends_on`.

    Each claim must be approved (or partly paid) and on no publicity that is still open; it is
    listed with its recipient's name and approved amount as they are now."""
    _require(actor, city)
    title = _text(title, field="title", zh="公示标题", en="the title", limit=200)
    contact = _text(contact, field="contact", zh="异议受理方式", en="where to object", limit=200)
    today = timezone.localdate()
    if not isinstance(starts_on, date) or not isinstance(ends_on, date):
        raise InvalidInput("请填写公示起止日期 / the period is required", field="starts_on")
    if starts_on < today:
        raise InvalidInput(
            f"公示开始日期不能早于今天（{today}） / the publicity cannot start before today "
            f"({today})",
            field="starts_on",
        )
    if ends_on < starts_on:
        raise InvalidInput(
            "公示结束日期不能早于开始日期 / the publicity cannot end before it starts",
            field="ends_on",
        )
    ids = _claim_ids(claims)
    # Locked in id order: two publicities taking the same claim at once are serialised here.
    rows = {
        c.pk: c
        for c in SubsidyClaim.objects.for_city(city)
        .select_for_update(of=("self",))
        .filter(pk__in=ids)
        .order_by("pk")
    }
    unknown = [pk for pk in ids if pk not in rows]
    if unknown:
        listed = "、".join(f"#{pk}" for pk in unknown)
        raise InvalidInput(
            f"以下编号不是本市的补助申请：{listed} / not claims of this city: {listed}",
            field="claims",
        )
    _check_publishable([rows[pk] for pk in ids], today)
    recipients = {
        c.pk: c
        for c in SubsidyClaim.objects.filter(pk__in=ids).select_related("enterprise", "provider")
    }
    publicity = Publicity.objects.create(
        city=city,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        contact=contact,
        published_by=actor,
    )
    items = PublicityItem.objects.bulk_create(
        PublicityItem(
            city=city,
            publicity=publicity,
            claim_id=pk,
            recipient_name=recipient_name(recipients[pk]),
            amount=rows[pk].approved_amount,
        )
        for pk in ids
    )
    total = sum((item.amount for item in items), start=0)
    audit_record(
        actor=actor,
        action="subsidy.publicity.publish",
        city=city,
        obj=publicity,
        data={
            "title": title,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "contact": contact,
            "claims": ids,
            "total": f"{total:.2f}",
        },
    )
    return publicity


def _check_publishable(claims: list[SubsidyClaim], today: date) -> None:
    for claim in claims:
        if claim.status not in PUBLISHABLE or claim.approved_amount is None:
            raise Conflict(
                f"补助申请 #{claim.pk} 尚未核定或已拨付完毕（{claim.get_status_display()}），"
                f"不能公示 / claim #{claim.pk} is {claim.status}: only approved claims not yet "
                "paid in full are published",
                status=claim.status,
            )
    running = (
        PublicityItem.objects.filter(
            claim_id__in=[c.pk for c in claims], publicity__ends_on__gte=today
        )
        .select_related("publicity")
        .order_by("claim_id", "publicity_id")
        .first()
    )
    if running is not None:
        publicity = running.publicity
        raise Conflict(
            f"补助申请 #{running.claim_id} 已在公示 #{publicity.pk}「{publicity.title}」中"
            f"（至 {publicity.ends_on}） / claim #{running.claim_id} is already on publicity "
            f"#{publicity.pk} until {publicity.ends_on}",
            status="on_publicity",
        )


# -- objections ------------------------------------------------------------------------------


@transaction.atomic
def objection_record(
    *, actor, publicity: Publicity, claim, raised_by: str, content: str
) -> Objection:
    """Record an objection received against a claim listed on `publicity` (from its start on;
    one received late is still recorded, and blocks payment until it is resolved)."""
    _require(actor, publicity.city)
    pk = getattr(claim, "pk", claim)
    item = (
        PublicityItem.objects.filter(publicity=publicity, claim_id=pk).first()
        if str(pk).isdigit()
        else None
    )
    if item is None:
        raise InvalidInput(
            "该补助申请不在本次公示名单中 / the claim is not listed on this publicity",
            field="claim",
        )
    raised_by = _text(raised_by, field="raised_by", zh="异议人", en="who raised it", limit=200)
    content = _text(content, field="content", zh="异议内容", en="the objection")
    today = timezone.localdate()
    if publicity.starts_on > today:
        raise Conflict(
            f"公示将于 {publicity.starts_on} 开始，尚不能受理异议 / the publicity starts on "
            f"{publicity.starts_on}: no objection can be recorded before",
            status="not_started",
        )
    objection = Objection(
        city=publicity.city,
        item=item,
        raised_by=raised_by,
        content=content,
        recorded_by=actor,
    )
    with_actor(objection, actor).save()
    audit_record(
        actor=actor,
        action="subsidy.objection.record",
        city=publicity.city,
        obj=objection,
        data={"publicity": publicity.pk, "claim": item.claim_id, "raised_by": raised_by},
    )
    return objection


@transaction.atomic
def objection_resolve(*, actor, objection: Objection, outcome: str, resolution: str) -> Objection:
    """Settle an open objection: upheld (the claim is not paid as published) or dismissed, with
    the reasoning."""
    _require(actor, objection.city)
    objection = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("city", "item")
        .get(pk=objection.pk)
    )
    if objection.status != ObjectionStatus.OPEN:
        raise Conflict(
            f"异议 #{objection.pk} 已处理（{objection.get_status_display()}） / objection "
            f"#{objection.pk} was already resolved ({objection.status})",
            status=objection.status,
        )
    if outcome not in OUTCOMES:
        raise InvalidInput(
            "处理结果须为“成立”或“不成立” / the outcome must be upheld or dismissed",
            field="outcome",
        )
    resolution = _text(resolution, field="resolution", zh="处理意见", en="the resolution")
    objection.status = outcome
    objection.resolution = resolution
    objection.resolved_by = actor
    objection.resolved_at = timezone.now()
    with_actor(objection, actor).save(
        update_fields=["status", "resolution", "resolved_by", "resolved_at"]
    )
    audit_record(
        actor=actor,
        action=f"subsidy.objection.{outcome}",
        city=objection.city,
        obj=objection,
        reason=resolution,
        data={"publicity": objection.item.publicity_id, "claim": objection.item.claim_id},
    )
    return objection


# -- may it be paid? -------------------------------------------------------------------------


@dataclass(frozen=True)
class Clearance:
    """Why a claim may not be paid yet (empty `zh`/`en` when it may)."""

    code: str  # cleared | never | not_started | running | objection | upheld | amount
    zh: str = ""
    en: str = ""

    @property
    def cleared(self) -> bool:
        return self.code == "cleared"

    @property
    def message(self) -> str:
        return f"{self.zh} / {self.en}" if self.zh else ""


def claim_clearance(claim: SubsidyClaim, *, today: date | None = None) -> Clearance:
    """Whether the claim's publicity lets it be paid, and if not why (two queries)."""
    today = today or timezone.localdate()
    items = list(
        PublicityItem.objects.filter(claim_id=claim.pk)
        .select_related("publicity")
        .prefetch_related("objections")
        .order_by("publicity__ends_on", "publicity_id")
    )
    n = claim.pk
    if not items:
        return Clearance(
            "never",
            f"补助申请 #{n} 尚未公示，公示期满且无异议后方可拨付",
            f"claim #{n} was never published (公示): it is paid only after a publicity has "
            "closed without objection",
        )
    latest = items[-1]
    publicity = latest.publicity
    if publicity.starts_on > today:
        return Clearance(
            "not_started",
            f"补助申请 #{n} 的公示 #{publicity.pk} 将于 {publicity.starts_on} 开始、"
            f"{publicity.ends_on} 结束，期满后方可拨付",
            f"the publicity #{publicity.pk} of claim #{n} starts on {publicity.starts_on} and "
            f"runs until {publicity.ends_on}: the claim is paid after it closes",
        )
    if publicity.ends_on >= today:
        return Clearance(
            "running",
            f"补助申请 #{n} 正在公示（公示 #{publicity.pk}，至 {publicity.ends_on}），"
            "期满后方可拨付",
            f"claim #{n} is under publicity #{publicity.pk} until {publicity.ends_on}: it is "
            "paid after the publicity closes",
        )
    for item in items:
        for objection in item.objections.all():
            if objection.status == ObjectionStatus.OPEN:
                return Clearance(
                    "objection",
                    f"补助申请 #{n} 有未处理的异议 #{objection.pk}（{objection.raised_by}），"
                    "处理后方可拨付",
                    f"claim #{n} has open objection #{objection.pk} ({objection.raised_by}): "
                    "resolve it before payment",
                )
    for objection in latest.objections.all():
        if objection.status == ObjectionStatus.UPHELD:
            return Clearance(
                "upheld",
                f"针对补助申请 #{n} 的异议 #{objection.pk} 已成立，须重新核定并公示后方可拨付",
                f"objection #{objection.pk} against claim #{n} was upheld: correct the claim "
                "and publish it again before payment",
            )
    if claim.approved_amount is not None and latest.amount != claim.approved_amount:
        return Clearance(
            "amount",
            f"补助申请 #{n} 的核定金额 {claim.approved_amount} 与公示金额 {latest.amount} "
            "不一致，须重新公示",
            f"the approved amount of claim #{n} ({claim.approved_amount}) differs from the "
            f"amount published ({latest.amount}): publish it again",
        )
    return Clearance("cleared")


def publicity_clearance(claim: SubsidyClaim, *, today: date | None = None) -> None:
    """Raise `Conflict` (409, naming why) unless the claim's latest publicity has closed with
    no objection open against the claim, none upheld, and the approved amount published."""
    clearance = claim_clearance(claim, today=today)
    if not clearance.cleared:
        raise Conflict(clearance.message, status=claim.status)
