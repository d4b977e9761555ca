"""Subsidy documents in Chinese (PDF, WeasyPrint), built as jobs (`subsidies.document_job_kinds`).

* 补助核定通知书 (`subsidy_approval_notice`): per recipient, its approved claims — the rule line,
  the approved amount, the explanation of how it was reached (算得清), the instalment plan, who
  approved it and when. params {"enterprise": id} (every approved claim of the enterprise) or
  {"claim": id} (that claim only, an enterprise's or a provider's).
* 资金拨付清单 (`subsidy_list`): the claims of a publicity (params {"publicity": id}), or every
  approved or partly paid claim of the city (params {}): recipient, credit code, the bank
  references of the payments so far, approved, paid, remaining, and the totals.

Who may: `policy.can(user, "subsidy.export")`, and only the claims within what the user sees
(`policy.subsidy_claim_scope`); the job checks again when it runs.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone, translation

from enterprises.models import Enterprise
from pilot_portal.documents.pdf import render_pdf
from pilot_portal.errors import InvalidInput, NotAllowed
from pilot_portal.jobs.services import job_start
from pilot_portal.tenancy import policy
from subsidies.models import ClaimStatus, LedgerEntry, LedgerKind, Publicity, SubsidyClaim
from subsidies.publicity_selectors import line_name, rule_line_names

NOTICE_JOB = "subsidy_approval_notice"
LIST_JOB = "subsidy_list"
ACTION = "subsidy.export"
NOT_ALLOWED = "您的角色不能生成补助文书 / your role may not generate subsidy documents"
# Claims an approval notice lists: approved ones, whether or not paid since.
APPROVED = (ClaimStatus.APPROVED, ClaimStatus.PARTIALLY_PAID, ClaimStatus.PAID)
# Claims the city-wide disbursement list covers: approved and not yet paid in full.
TO_PAY = (ClaimStatus.APPROVED, ClaimStatus.PARTIALLY_PAID)
ZERO = Decimal("0.00")


def money(value) -> str:
    """500000 → "500,000.00" (amounts are stored to the fen)."""
    if value is None:
        return "–"
    return f"{Decimal(value):,.2f}"


def _person(user) -> str:
    if user is None:
        return "–"
    return user.get_full_name().replace(" ", "") or user.username


def _safe(name: str) -> str:
    return "".join("_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in name)


# -- who may ---------------------------------------------------------------------------------


def may_generate(user, city) -> bool:
    return user is not None and policy.can(user, ACTION, city=city)


def visible_claims(user, city):
    """The city's claims this user may put in a document (none without the role)."""
    rows = SubsidyClaim.objects.for_city(city)
    if not may_generate(user, city):
        return rows.none()
    return rows.filter(policy.subsidy_claim_scope(user, city))


def _require(actor, city) -> None:
    if not may_generate(actor, city):
        raise NotAllowed(NOT_ALLOWED)


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def notice_params(*, enterprise=None, claim=None) -> dict:
    if (enterprise is None) == (claim is None):
        raise InvalidInput(
            "请选择一家企业或一项补助申请 / choose one enterprise or one claim", field="enterprise"
        )
    if enterprise is not None:
        return {"enterprise": getattr(enterprise, "pk", enterprise)}
    return {"claim": getattr(claim, "pk", claim)}


def notice_start(*, actor, city, enterprise=None, claim=None):
    """Queue the approval notice of an enterprise (or of one claim)."""
    _require(actor, city)
    params = notice_params(enterprise=enterprise, claim=claim)
    notice_claims(user=actor, city=city, params=params)  # refuse now what the job would refuse
    return job_start(city=city, kind=NOTICE_JOB, params=params, actor=actor)


def list_start(*, actor, city, publicity=None):
    """Queue the disbursement list of a publicity (or of every approved claim of the city)."""
    _require(actor, city)
    params = {} if publicity is None else {"publicity": getattr(publicity, "pk", publicity)}
    list_publicity(city=city, params=params)
    return job_start(city=city, kind=LIST_JOB, params=params, actor=actor)


# -- the approval notice ---------------------------------------------------------------------


@dataclass
class Notice:
    recipient: object  # an Enterprise or a Provider
    claims: list


def _with_notice_relations(rows):
    return rows.select_related(
        "enterprise", "provider", "computation", "approved_by", "project"
    ).order_by("approved_at", "pk")


def notice_claims(*, user, city, params: dict) -> Notice:
    """The recipient and the approved claims the notice lists; InvalidInput when there are none
    (or the enterprise or claim is not one the user sees: the same answer, nothing leaks)."""
    claims = visible_claims(user, city)
    if "claim" in params:
        pk = _int(params.get("claim"))
        claim = _with_notice_relations(claims.filter(pk=pk)).first() if pk is not None else None
        if claim is None:
            raise InvalidInput("补助申请不存在 / no such claim", field="claim")
        if claim.status not in APPROVED:
            raise InvalidInput(
                f"补助申请 #{claim.pk} 尚未核定（{claim.get_status_display()}） / claim "
                f"#{claim.pk} is not approved ({claim.status})",
                field="claim",
            )
        return Notice(recipient=claim.recipient, claims=[claim])
    pk = _int(params.get("enterprise"))
    enterprise = (
        Enterprise.objects.for_city(city).filter(policy.enterprise_scope(user, city), pk=pk).first()
        if pk is not None
        else None
    )
    if enterprise is None:
        raise InvalidInput("企业不存在 / no such enterprise", field="enterprise")
    rows = list(_with_notice_relations(claims.filter(enterprise=enterprise, status__in=APPROVED)))
    if not rows:
        raise InvalidInput(
            f"{enterprise.name}尚无已核定的补助 / {enterprise.name} has no approved claim",
            field="enterprise",
        )
    return Notice(recipient=enterprise, claims=rows)


