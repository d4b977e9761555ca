"""The payment ledger of claims: instalments paid, claw-backs owed, offsets and refunds.

Append-only rows (`LedgerEntry`); callers hold the claim's row lock. A recipient's claw-back
(from a voided claim) is settled first from its later payments: the withheld part is an offset
entry beside the payment, so the ledger shows both.
"""

from decimal import Decimal

from django.db.models import Q, Sum

from subsidies.models import ClaimStatus, LedgerEntry, LedgerKind, SubsidyClaim
from subsidies.rules import ZERO


def next_instalment(claim, paid: Decimal) -> int:
    """The instalment a payment goes to: the first not yet fully paid by `paid`."""
    running = ZERO
    for item in claim.instalment_plan or []:
        running += Decimal(item["amount"])
        if paid < running:
            return item["no"]
    return len(claim.instalment_plan or []) or 1


def _recipient_q(claim) -> Q:
    if claim.enterprise_id:
        return Q(enterprise_id=claim.enterprise_id)
    return Q(provider_id=claim.provider_id)


def outstanding_clawbacks(claim) -> list[tuple[LedgerEntry, Decimal]]:
    """The recipient's claw-back entries still owed (oldest first), locking their claims."""
    voided = list(
        SubsidyClaim.objects.select_for_update()
        .filter(_recipient_q(claim), city_id=claim.city_id, status=ClaimStatus.VOID,
                clawed_back_amount__gt=0)
        .values_list("pk", flat=True)
    )  # fmt: skip
    if not voided:
        return []
    entries = list(
        LedgerEntry.objects.filter(claim_id__in=voided, kind=LedgerKind.CLAWBACK)
        .annotate(offset=Sum("settled_by__amount"))
        .order_by("created_at", "pk")
    )
    refunds = dict(
        LedgerEntry.objects.filter(claim_id__in=voided, kind=LedgerKind.REFUND)
        .values("claim_id")
        .annotate(total=Sum("amount"))
        .values_list("claim_id", "total")
    )
    owed = []
    for entry in entries:
        left = entry.amount - (entry.offset or ZERO) - refunds.pop(entry.claim_id, ZERO)
        if left > 0:
            owed.append((entry, left))
    return owed


def pay(claim, *, amount: Decimal, reference: str, paid_on, actor) -> list[LedgerEntry]:
    instalment = next_instalment(claim, claim.paid_amount)
    entries, left = [], amount
    for clawback, owed in outstanding_clawbacks(claim):
        if left <= 0:
            break
        offset = min(owed, left)
        entries.append(
            LedgerEntry.objects.create(
                city_id=claim.city_id,
                claim=claim,
                kind=LedgerKind.OFFSET,
                amount=offset,
                instalment=instalment,
                paid_on=paid_on,
                reference=reference,
                settles=clawback,
                note=f"抵扣补助 #{clawback.claim_id} 的追回款 / withheld against the claw-back "
                f"of claim #{clawback.claim_id}",
                recorded_by=actor,
            )
        )
        left -= offset
    if left > 0:
        entries.append(
            LedgerEntry.objects.create(
                city_id=claim.city_id,
                claim=claim,
                kind=LedgerKind.PAYMENT,
                amount=left,
                instalment=instalment,
                paid_on=paid_on,
                reference=reference,
                recorded_by=actor,
            )
        )
    return entries


def claw_back(claim, *, amount: Decimal, reason: str, actor) -> LedgerEntry:
    from django.utils import timezone

    return LedgerEntry.objects.create(
        city_id=claim.city_id, claim=claim, kind=LedgerKind.CLAWBACK, amount=amount,
        paid_on=timezone.localdate(), note=reason, recorded_by=actor,
    )  # fmt: skip


def claim_outstanding(claim) -> Decimal:
    """What the recipient still owes back on a voided claim."""
    totals = dict(
        LedgerEntry.objects.filter(claim=claim)
        .values("kind")
        .annotate(total=Sum("amount"))
        .values_list("kind", "total")
    )
    offsets = (
        LedgerEntry.objects.filter(settles__claim=claim).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    return totals.get(LedgerKind.CLAWBACK, ZERO) - totals.get(LedgerKind.REFUND, ZERO) - offsets
