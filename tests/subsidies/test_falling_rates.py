"""Falling rates (退坡): a rulebook may lower a line's rate batch by batch; the factor is an
explained step, caps stay, and a later batch is never paid more.

No seed document (DOMAIN.md, the seeds 000–004) sets a falling rate, so no shipped rulebook has
one: these tests add their own `falling_rates` to a copy of a shipped rulebook.
"""

import copy
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subsidies import rules
from subsidies.rulebook import DATA_DIR, RulebookError, validate

D = Decimal


def raw(city: str) -> dict:
    return json.loads((DATA_DIR / f"{city}.json").read_text(encoding="utf-8"))


def with_falling(city: str, steps: list[dict]) -> dict:
    data = copy.deepcopy(raw(city))
    data["falling_rates"] = steps
    return data


def step(line="transformation", from_batch=2, factor="0.90", source="测试 / test"):
    return {"line": line, "from_batch": from_batch, "factor": factor, "source": source}


SHENYANG = validate(
    with_falling("shenyang", [step(from_batch=2, factor="0.90"), step(from_batch=3, factor="0.80")])
)
XIAMEN_STEPS = [step(line="diagnosis", factor="0.50"), step(line="transformation", factor="0.75")]
XIAMEN = validate(with_falling("xiamen", XIAMEN_STEPS))
XINXIANG = validate(with_falling("xinxiang", [step(line="loan_interest", factor="0.60")]))


def transformation(book, *, level=2, investment="600000.00", batch=None):
    facts = rules.Facts(level=level, eligible_investment=D(investment), batch_index=batch)
    return rules.compute(book, "transformation", facts)


# -- the engine -------------------------------------------------------------------------------


def test_the_first_batch_is_paid_the_listed_rate():
    result = transformation(SHENYANG, batch=1)

    assert result.amount == D("300000.00")  # 600,000 × 50 %
    assert result.step("falling_factor") is None


def test_an_unknown_batch_counts_as_the_first():
    assert transformation(SHENYANG, batch=None).amount == D("300000.00")


def test_the_second_batch_is_paid_rate_times_factor_and_says_so():
    result = transformation(SHENYANG, batch=2)

    assert result.amount == D("270000.00")  # 600,000 × 50 % × 0.90
    assert result.step("listed_rate").value == D("0.50")
    assert result.step("falling_factor").value == D("0.90")
    assert result.step("rate").value == D("0.45")
    assert "规定比例 50%" in result.explanation_zh
    assert "第2批起" in result.explanation_zh
    assert "600,000.00 × 45% = 270,000.00" in result.explanation_zh
    assert "falling-rate factor (from batch 2" in result.explanation_en


def test_the_latest_step_reached_applies():
    assert transformation(SHENYANG, batch=3).amount == D("240000.00")  # × 0.80
    assert transformation(SHENYANG, batch=7).amount == D("240000.00")


def test_caps_are_unchanged_by_a_falling_rate():
    # 1,200,000 × 45 % = 540,000, still capped at 500,000.
    result = transformation(SHENYANG, investment="1200000.00", batch=2)

    assert result.amount == D("500000.00")
    assert result.step("cap").value == D("500000.00")


def test_a_falling_rate_applies_to_fee_shares_and_interest_too():
    diagnosis = rules.compute(XIAMEN, "diagnosis", rules.Facts(fee=D("50000.00"), batch_index=2))
    interest = rules.compute(
        XINXIANG, "loan_interest", rules.Facts(loan_interest=D("40000.00"), batch_index=2)
    )

    assert diagnosis.amount == D("15000.00")  # 50,000 × 60 % × 0.50
    assert interest.amount == D("24000.00")  # 40,000 × 100 % × 0.60


def test_other_lines_of_the_city_keep_their_rates():
    result = rules.compute(XIAMEN, "cloud_first", rules.Facts(fee=D("100000.00"), batch_index=5))

    assert result.amount == D("100000.00")
    assert result.step("falling_factor") is None


