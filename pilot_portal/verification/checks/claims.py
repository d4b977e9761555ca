"""Checks of the enterprises' subsidy claims: the amount against a fresh computation, the caps of
the rule lines, and payments against the approval and the ledger.

The fresh computation is the subsidy engine's own (`facts.facts_for_claims` in grouped queries,
`rules.compute` in memory): one group per rulebook version, so the queries grow with the
versions a city has had, never with the number of claims or enterprises.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from pilot_portal.errors import Conflict
from subsidies import rules
from subsidies.facts import GRANTED_STATUSES, facts_for_claims
from subsidies.models import LedgerEntry, LedgerKind, RulebookVersion
from subsidies.rulebook import CappedAmount, Fixed, Interest, PerUnit, RateByLevel, ShareOfFee
from subsidies.rulebooks import rulebook_in_effect, rulebook_of

from .codes import CLAIM
from .context import Context, finding

ZERO = Decimal("0.00")


def check(ctx: Context) -> list:
    if not ctx.claims:
        return []
    books = _rulebooks(ctx)
    return [*_recompute(ctx, books), *_caps(ctx, books), *_payments(ctx)]


def _rulebooks(ctx: Context) -> dict:
    """The versions the granted claims were approved under, and the one in force today."""
    ids = {c.computation.rulebook_id for c in ctx.claims if c.computation_id}
    versions = {v.pk: v for v in RulebookVersion.objects.filter(pk__in=ids)} if ids else {}
    try:
        in_effect = rulebook_in_effect(ctx.city, ctx.today)
    except Conflict:  # no rulebook yet: nothing to recompute the open claims under
        in_effect = None
    if in_effect is not None:
        versions.setdefault(in_effect.pk, in_effect)
    return {
        "versions": versions,
        "rulebooks": {pk: rulebook_of(v) for pk, v in versions.items()},
        "in_effect": in_effect.pk if in_effect else None,
    }


def _name(ctx, claim) -> str:
    return ctx.enterprises[claim.enterprise_id]["name"]


def _recompute(ctx: Context, books) -> list:
    groups = defaultdict(list)  # version -> claims recomputed under it
    for claim in ctx.claims:
        if claim.status in GRANTED_STATUSES and claim.computation_id:
            version = claim.computation.rulebook_id
        elif claim.status == "computed" and books["in_effect"]:
            version = books["in_effect"]
        else:
            continue
        rulebook = books["rulebooks"][version]
        if any(line.code == claim.kind and line.monetary for line in rulebook.lines):
            groups[version].append(claim)
    found = []
    for version, claims in sorted(groups.items()):
        rulebook, label = books["rulebooks"][version], books["versions"][version].version
        facts = facts_for_claims(claims, rulebook)
        for claim in claims:
            fresh = rules.compute(rulebook, claim.kind, facts[claim.pk])
            found += _compare(ctx, claim, fresh, label)
    return found


def _compare(ctx: Context, claim, fresh: rules.Result, label: str) -> list:
    name = _name(ctx, claim)
    why_zh = "；".join(zh for zh, _en in fresh.reasons)
    why_en = "; ".join(en for _zh, en in fresh.reasons)
    if claim.status in GRANTED_STATUSES:
        if fresh.amount == claim.approved_amount:
            return []
        zh = f"{name}的补助 #{claim.pk}（{claim.kind}）核定 {claim.approved_amount} 元，"
        zh += f"按规则 {label} 重新核算为 {fresh.amount} 元"
        en = f"{name}: claim #{claim.pk} ({claim.kind}) was approved at {claim.approved_amount}; "
        en += f"recomputed under rulebook {label} it is {fresh.amount}"
        code, details = "claim_amount_mismatch", {"approved": claim.approved_amount}
    else:
        current = claim.computation.amount if claim.computation_id else None
        if current is not None and fresh.amount == current:
            return []
        shown = current if current is not None else "无"
        zh = f"{name}的补助 #{claim.pk}（{claim.kind}）当前核算 {shown} 元，"
        zh += f"按现行规则 {label} 应为 {fresh.amount} 元"
        en = f"{name}: claim #{claim.pk} ({claim.kind}) is computed at "
        en += f"{current if current is not None else 'nothing'}; under the rulebook in force "
        en += f"({label}) it is {fresh.amount}"
        code, details = "claim_recompute_due", {"computed": current}
    if why_zh:
        zh, en = f"{zh}（{why_zh}）", f"{en} ({why_en})"
    return [
        finding(
            code,
            claim.enterprise_id,
            zh,
            en,
            object_type=CLAIM,
            object_id=claim.pk,
            fresh=fresh.amount,
            rulebook=label,
            **details,
        )
    ]


def _cap_of(line, level) -> Decimal | None:
    p = line.params
    if isinstance(p, RateByLevel):
        band = p.band_for(level)
        return band.cap if band else max(b.cap for b in p.bands)
    if isinstance(p, (ShareOfFee, CappedAmount)):
        return p.cap
    if isinstance(p, PerUnit):
        return p.total_cap
    if isinstance(p, Fixed):
        return p.amount
    if isinstance(p, Interest):
        return p.yearly_cap
    return None  # bonus points: no money


def _caps(ctx: Context, books) -> list:
    """Per enterprise and rule line (and year, for interest): what was granted against the cap
    of the line in the rulebook each claim was approved under."""
    groups = defaultdict(list)
    for claim in ctx.claims:
        if claim.status not in GRANTED_STATUSES or not claim.computation_id:
            continue
        rulebook = books["rulebooks"][claim.computation.rulebook_id]
        line = next((x for x in rulebook.lines if x.code == claim.kind), None)
        if line is None:
            continue
        level = (claim.computation.facts or {}).get("level")
        cap = _cap_of(line, level)
        if cap is None:
            continue
        year = claim.year if isinstance(line.params, Interest) else None
        groups[(claim.enterprise_id, claim.kind, year)].append((claim, cap))
    found = []
    for (enterprise_id, kind, year), rows in sorted(groups.items(), key=lambda g: str(g[0])):
        granted = sum((c.approved_amount - c.clawed_back_amount for c, _cap in rows), ZERO)
        cap = max(cap for _c, cap in rows)
        if granted <= cap:
            continue
        last = max(
            (c for c, _cap in rows), key=lambda c: (c.approved_at is not None, c.approved_at, c.pk)
        )
        name = _name(ctx, last)
        when_zh, when_en = (f"{year}年", f" in {year}") if year else ("", "")
        found.append(
            finding(
                "cap_exceeded",
                enterprise_id,
                f"{name}{when_zh}在“{kind}”项下累计核定 {granted} 元，超过上限 {cap} 元",
                f"{name} was granted {granted} under '{kind}'{when_en}, above the cap of {cap}",
                object_type=CLAIM,
                object_id=last.pk,
                kind=kind,
                year=year,
                granted=granted,
                cap=cap,
                claims=sorted(c.pk for c, _cap in rows),
            )
        )
    return found


def _payments(ctx: Context) -> list:
    paid_in_ledger = dict(
        LedgerEntry.objects.filter(
            claim_id__in=[c.pk for c in ctx.claims],
            kind__in=(LedgerKind.PAYMENT, LedgerKind.OFFSET),
        )
        .values("claim_id")
        .annotate(total=Sum("amount"))
        .values_list("claim_id", "total")
    )
    found = []
    for claim in ctx.claims:
        ledger = rules.money(paid_in_ledger.get(claim.pk) or ZERO)
        approved = claim.approved_amount
        name = _name(ctx, claim)
        top = max(claim.paid_amount, ledger)
        if top > (approved if approved is not None else ZERO):
            found.append(
                finding(
                    "payment_exceeds_approved",
                    claim.enterprise_id,
                    f"{name}的补助 #{claim.pk} 核定 {approved or 0} 元，已拨付 {top} 元",
                    f"{name}: claim #{claim.pk} was approved at {approved or 0} and paid {top}",
                    object_type=CLAIM,
                    object_id=claim.pk,
                    approved=approved,
                    paid=top,
                )
            )
        if ledger != claim.paid_amount:
            found.append(
                finding(
                    "ledger_mismatch",
                    claim.enterprise_id,
                    f"{name}的补助 #{claim.pk} 记为已付 {claim.paid_amount} 元，"
                    f"拨付台账合计 {ledger} 元",
                    f"{name}: claim #{claim.pk} records {claim.paid_amount} paid; its ledger's "
                    f"payments and offsets add up to {ledger}",
                    object_type=CLAIM,
                    object_id=claim.pk,
                    paid=claim.paid_amount,
                    ledger=ledger,
                )
            )
    return found
