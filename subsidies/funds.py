"""A city's fund pools against what its claims commit: allocated, approved, paid, remaining, by
fund use (enterprise transformation vs the ecosystem) and rule line, with the 80 / 20 split of
the central award shown and enforced (DOMAIN.md: ≥ 80 % enterprises, ≤ 20 % ecosystem).

All sums are computed in the database, a fixed handful of queries whatever the number of claims.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from pilot_portal.errors import Conflict
from subsidies.models import (
    ClaimStatus,
    FundPool,
    FundSource,
    LedgerEntry,
    LedgerKind,
    SubsidyClaim,
)
from subsidies.rulebook import Rulebook
from subsidies.rules import ZERO, fmt

COMMITTED = (ClaimStatus.APPROVED, ClaimStatus.PARTIALLY_PAID, ClaimStatus.PAID)


@dataclass
class UseTotals:
    approved: Decimal = ZERO
    paid: Decimal = ZERO
    computed: Decimal = ZERO  # claims awaiting approval (not yet committed)


@dataclass
class FundStatus:
    pools: dict[str, Decimal]
    approved: Decimal  # live approved claims
    paid: Decimal  # cash out: payments less refunds
    clawbacks_owed: Decimal  # paid on voided claims and not yet recovered
    by_use: dict[str, UseTotals] = field(default_factory=dict)
    by_line: dict[str, UseTotals] = field(default_factory=dict)
    ecosystem_share_max: Decimal = Decimal("0.20")

    @property
    def allocated(self) -> Decimal:
        return sum(self.pools.values(), ZERO)

    @property
    def central(self) -> Decimal:
        return self.pools.get(FundSource.CENTRAL, ZERO)

    @property
    def committed(self) -> Decimal:
        return self.approved + self.clawbacks_owed

    @property
    def remaining(self) -> Decimal:
        return self.allocated - self.committed

    @property
    def ecosystem_cap(self) -> Decimal:
        return (self.central * self.ecosystem_share_max).quantize(Decimal("0.01"))

    @property
    def ecosystem_approved(self) -> Decimal:
        return self.by_use.get("ecosystem", UseTotals()).approved

    @property
    def enterprise_share(self) -> Decimal | None:
        """The enterprise-transformation share of what is approved (must stay ≥ 80 %)."""
        money = sum((t.approved for u, t in self.by_use.items() if u != "none"), ZERO)
        if not money:
            return None
        return (self.by_use.get("enterprise", UseTotals()).approved / money).quantize(
            Decimal("0.0001")
        )


def fund_status(city, rulebook: Rulebook | None = None, *, lock: bool = False) -> FundStatus:
    if rulebook is None:
        from subsidies.rulebooks import rulebook_in_effect, rulebook_of

        rulebook = rulebook_of(rulebook_in_effect(city))
    pools_qs = FundPool.objects.for_city(city)
    if lock:
        pools_qs = pools_qs.select_for_update()
    pools = {p.source: p.amount for p in pools_qs}
    use_of = {line.code: line.fund_use for line in rulebook.lines}
    by_use: dict[str, UseTotals] = defaultdict(UseTotals)
    by_line: dict[str, UseTotals] = defaultdict(UseTotals)
    approved = ZERO
    rows = (
        SubsidyClaim.objects.for_city(city)
        .exclude(status=ClaimStatus.VOID)
        .values("kind", "status")
        .annotate(approved=Sum("approved_amount"), computed=Sum("computation__amount"))
    )
    for row in rows:
        use = use_of.get(row["kind"], "enterprise")
        if row["status"] in COMMITTED:
            by_use[use].approved += row["approved"] or ZERO
            by_line[row["kind"]].approved += row["approved"] or ZERO
            approved += row["approved"] or ZERO
        else:
            by_use[use].computed += row["computed"] or ZERO
            by_line[row["kind"]].computed += row["computed"] or ZERO
    ledger = (
        LedgerEntry.objects.for_city(city)
        .values("claim__kind", "kind")
        .annotate(total=Sum("amount"))
    )
    paid, clawed, recovered = ZERO, ZERO, ZERO
    for row in ledger:
        total = row["total"] or ZERO
        use = use_of.get(row["claim__kind"], "enterprise")
        if row["kind"] == LedgerKind.PAYMENT:
            paid += total
            by_use[use].paid += total
            by_line[row["claim__kind"]].paid += total
        elif row["kind"] == LedgerKind.REFUND:
            paid -= total
            recovered += total
        elif row["kind"] == LedgerKind.OFFSET:
            recovered += total
        elif row["kind"] == LedgerKind.CLAWBACK:
            clawed += total
    return FundStatus(
        pools=pools,
        approved=approved,
        paid=paid,
        clawbacks_owed=clawed - recovered,
        by_use=dict(by_use),
        by_line=dict(by_line),
        ecosystem_share_max=rulebook.programme.ecosystem_share_max,
    )


def check_funds_cover(city, amount: Decimal, fund_use: str, rulebook: Rulebook) -> FundStatus:
    """Refuse (409) an approval the city's funds cannot cover. Locks the fund pool rows, so
    approvals in one city are taken one at a time and never both spend the last yuan."""
    status = fund_status(city, rulebook, lock=True)
    if not status.pools:
        raise Conflict(
            "本市尚未设置资金池（中央奖补、地方配套），不能核定 / the city's fund pools (central "
            "award, local matching) are not set: nothing can be approved"
        )
    if fund_use == "none":
        return status
    if amount > status.remaining:
        raise Conflict(
            f"资金不足：剩余可用 {fmt(status.remaining)}，本项需 {fmt(amount)} / not enough "
            f"funds: {fmt(status.remaining)} left, this needs {fmt(amount)}"
        )
    if fund_use == "ecosystem" and status.ecosystem_approved + amount > status.ecosystem_cap:
        left = max(status.ecosystem_cap - status.ecosystem_approved, ZERO)
        raise Conflict(
            f"超出中央奖补资金 20% 的生态类支出上限：上限 {fmt(status.ecosystem_cap)}，已核定 "
            f"{fmt(status.ecosystem_approved)}，仅余 {fmt(left)} / beyond the 20 % of the central "
            f"award for platforms and services: cap {fmt(status.ecosystem_cap)}, approved "
            f"{fmt(status.ecosystem_approved)}, only {fmt(left)} left"
        )
    return status