def test_level_bands_fall_alike():
    # Xiamen level 3: 40 % × 0.75 = 30 % of 1,000,000 = 300,000 (cap 350,000).
    assert transformation(XIAMEN, level=3, investment="1000000.00", batch=2).amount == D(
        "300000.00"
    )


def test_an_excluded_enterprise_gets_nothing_in_any_batch():
    facts = rules.Facts(
        level=2, eligible_investment=D("600000.00"), batch_index=2, little_giant_central=True
    )
    result = rules.compute(SHENYANG, "transformation", facts)

    assert (result.amount, result.eligible) == (D("0.00"), False)


@given(
    level=st.integers(min_value=1, max_value=4),
    investment=st.decimals(min_value=0, max_value=5_000_000, places=2),
    batch=st.integers(min_value=1, max_value=6),
    later=st.integers(min_value=0, max_value=4),
    book=st.sampled_from([SHENYANG, XIAMEN]),
)
def test_a_later_batch_never_gets_more(level, investment, batch, later, book):
    earlier = transformation(book, level=level, investment=str(investment), batch=batch)
    after = transformation(book, level=level, investment=str(investment), batch=batch + later)

    assert after.amount <= earlier.amount
    assert after.amount >= 0


@given(
    factors=st.lists(
        st.decimals(min_value="0.01", max_value=1, places=2), min_size=1, max_size=4, unique=True
    ),
    fee=st.decimals(min_value=0, max_value=1_000_000, places=2),
)
def test_any_valid_falling_schedule_never_pays_a_later_batch_more(factors, fee):
    # given: a schedule whose factors fall with the batch, as validation demands
    steps = [
        step(line="diagnosis", from_batch=i + 2, factor=str(f))
        for i, f in enumerate(sorted(factors, reverse=True))
    ]
    book = validate(with_falling("xiamen", steps))
    # then
    amounts = [
        rules.compute(book, "diagnosis", rules.Facts(fee=fee, batch_index=b)).amount
        for b in range(1, len(steps) + 3)
    ]
    assert amounts == sorted(amounts, reverse=True)
    assert max(amounts) <= D("60000.00")


# -- validation -------------------------------------------------------------------------------


def errors_for(city: str, steps) -> list[str]:
    with pytest.raises(RulebookError) as caught:
        validate(with_falling(city, steps))
    return caught.value.errors


def test_a_rising_factor_is_refused_naming_the_line():
    errors = errors_for("shenyang", [step(from_batch=2, factor="0.80"), step(from_batch=3)])

    assert len(errors) == 1
    assert "falling_rates[transformation]" in errors[0]
    assert "退坡只能降低" in errors[0] and "can only fall" in errors[0]


def test_a_batch_set_twice_is_refused():
    errors = errors_for("shenyang", [step(from_batch=2), step(from_batch=2, factor="0.80")])

    assert any("set twice" in e for e in errors)


def test_a_falling_rate_on_an_unknown_or_unrated_line_is_refused():
    errors = errors_for("shenyang", [step(line="nothing"), step(line="chain_case")])

    assert any("falling_rates[nothing].line" in e and "no such rule line" in e for e in errors)
    assert any("falling_rates[chain_case].line" in e and "as a rate" in e for e in errors)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"factor": "1.10"}, "factor"),
        ({"factor": "0"}, "factor"),
        ({"factor": 0.9}, "factor"),
        ({"from_batch": 0}, "from_batch"),
        ({"from_batch": "2"}, "from_batch"),
        ({"source": ""}, "source"),
    ],
)
def test_bad_fields_are_refused_bilingually(change, field):
    errors = errors_for("shenyang", [{**step(), **change}])

    assert len(errors) == 1
    assert f"falling_rates[transformation].{field}" in errors[0]
    assert " / " in errors[0]


def test_falling_rates_must_be_a_list():
    assert any("must be a list" in e for e in errors_for("shenyang", {"line": "transformation"}))


def test_a_rulebook_without_falling_rates_has_none():
    assert validate(raw("shenyang")).falling_rates == ()
