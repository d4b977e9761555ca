"""Investment arithmetic, pure: what counts as eligible, exactly, in Decimal."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from enterprises.projects.models import ELIGIBLE_CATEGORIES, InvestmentCategory

ZERO = Decimal("0.00")
# No transformation line item of an SME reaches a hundred million yuan: that is a typo.
MAX_AMOUNT = Decimal("99999999.99")


@dataclass(frozen=True)
class Totals:
    by_category: dict[str, Decimal] = field(default_factory=dict)
    eligible: Decimal = ZERO
    total: Decimal = ZERO

    def over_contract(self, contract_amount: Decimal) -> Decimal:
        """How far the total exceeds the contract (a warning for reviewers), else zero."""
        return max(self.total - contract_amount, ZERO)


def investment_totals(lines: Iterable[tuple[str, Decimal]]) -> Totals:
    """(category, amount) lines → sums per category, the eligible sum and the total.

    `other` is kept in the total but never counts as eligible; corrections (negative lines)
    reduce the category they belong to.
    """
    by_category = {category: ZERO for category in InvestmentCategory.values}
    for category, amount in lines:
        by_category[category] += amount
    eligible = sum((by_category[c] for c in ELIGIBLE_CATEGORIES), ZERO)
    return Totals(by_category=by_category, eligible=eligible, total=sum(by_category.values(), ZERO))
