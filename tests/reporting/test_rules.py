"""The pure arithmetic: targets through a year, progress, the regional minimum, elapsed time."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pilot_portal.reporting import rules

SHENYANG_1 = {"2024": "300", "2025": "367"}


def test_the_target_through_a_year_adds_the_yearly_targets_up():
    assert rules.target_through(SHENYANG_1, 2024, Decimal("667")) == Decimal("300")
    assert rules.target_through(SHENYANG_1, 2025, Decimal("667")) == Decimal("667")
    assert rules.target_through(SHENYANG_1, 2026, Decimal("667")) == Decimal("667")
    assert rules.target_through(SHENYANG_1, 2023, Decimal("667")) is None  # nothing due yet
    assert rules.target_through(SHENYANG_1, None, Decimal("667")) == Decimal("667")
    # A share's yearly steps (Shenyang's 54 % then +36 %) reach the total, 90 %.
    assert rules.target_through({"2024": "54", "2025": "36"}, 2024, Decimal("90")) == 54


def test_the_regional_minimum_and_the_northeast_own_target():
    assert [rules.regional_minimum(r, 667) for r in ("east", "central", "west", "northeast")] == [
        500, 400, 300, 667,
    ]  # fmt: skip
    assert rules.regional_minimum("northeast", None) is None


def test_progress_and_percent_are_exact_decimals():
    assert rules.progress(Decimal("3"), Decimal("10")) == Decimal("0.3000")
    assert rules.progress(Decimal("2"), Decimal("3")) == Decimal("0.6667")
    assert rules.progress(None, Decimal("3")) is None
    assert rules.progress(Decimal("3"), Decimal("0")) is None
    assert rules.percent(17, 20) == Decimal("85.00")
    assert rules.percent(1, 0) is None


def test_the_share_of_the_period_elapsed():
    start, end = date(2024, 1, 1), date(2024, 12, 31)
    assert rules.elapsed_share(start, end, date(2023, 6, 1)) == 0
    assert rules.elapsed_share(start, end, date(2025, 1, 1)) == 100
    assert rules.elapsed_share(start, end, date(2024, 7, 1)) == Decimal("49.86")  # 182 of 365 days


@given(
    st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=4),
    st.integers(min_value=2020, max_value=2030),
)
def test_targets_through_a_year_never_fall_and_end_at_the_total(steps, year):
    targets = {str(2024 + i): str(v) for i, v in enumerate(steps)}
    total = Decimal(sum(steps))
    through = [rules.target_through(targets, y, total) or 0 for y in range(2023, 2030)]
    assert through == sorted(through)
    assert through[-1] == total


def test_the_90_percent_and_80_percent_thresholds():
    assert rules.sector_meets(Decimal("90.00")) is True
    assert rules.sector_meets(Decimal("89.99")) is False
    assert rules.sector_meets(None) is None  # no above-size enterprise: neither
    assert rules.enterprise_share_short(Decimal("79.99"))
    assert not rules.enterprise_share_short(Decimal("80.00"))
    assert not rules.enterprise_share_short(None)
