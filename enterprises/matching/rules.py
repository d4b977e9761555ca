"""How light solutions are ranked for an enterprise's demand, and when a catalogue is thin.

Pure functions over plain values (no database): `selectors.matches` orders in the database
by the same key, and the tests hold both to the same fixed order.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

REASON_SCENARIO = "场景匹配 / scenario match"
REASON_SECTOR = "行业匹配 / sector match"

# A scenario's catalogue is thin below this many solutions, or when demand outruns it.
THIN_BELOW_PRODUCTS = 3
THIN_DEMAND_RATIO = 10


@dataclass(frozen=True)
class Candidate:
    """What the ranking knows of a light solution."""

    id: int
    name: str
    scenario: str
    sectors: frozenset[str]  # sector codes
    price: Decimal
    rating: Decimal | None  # the provider's average rating in the city; None when unrated


def fit(candidate: Candidate, *, demands: Iterable[str], sector: str | None) -> int:
    """0: no match; 1: the scenario is demanded; 2: and the enterprise's sector is served."""
    if candidate.scenario not in set(demands):
        return 0
    return 2 if sector and sector in candidate.sectors else 1


def reasons(*, scenario_match: bool, sector_match: bool) -> list[str]:
    """Why a solution is proposed, as the enterprise reads it."""
    found = []
    if scenario_match:
        found.append(REASON_SCENARIO)
    if sector_match:
        found.append(REASON_SECTOR)
    return found


def rank_key(candidate: Candidate, *, demands: Iterable[str], sector: str | None) -> tuple:
    """Better fit first; then higher rating (unrated last), lower price, name, id."""
    rated = candidate.rating is not None
    return (
        -fit(candidate, demands=demands, sector=sector),
        not rated,
        -(candidate.rating if rated else Decimal(0)),
        candidate.price,
        candidate.name,
        candidate.id,
    )


def rank(
    candidates: Iterable[Candidate], *, demands: Iterable[str], sector: str | None
) -> list[Candidate]:
    """The candidates that match a demanded scenario, best first."""
    demands = set(demands)
    matching = [c for c in candidates if fit(c, demands=demands, sector=sector)]
    return sorted(matching, key=lambda c: rank_key(c, demands=demands, sector=sector))


def catalogue_thin(*, demand: int, products: int) -> bool:
    """Too few solutions for a scenario: fewer than three, or over ten enterprises for each."""
    return products < THIN_BELOW_PRODUCTS or demand > THIN_DEMAND_RATIO * products
