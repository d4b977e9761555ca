"""Every write on subsidy claims: compute, recompute, approve, disburse, void (and claw back).

Each runs in one transaction, locks the claim row, records a step (who, when, from → to, why)
and an audit entry. Approvals are serialised per city by locking its fund pool rows, so two
approvals can never both spend the last of the funds or of a category total; disbursements lock
the claim, and a database check keeps `paid_amount ≤ approved_amount` whatever happens.
"""

import hashlib
import json
from dataclasses import asdict
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assessments.models import Assessment, AssessmentKind, AssessmentStatus
from enterprises.models import Enterprise
from enterprises.projects.models import ProjectStatus
from pilot_portal.audit.services import audit_record
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Role
from pilot_portal.workflow import check_transition
from subsidies import rules
from subsidies.facts import clean_inputs, facts_for_claims
from subsidies.funds import check_funds_cover
from subsidies.ledger import claw_back, pay
from subsidies.models import (
    ClaimStatus,
    ClaimStep,
    LedgerEntry,
    LedgerKind,
    RulebookVersion,
    SubsidyClaim,
    SubsidyComputation,
)
from subsidies.rulebook import Rulebook
from subsidies.rulebooks import rulebook_in_effect, rulebook_of
from subsidies.workflow import CLAIM_TRANSITIONS

TRANSFORMATION = "transformation"
BLACKLIST_YEARS = 3  # 002 第十三条: fraud bars an enterprise from special funds for three years


def claim_roles(actor, claim) -> frozenset[str]:
    return policy.roles_in(actor, claim.city)


def _for_update(claim: SubsidyClaim) -> SubsidyClaim:
    return (
        SubsidyClaim.objects.select_for_update(of=("self",))
        .select_related("city", "enterprise", "provider", "computation__rulebook")
        .get(pk=claim.pk)
    )


def _step(claim, action, actor, role, before, *, comment="", amount=None) -> ClaimStep:
    return ClaimStep.objects.create(
        claim=claim, action=action, actor=actor, actor_role=role, comment=comment,
        from_status=before, to_status=claim.status, amount=amount,
    )  # fmt: skip


def _check(actor, claim, action, comment=""):
    return check_transition(
        CLAIM_TRANSITIONS, action, claim.status, claim_roles(actor, claim), comment or ""
    )


# --- computing -----------------------------------------------------------------------------


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


def facts_json(facts: rules.Facts) -> dict:
    return {k: _plain(v) for k, v in asdict(facts).items()}