def _instalments(claim) -> list[dict]:
    plan = []
    for index, part in enumerate(claim.instalment_plan or [], start=1):
        if not isinstance(part, dict):
            continue
        share = part.get("share")
        try:
            percent = f"{Decimal(str(share)) * 100:.0f}%" if share not in (None, "") else ""
        except ArithmeticError:
            percent = ""
        plan.append(
            {"no": part.get("no", index), "share": percent, "amount": money(part.get("amount"))}
        )
    return plan


def notice_context(*, city, notice: Notice) -> dict:
    names = rule_line_names(city)
    rows = []
    total = ZERO
    for claim in notice.claims:
        computation = claim.computation
        total += claim.approved_amount or ZERO
        rows.append(
            {
                "claim": claim,
                "line": line_name(names, claim.kind),
                "approved": money(claim.approved_amount),
                "computed": money(computation.amount) if computation is not None else "–",
                "explanation": computation.explanation_zh if computation is not None else "",
                "instalments": _instalments(claim),
                "approved_by": _person(claim.approved_by),
                "approved_on": timezone.localdate(claim.approved_at) if claim.approved_at else None,
                "project": claim.project.title if claim.project_id else "",
            }
        )
    today = timezone.localdate()
    recipient = notice.recipient
    return {
        "title": "补助核定通知书",
        "city": city,
        "recipient": recipient,
        "rows": rows,
        "total": money(total),
        "number": f"{city.code.upper()}-BZ-{today:%Y%m%d}-{recipient.pk}",
        "date": today,
        "generated_at": timezone.localtime(),
    }


def notice_pdf(*, city, notice: Notice) -> bytes:
    with translation.override("zh-hans"):
        context = notice_context(city=city, notice=notice)
        return render_pdf("subsidies/pdf/approval_notice.html", context)


def notice_file_name(city, notice: Notice) -> str:
    recipient = notice.recipient
    what = f"claim{notice.claims[0].pk}" if len(notice.claims) == 1 else "all"
    return f"{city.code}-{recipient.uscc}-{_safe(recipient.name)}-补助核定通知书-{what}.pdf"


# -- the disbursement list -------------------------------------------------------------------


def list_publicity(*, city, params: dict) -> Publicity | None:
    if "publicity" not in params or params.get("publicity") in (None, ""):
        return None
    pk = _int(params.get("publicity"))
    publicity = Publicity.objects.for_city(city).filter(pk=pk).first() if pk is not None else None
    if publicity is None:
        raise InvalidInput("公示不存在 / no such publicity", field="publicity")
    return publicity


def disbursement_claims(*, user, city, publicity: Publicity | None) -> list[SubsidyClaim]:
    """The claims of the list with their payments (two queries): a publicity's listed claims
    that are approved (paid or not), or every claim of the city still to pay."""
    claims = visible_claims(user, city)
    if publicity is not None:
        claims = claims.filter(publicity_items__publicity=publicity, status__in=APPROVED)
    else:
        claims = claims.filter(status__in=TO_PAY)
    payments = LedgerEntry.objects.filter(kind=LedgerKind.PAYMENT).order_by("paid_on", "pk")
    return list(
        claims.select_related("enterprise", "provider")
        .prefetch_related(Prefetch("ledger", queryset=payments, to_attr="payments"))
        .order_by("kind", "pk")
        .distinct()
    )


def _amounts(claim) -> tuple[Decimal, Decimal, Decimal]:
    approved = claim.approved_amount or ZERO
    paid = claim.paid_amount or ZERO
    return approved, paid, max(approved - paid, ZERO)


def disbursement_totals(claims: list) -> dict[str, Decimal]:
    totals = {"approved": ZERO, "paid": ZERO, "remaining": ZERO}
    for claim in claims:
        approved, paid, remaining = _amounts(claim)
        totals["approved"] += approved
        totals["paid"] += paid
        totals["remaining"] += remaining
    return totals


def disbursement_context(*, city, claims: list, publicity: Publicity | None) -> dict:
    names = rule_line_names(city)
    rows = []
    for number, claim in enumerate(claims, start=1):
        recipient = claim.recipient
        approved, paid, remaining = _amounts(claim)
        rows.append(
            {
                "no": number,
                "claim": claim.pk,
                "recipient": recipient.name,
                "uscc": recipient.uscc,
                "line": line_name(names, claim.kind),
                "references": [
                    f"{p.reference or '–'}（{p.paid_on:%Y-%m-%d}，{money(p.amount)}）"
                    for p in claim.payments
                ],
                "approved": money(approved),
                "paid": money(paid),
                "remaining": money(remaining),
                "status": claim.get_status_display(),
            }
        )
    return {
        "title": "资金拨付清单",
        "city": city,
        "publicity": publicity,
        "rows": rows,
        "count": len(rows),
        "totals": {k: money(v) for k, v in disbursement_totals(claims).items()},
        "generated_at": timezone.localtime(),
    }


def disbursement_pdf(*, city, claims: list, publicity: Publicity | None) -> bytes:
    with translation.override("zh-hans"):
        context = disbursement_context(city=city, claims=claims, publicity=publicity)
        return render_pdf("subsidies/pdf/disbursement_list.html", context)


def disbursement_file_name(city, publicity: Publicity | None, job_pk) -> str:
    what = f"publicity{publicity.pk}" if publicity is not None else "all"
    return f"{city.code}-资金拨付清单-{what}-{job_pk}.pdf"
