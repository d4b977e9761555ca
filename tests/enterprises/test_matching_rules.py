"""The matching ranking and the thin-catalogue flag, on fixed data (no database)."""

from decimal import Decimal

from enterprises.matching import rules
from enterprises.matching.rules import Candidate

DEMANDS = {"quality", "energy"}
SECTOR = "C1"


def candidate(id, name, scenario, sectors, price, rating):
    return Candidate(
        id=id, name=name, scenario=scenario, sectors=frozenset(sectors), price=Decimal(price),
        rating=None if rating is None else Decimal(rating),
    )  # fmt: skip


# The same rows as tests/enterprises/test_matching.py builds in the database.
CANDIDATES = [
    candidate(1, "Alpha", "quality", {"C1"}, "50000", "4.50"),
    candidate(2, "Bravo", "energy", {"C1", "C2"}, "20000", None),
    candidate(3, "Charlie", "quality", {"C2"}, "10000", "5.00"),
    candidate(4, "Delta", "quality", set(), "10000", "5.00"),
    candidate(5, "Echo", "energy", {"C1"}, "30000", "4.50"),
    candidate(6, "Foxtrot", "warehouse", {"C1"}, "1000", "5.00"),
    candidate(7, "Golf", "quality", set(), "8000", None),
    candidate(8, "Echo", "energy", {"C1"}, "30000", "4.50"),
    candidate(9, "Hotel", "quality", {"C1"}, "20000", "3.00"),
]
# Sector and scenario first (rated 4.5: cheaper first, then id; 3.0; unrated), then scenario
# only (5.0 at the same price: by name; unrated last). Foxtrot's scenario is not demanded.
EXPECTED = [5, 8, 1, 9, 2, 3, 4, 7]


def test_it_ranks_sector_fit_then_rating_then_price_then_name_then_id():
    ranked = rules.rank(CANDIDATES, demands=DEMANDS, sector=SECTOR)

    assert [c.id for c in ranked] == EXPECTED


def test_it_ranks_the_same_whatever_the_input_order():
    ranked = rules.rank(list(reversed(CANDIDATES)), demands=DEMANDS, sector=SECTOR)

    assert [c.id for c in ranked] == EXPECTED


def test_an_enterprise_without_a_sector_gets_scenario_fit_only():
    ranked = rules.rank(CANDIDATES, demands=DEMANDS, sector=None)

    # all fit 1: rating 5.0 (10000: Charlie, Delta), 4.5 (30000 Echo×2, 50000 Alpha), 3.0, none
    assert [c.id for c in ranked] == [3, 4, 5, 8, 1, 9, 7, 2]


def test_no_demand_proposes_nothing():
    assert rules.rank(CANDIDATES, demands=set(), sector=SECTOR) == []


def test_fit_counts_the_scenario_and_then_the_sector():
    alpha, charlie, foxtrot = CANDIDATES[0], CANDIDATES[2], CANDIDATES[5]

    assert rules.fit(alpha, demands=DEMANDS, sector=SECTOR) == 2
    assert rules.fit(charlie, demands=DEMANDS, sector=SECTOR) == 1
    assert rules.fit(foxtrot, demands=DEMANDS, sector=SECTOR) == 0


def test_the_reasons_are_in_chinese_and_english():
    assert rules.reasons(scenario_match=True, sector_match=True) == [
        "场景匹配 / scenario match",
        "行业匹配 / sector match",
    ]
    assert rules.reasons(scenario_match=True, sector_match=False) == ["场景匹配 / scenario match"]


def test_a_catalogue_is_thin_below_three_solutions_or_over_ten_enterprises_each():
    assert rules.catalogue_thin(demand=0, products=2) is True
    assert rules.catalogue_thin(demand=30, products=3) is False
    assert rules.catalogue_thin(demand=31, products=3) is True
    assert rules.catalogue_thin(demand=0, products=3) is False