def _digest(version: RulebookVersion, kind: str, facts: rules.Facts) -> str:
    payload = json.dumps(
        {"rulebook": version.pk, "line": kind, "facts": facts_json(facts)}, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def result_json(result: rules.Result) -> dict:
    """A Result as stored and as the API shows it."""
    return {
        "amount": str(result.amount),
        "eligible": result.eligible,
        "reasons": [list(r) for r in result.reasons],
        "steps": [
            {"key": s.key, "zh": s.name_zh, "en": s.name_en, "value": _plain(s.value)}
            for s in result.steps
        ],
        "explanation_zh": result.explanation_zh,
        "explanation_en": result.explanation_en,
        "points": result.points,
    }


def _store(claim, version, rulebook, facts, actor) -> tuple[SubsidyComputation, bool]:
    """Compute the claim; a new computation only if the rulebook version or a fact changed."""
    digest = _digest(version, claim.kind, facts)
    current = claim.computation
    if current is not None and current.inputs_digest == digest:
        return current, False
    result = rules.compute(rulebook, claim.kind, facts)
    computation = SubsidyComputation.objects.create(
        city_id=claim.city_id, claim=claim, rulebook=version, facts=facts_json(facts),
        inputs_digest=digest, amount=result.amount, eligible=result.eligible,
        reasons=[list(r) for r in result.reasons], steps=result_json(result)["steps"],
        explanation_zh=result.explanation_zh, explanation_en=result.explanation_en,
        points=result.points, created_by=actor if getattr(actor, "pk", None) else None,
    )  # fmt: skip
    claim.computation = computation
    claim.save(update_fields=["computation", "updated_at"])
    return computation, True


def _line_or_400(rulebook: Rulebook, kind: str):
    try:
        return rulebook.line(kind)
    except (KeyError, ValueError, StopIteration):
        codes = ", ".join(line.code for line in rulebook.lines)
        raise InvalidInput(
            f"本市规则中没有「{kind}」/ the city's rulebook has no line {kind!r} ({codes})",
            field="kind",
        ) from None


def _latest_locked_acceptance(project) -> Assessment | None:
    return (
        Assessment.objects.filter(
            project=project, kind=AssessmentKind.ACCEPTANCE, status=AssessmentStatus.LOCKED
        )
        .order_by("-locked_at", "-pk")
        .first()
    )


@transaction.atomic
def claim_for_project(actor, project) -> tuple[SubsidyClaim, bool]:
    """The project's transformation claim, computed from its locked acceptance assessment and
    its eligible investment; (claim, changed). Unchanged facts change nothing; changed facts make
    a new computation while the claim is still only computed."""
    city = project.city
    if not policy.can(actor, "subsidy.compute", city=city):
        raise NotAllowed("只有市级管理员可以核算补助 / only the city administrator computes claims")
    if project.status != ProjectStatus.ACCEPTED:
        raise Conflict(
            f"项目尚未验收（{project.get_status_display()}），不能核算改造补助 / the project is "
            f"{project.status}, not accepted: the transformation subsidy is computed after "
            "acceptance",
            status=project.status,
        )
    acceptance = _latest_locked_acceptance(project)
    if acceptance is None:
        raise Conflict("项目没有已锁定的验收评测 / the project has no locked acceptance assessment")
    claim = (
        SubsidyClaim.objects.select_for_update()
        .filter(project=project, kind=TRANSFORMATION)
        .exclude(status=ClaimStatus.VOID)
        .first()
    )
    if claim is not None and claim.status != ClaimStatus.COMPUTED:
        return claim, False  # approved figures are fixed: void and recompute to change them
    version = rulebook_in_effect(city)
    rulebook = rulebook_of(version)
    _line_or_400(rulebook, TRANSFORMATION)
    created = claim is None
    if created:
        claim = SubsidyClaim.objects.create(
            city=city, kind=TRANSFORMATION, enterprise=project.enterprise, project=project,
            acceptance=acceptance, created_by=actor,
        )  # fmt: skip
    elif claim.acceptance_id != acceptance.pk:
        claim.acceptance = acceptance
        claim.save(update_fields=["acceptance", "updated_at"])
    claim = _for_update(claim)
    facts = facts_for_claims([claim], rulebook)[claim.pk]
    computation, changed = _store(claim, version, rulebook, facts, actor)
    if created or changed:
        _step(claim, "compute" if created else "recompute", actor, Role.CITY_ADMIN,
              ClaimStatus.COMPUTED, amount=computation.amount)  # fmt: skip
        audit_record(actor=actor, action=f"subsidy.{'compute' if created else 'recompute'}",
                     city=city, obj=claim,
                     data={"amount": computation.amount, "rulebook": version.version,
                           "project": project.pk})  # fmt: skip
    return claim, created or changed


def _check_recipient(city, line, enterprise, provider) -> None:
    if (enterprise is None) == (provider is None):
        raise InvalidInput(
            "请指定一个受益方：企业或服务商 / name one recipient: an enterprise or a provider",
            field="enterprise",
        )
    if line.recipient == "enterprise" and enterprise is None:
        raise InvalidInput(
            f"「{line.name_zh}」的受益方须为企业 / {line.name_en} is paid to an enterprise",
            field="enterprise",
        )
    if line.recipient == "provider" and provider is None and line.category != "diagnosis":
        raise InvalidInput(
            f"「{line.name_zh}」的受益方须为服务商 / {line.name_en} is paid to a provider",
            field="provider",
        )
    if enterprise is not None and enterprise.city_id != city.pk:
        raise InvalidInput(
            "企业不属于本市 / the enterprise is not in this city", field="enterprise"
        )
    if provider is not None and not provider.selections.filter(city=city).exists():
        raise InvalidInput(
            "服务商未在本市申报 / the provider has not applied in this city", field="provider"
        )


@transaction.atomic
def claim_create(
    actor, *, city, kind, enterprise=None, provider=None, chain_case=None, year=None, inputs=None
) -> SubsidyClaim:
    """An award claim under any line of the city's rulebook (diagnosis fee, chain case, cloud
    adoption, loan interest, …), computed at once from what the official entered."""
    if not policy.can(actor, "subsidy.compute", city=city):
        raise NotAllowed("只有市级管理员可以核算补助 / only the city administrator computes claims")
    if kind == TRANSFORMATION:
        raise InvalidInput(
            "改造补助由项目验收结果核算 / the transformation subsidy is computed from a project "
            "(projects/{id}/subsidy/)",
            field="kind",
        )
    version = rulebook_in_effect(city)
    rulebook = rulebook_of(version)
    line = _line_or_400(rulebook, kind)
    _check_recipient(city, line, enterprise, provider)
    if chain_case is not None and chain_case.city_id != city.pk:
        raise InvalidInput(
            "链式案例不属于本市 / the chain case is not in this city", field="chain_case"
        )
    if kind == "loan_interest" and year is None:
        year = timezone.localdate().year
    claim = SubsidyClaim.objects.create(
        city=city, kind=kind, enterprise=enterprise, provider=provider, chain_case=chain_case,
        year=year, inputs=clean_inputs(inputs or {}), created_by=actor,
    )  # fmt: skip
    claim = _for_update(claim)
    facts = facts_for_claims([claim], rulebook)[claim.pk]
    computation, _changed = _store(claim, version, rulebook, facts, actor)
    _step(claim, "compute", actor, Role.CITY_ADMIN, ClaimStatus.COMPUTED,
          amount=computation.amount)  # fmt: skip
    audit_record(actor=actor, action="subsidy.compute", city=city, obj=claim,
                 data={"kind": kind, "amount": computation.amount, "inputs": claim.inputs,
                       "rulebook": version.version})  # fmt: skip
    return claim


@transaction.atomic
def claim_recompute(actor, claim, *, inputs=None) -> tuple[SubsidyClaim, bool]:
    """Recompute a computed claim under today's rulebook (with corrected inputs, if given);
    (claim, changed). The earlier computation stays on the claim's history."""
    claim = _for_update(claim)
    _transition, role = _check(actor, claim, "recompute")
    if inputs is not None:
        cleaned = clean_inputs(inputs)
        if cleaned != claim.inputs:
            claim.inputs = cleaned
            claim.save(update_fields=["inputs", "updated_at"])
    if claim.project_id:
        acceptance = _latest_locked_acceptance(claim.project)
        if acceptance is not None and acceptance.pk != claim.acceptance_id:
            claim.acceptance = acceptance
            claim.save(update_fields=["acceptance", "updated_at"])
    version = rulebook_in_effect(claim.city)
    rulebook = rulebook_of(version)
    facts = facts_for_claims([claim], rulebook)[claim.pk]
    before = claim.computation.amount if claim.computation_id else None
    computation, changed = _store(claim, version, rulebook, facts, actor)
    if changed:
        _step(claim, "recompute", actor, role, ClaimStatus.COMPUTED, amount=computation.amount)
        audit_record(actor=actor, action="subsidy.recompute", city=claim.city, obj=claim,
                     data={"from": before, "to": computation.amount,
                           "rulebook": version.version})  # fmt: skip
    return claim, changed


# --- approving -----------------------------------------------------------------------------


def _instalment_plan(rulebook: Rulebook, kind: str, amount: Decimal) -> list[dict]:
    schedule = rulebook.schedule_for(kind)
    shares = list(schedule.shares) if schedule else [Decimal("1")]
    amounts = rules.instalments(amount, shares)
    return [
        {"no": i + 1, "share": str(share), "amount": str(part)}
        for i, (share, part) in enumerate(zip(shares, amounts, strict=True))
    ]


@transaction.atomic
def claim_approve(actor, claim, comment: str = "") -> SubsidyClaim:
    """Approve the computed amount. Refused (409, saying why) when the claim is not eligible,
    when today's facts give a different amount (recompute first), or when the city's remaining
    funds, the 20 % ecosystem share or a category total cannot cover it."""
    claim = _for_update(claim)
    transition, role = _check(actor, claim, "approve", comment)
    computation = claim.computation
    if computation is None or not computation.eligible or computation.amount <= 0:
        reasons = "；".join(r[0] for r in (computation.reasons if computation else [])) or "—"
        reasons_en = "; ".join(r[1] for r in (computation.reasons if computation else [])) or "-"
        raise Conflict(
            f"不符合补助条件或金额为 0，不能核定（{reasons}）/ not eligible or nothing to "
            f"approve ({reasons_en})",
            status=claim.status,
        )
    version = computation.rulebook
    rulebook = rulebook_of(version)
    line = rulebook.line(claim.kind)
    pools = check_funds_cover(claim.city, computation.amount, line.fund_use, rulebook)  # locks
    facts = facts_for_claims([claim], rulebook)[claim.pk]
    fresh = rules.compute(rulebook, claim.kind, facts)
    # What others were granted since moves the facts; only a different figure stops approval.
    if fresh.amount != computation.amount or fresh.eligible != computation.eligible:
        raise Conflict(
            f"核算依据已变化（现为 {fresh.amount}，原为 {computation.amount}），请先重新核算 / the "
            f"facts changed since this was computed (now {fresh.amount}, was "
            f"{computation.amount}): recompute before approving",
            status=claim.status,
        )
    before = claim.status
    claim.status = transition.target
    claim.approved_amount = computation.amount
    claim.instalment_plan = _instalment_plan(rulebook, claim.kind, computation.amount)
    claim.approved_by, claim.approved_at = actor, timezone.now()
    claim._change_reason = (comment or "")[:100]
    claim.save()
    _step(claim, "approve", actor, role, before, comment=comment, amount=claim.approved_amount)
    audit_record(actor=actor, action="subsidy.approve", city=claim.city, obj=claim,
                 reason=comment, data={"amount": claim.approved_amount,
                                       "instalments": claim.instalment_plan,
                                       "remaining_before": pools.remaining})  # fmt: skip
    return claim


# --- paying and voiding ----------------------------------------------------------------------


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidInput(f"金额无效 / not an amount: {value!r}", field=field) from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(
            "金额须大于 0，最多两位小数 / the amount must be above 0 with at most two decimals",
            field=field,
        )
    return amount


def _clearance(claim) -> None:
    """Publicity (公示) must have closed with no open objection before any payment."""
    from subsidies.publicity import publicity_clearance

    publicity_clearance(claim)


@transaction.atomic
def claim_disburse(actor, claim, *, amount, reference: str, paid_on: date | None = None):
    """Record a payment of the next instalment(s). Part of it is withheld when the recipient
    owes a claw-back (an offset, shown in the ledger beside the payment). Never beyond the
    approved amount: the claim row is locked, and a database check backs it."""
    amount = _money(amount, "amount")
    reference = (reference or "").strip()
    if not reference:
        raise InvalidInput("请填写银行流水号 / the bank reference is required", field="reference")
    claim = _for_update(claim)
    _transition, role = _check(actor, claim, "disburse")
    remaining = claim.approved_amount - claim.paid_amount
    if amount > remaining:
        raise Conflict(
            f"超过待付金额：核定 {claim.approved_amount}，已付 {claim.paid_amount}，尚余 "
            f"{remaining} / more than is left to pay: approved {claim.approved_amount}, paid "
            f"{claim.paid_amount}, left {remaining}",
            status=claim.status,
        )
    _clearance(claim)
    entries = pay(claim, amount=amount, reference=reference,
                  paid_on=paid_on or timezone.localdate(), actor=actor)  # fmt: skip
    SubsidyClaim.objects.filter(pk=claim.pk).update(paid_amount=F("paid_amount") + amount)
    claim.refresh_from_db(fields=["paid_amount"])
    before = claim.status
    claim.status = (
        ClaimStatus.PAID
        if claim.paid_amount == claim.approved_amount
        else ClaimStatus.PARTIALLY_PAID
    )
    claim.save(update_fields=["status", "updated_at"])
    _step(claim, "disburse", actor, role, before, comment=reference, amount=amount)
    audit_record(actor=actor, action="subsidy.disburse", city=claim.city, obj=claim,
                 reason=reference,
                 data={"amount": amount, "paid": claim.paid_amount,
                       "entries": [(e.kind, e.amount, e.instalment) for e in entries]})  # fmt: skip
    return claim, entries


@transaction.atomic
def claim_void(actor, claim, *, reason: str, fraud: bool = False) -> SubsidyClaim:
    """Void a claim with a reason. What was already paid becomes a claw-back the recipient owes
    (offset against its later instalments, or repaid); for fraud the enterprise is also
    blacklisted for three years (002 第十三条)."""
    claim = _for_update(claim)
    transition, role = _check(actor, claim, "void", reason)
    before = claim.status
    owed = claim.paid_amount
    if owed > 0:
        claw_back(claim, amount=owed, reason=reason, actor=actor)
        claim.clawed_back_amount = owed
    claim.status = transition.target
    claim._change_reason = reason[:100]
    claim.save()
    _step(claim, "void", actor, role, before, comment=reason, amount=owed or None)
    audit_record(actor=actor, action="subsidy.void", city=claim.city, obj=claim, reason=reason,
                 data={"from": before, "clawed_back": owed, "fraud": fraud})  # fmt: skip
    if fraud and claim.enterprise_id:
        _blacklist(actor, claim.enterprise, reason)
    return claim


def _blacklist(actor, enterprise: Enterprise, reason: str) -> None:
    today = timezone.localdate()
    try:
        until = today.replace(year=today.year + BLACKLIST_YEARS)
    except ValueError:  # 29 February
        until = today.replace(year=today.year + BLACKLIST_YEARS, day=28)
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    enterprise.blacklisted_until = max(until, enterprise.blacklisted_until or until)
    enterprise.blacklist_reason = reason
    enterprise._change_reason = "subsidy fraud"
    enterprise.save(update_fields=["blacklisted_until", "blacklist_reason"])
    audit_record(actor=actor, action="enterprise.blacklist", city=enterprise.city, obj=enterprise,
                 reason=reason, data={"until": enterprise.blacklisted_until})  # fmt: skip


@transaction.atomic
def clawback_refund(actor, claim, *, amount, reference: str, paid_on: date | None = None):
    """Record money the recipient paid back on a voided claim (finance). Never more than it
    still owes after offsets and earlier refunds."""
    from subsidies.ledger import claim_outstanding

    amount = _money(amount, "amount")
    reference = (reference or "").strip()
    if not reference:
        raise InvalidInput("请填写银行流水号 / the bank reference is required", field="reference")
    claim = _for_update(claim)
    if Role.FINANCE_OFFICER not in claim_roles(actor, claim):
        raise NotAllowed("只有财政人员可以登记退款 / only the finance officer records refunds")
    owed = claim_outstanding(claim) if claim.status == ClaimStatus.VOID else Decimal("0")
    if amount > owed:
        raise Conflict(
            f"超过应追回余额 {owed} / more than the {owed} still owed back", status=claim.status
        )
    entry = LedgerEntry.objects.create(
        city_id=claim.city_id, claim=claim, kind=LedgerKind.REFUND, amount=amount,
        paid_on=paid_on or timezone.localdate(), reference=reference, recorded_by=actor,
    )  # fmt: skip
    _step(claim, "refund", actor, Role.FINANCE_OFFICER, claim.status, comment=reference,
          amount=amount)  # fmt: skip
    audit_record(actor=actor, action="subsidy.refund", city=claim.city, obj=claim,
                 reason=reference, data={"amount": amount, "owed_before": owed})  # fmt: skip
    return entry


@transaction.atomic
def claims_recompute(actor, city) -> dict:
    """Recompute every computed claim of the city under today's rulebook, in bulk: facts in
    grouped queries, new computations in one insert, so a whole city costs a fixed number of
    queries. Claims whose facts did not change get nothing new; approved claims are fixed."""
    if not policy.can(actor, "subsidy.compute", city=city):
        raise NotAllowed("只有市级管理员可以核算补助 / only the city administrator computes claims")
    version = rulebook_in_effect(city)
    rulebook = rulebook_of(version)
    claims = list(
        SubsidyClaim.objects.for_city(city)
        .filter(status=ClaimStatus.COMPUTED)
        .select_for_update(of=("self",))
        .select_related("enterprise", "computation")
        .order_by("pk")
    )
    known = {line.code for line in rulebook.lines}
    claims = [c for c in claims if c.kind in known]
    facts = facts_for_claims(claims, rulebook)
    changed, computations = [], []
    for claim in claims:
        digest = _digest(version, claim.kind, facts[claim.pk])
        if claim.computation is not None and claim.computation.inputs_digest == digest:
            continue
        result = rules.compute(rulebook, claim.kind, facts[claim.pk])
        computations.append(
            SubsidyComputation(
                city_id=city.pk,
                claim=claim,
                rulebook=version,
                facts=facts_json(facts[claim.pk]),
                inputs_digest=digest,
                amount=result.amount,
                eligible=result.eligible,
                reasons=[list(r) for r in result.reasons],
                steps=result_json(result)["steps"],
                explanation_zh=result.explanation_zh,
                explanation_en=result.explanation_en,
                points=result.points,
                created_by=actor,
            )
        )
        changed.append(claim)
    SubsidyComputation.objects.bulk_create(computations)
    now = timezone.now()
    for claim, computation in zip(changed, computations, strict=True):
        claim.computation, claim.updated_at = computation, now
    SubsidyClaim.objects.bulk_update(changed, ["computation", "updated_at"])
    ClaimStep.objects.bulk_create(
        ClaimStep(claim=claim, action="recompute", actor=actor, actor_role=Role.CITY_ADMIN,
                  from_status=claim.status, to_status=claim.status,
                  amount=claim.computation.amount)
        for claim in changed
    )  # fmt: skip
    summary = {"claims": len(claims), "changed": len(changed), "rulebook": version.version}
    audit_record(actor=actor, action="subsidy.recompute_all", city=city, data=summary)
    return summary
