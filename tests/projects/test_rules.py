"""Eligible investment, exactly: per category, `other` never eligible, corrections subtract."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from enterprises.projects.rules import investment_totals

D = Decimal


def test_sums_by_category_with_other_never_eligible():
    totals = investment_totals(
        [
            ("software", D("120000.10")),
            ("cloud", D("30000.05")),
            ("data_devices", D("45000.00")),
            ("consulting", D("9999.99")),
            ("other", D("50000.00")),
            ("software", D("0.01")),
        ]
    )
    assert totals.by_category["software"] == D("120000.11")
    assert totals.eligible == D("205000.15")
    assert totals.total == D("255000.15")
    assert totals.over_contract(D("250000.00")) == D("5000.15")
    assert totals.over_contract(D("300000.00")) == D("0.00")


def test_a_correction_reduces_its_category():
    totals = investment_totals([("cloud", D("30000.00")), ("cloud", D("-2500.50"))])
    assert totals.by_category["cloud"] == D("27499.50")
    assert totals.eligible == totals.total == D("27499.50")


amounts = st.decimals(min_value=D("0.01"), max_value=D("99999999.99"), places=2)
categories = st.sampled_from(["software", "cloud", "data_devices", "consulting", "other"])


@given(st.lists(st.tuples(categories, amounts), max_size=40))
def test_eligible_plus_other_is_the_total(lines):
    totals = investment_totals(lines)
    assert totals.eligible + totals.by_category["other"] == totals.total
    assert totals.total == sum((amount for _, amount in lines), D("0.00"))
