"""The subsidy engine: the issue's worked examples, one case per rule line, properties."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subsidies.rulebook import RATE_BY_LEVEL, load
from subsidies.rules import Facts, compute, instalments

D = Decimal
SHENYANG, XIAMEN, XINXIANG = load("shenyang"), load("xiamen"), load("xinxiang")
BOOKS = {"shenyang": SHENYANG, "xiamen": XIAMEN, "xinxiang": XINXIANG}


def amount(book, code, **facts):
    return compute(book, code, Facts(**facts)).amount


@pytest.mark.parametrize(
    ("book", "investment", "level", "expected"),
    [
        (SHENYANG, "1200000", 2, "500000.00"),
        (SHENYANG, "300000", 3, "150000.00"),
        (XIAMEN, "500000", 2, "200000.00"),
        (XIAMEN, "1000000", 3, "350000.00"),
        (XIAMEN, "2000000", 4, "400000.00"),
        (XINXIANG, "800000", 2, "400000.00"),
        (XINXIANG, "800000", 3, "560000.00"),
        (XINXIANG, "1200000", 3, "700000.00"),
    ],
)
def test_transformation_worked_examples(book, investment, level, expected):
    result = compute(book, "transformation", Facts(level=level, eligible_investment=D(investment)))
    assert result.eligible
    assert result.amount == D(expected)
    assert str(result.amount) == expected


def test_shenyang_explanation_reads_like_the_issue():
    result = compute(SHENYANG, "transformation", Facts(level=2, eligible_investment=D("1200000")))
    assert "可补助投资 1,200,000.00 × 50% = 600,000.00；封顶 500,000.00" in result.explanation_zh
    assert result.explanation_zh.endswith("补助 500,000.00")
    assert "eligible investment 1,200,000.00 × 50% = 600,000.00; cap 500,000.00" in (
        result.explanation_en
    )
    keys = [s.key for s in result.steps]
    assert keys == ["level", "base", "rate", "raw", "cap", "result"]


def test_shenyang_level_1_is_not_eligible():
    result = compute(SHENYANG, "transformation", Facts(level=1, eligible_investment=D("900000")))
    assert result.amount == D("0.00")
    assert not result.eligible
    assert "二级及以上" in result.reasons[0][0]
    assert "level 2 or above" in result.reasons[0][1]


def test_no_acceptance_level_is_not_eligible():
    result = compute(XIAMEN, "transformation", Facts(level=None, eligible_investment=D("900000")))
    assert (result.amount, result.eligible) == (D("0.00"), False)


@pytest.mark.parametrize(
    ("flag", "source"),
    [
        ("little_giant_central", "002 第六条（一）"),
        ("pilot_2022", "002 第六条（二）"),
        ("blacklisted", "002 第十三条"),
    ],
)
def test_shenyang_excluded_enterprise_gets_nothing_with_the_reason(flag, source):
    facts = Facts(level=3, eligible_investment=D("1000000"), **{flag: True})
    result = compute(SHENYANG, "transformation", facts)
    assert result.amount == D("0.00")
    assert not result.eligible
    zh, en = result.reasons[0]
    assert source in zh and "not eligible" in en
    if flag == "little_giant_central":
        assert "小巨人" in zh and "little giant" in en


# --- one worked example per other rule line --------------------------------------------------


@pytest.mark.parametrize(
    ("code", "facts", "expected"),
    [
        ("chain_case", {}, "500000.00"),  # the ceiling until the city proposes a figure
        ("chain_case", {"requested": D("300000")}, "300000.00"),
        ("chain_case", {"requested": D("800000")}, "500000.00"),
        ("chain_case", {"already_granted_this_line": D("300000")}, "0.00"),  # once
        ("excellent_product", {"requested": D("450000")}, "450000.00"),
        ("public_platform", {"fee": D("6200000")}, "5000000.00"),
        ("sector_platform", {"fee": D("1200000")}, "1200000.00"),
        ("sector_platform", {"fee": D("1800000")}, "1500000.00"),
        ("diagnosis", {"fee": D("6500")}, "6500.00"),
        ("diagnosis", {"fee": D("9000")}, "7000.00"),
        ("acceptance", {"fee": D("12000")}, "10000.00"),
        (
            "services_events",
            {"fee": D("400000"), "programme_used_in_category": D("2800000")},
            "200000.00",
        ),
    ],
)
def test_shenyang_other_lines(code, facts, expected):
    assert amount(SHENYANG, code, **facts) == D(expected)


@pytest.mark.parametrize(
    ("code", "facts", "expected"),
    [
        ("diagnosis", {"fee": D("50000")}, "30000.00"),  # 60 %
        ("diagnosis", {"fee": D("150000")}, "60000.00"),  # capped
        ("chain_leader", {"units": 3}, "150000.00"),
        ("chain_leader", {"units": 25}, "1000000.00"),
        ("chain_leader", {"units": 4, "already_granted_this_line": D("900000")}, "100000.00"),
        ("cloud_first", {"fee": D("120000")}, "120000.00"),
        ("cloud_first", {"fee": D("420000")}, "300000.00"),
        ("national_demo", {}, "1000000.00"),
        ("national_demo", {"requested": D("300000")}, "500000.00"),  # never below the floor
        ("national_demo", {"requested": D("800000")}, "800000.00"),
        ("training", {"units": 40, "fee": D("25000")}, "20000.00"),  # 40 person-days × 500
        ("training", {"units": 40, "fee": D("15000")}, "15000.00"),  # never above the cost
    ],
)
def test_xiamen_other_lines(code, facts, expected):
    assert amount(XIAMEN, code, **facts) == D(expected)


@pytest.mark.parametrize(
    ("code", "facts", "expected"),
    [
        ("loan_interest", {"loan_interest": D("32000")}, "32000.00"),
        ("loan_interest", {"loan_interest": D("68000")}, "50000.00"),
        (
            "loan_interest",
            {"loan_interest": D("30000"), "already_granted_this_line": D("40000")},
            "10000.00",
        ),
        ("benchmark", {}, "150000.00"),
        ("benchmark", {"requested": D("120000")}, "120000.00"),
        ("excellent_provider", {"requested": D("150000")}, "100000.00"),
        ("excellent_product", {}, "100000.00"),
        ("chain_case", {}, "100000.00"),
        ("diagnosis", {"fee": D("2500")}, "2000.00"),
        ("diagnosis", {"fee": D("1800")}, "1800.00"),
        ("acceptance", {"fee": D("5000")}, "5000.00"),
        ("acceptance", {"fee": D("7000")}, "6000.00"),
        ("national_demo", {}, "500000.00"),
        ("provincial_demo", {}, "200000.00"),
        ("little_giant_national", {}, "500000.00"),
        ("specialised_provincial", {}, "300000.00"),
        ("training_session", {"fee": D("260000")}, "200000.00"),
        ("industry_event", {"fee": D("80000")}, "80000.00"),
    ],
)
def test_xinxiang_other_lines(code, facts, expected):
    assert amount(XINXIANG, code, **facts) == D(expected)


@pytest.mark.parametrize(("level", "points"), [(1, 1), (2, 3), (3, 4), (4, 6)])
def test_xinxiang_star_rating_bonus_is_points_not_money(level, points):
    result = compute(XINXIANG, "star_rating_bonus", Facts(level=level))
    assert result.amount == D("0.00")
    assert result.points == points
    assert "not money" in result.reasons[0][1]


def test_xinxiang_little_giant_award_is_not_blocked_by_the_little_giant_exclusion():
    facts = Facts(little_giant_central=True)
    assert amount(XINXIANG, "little_giant_national", little_giant_central=True) == D("500000.00")
    assert compute(XINXIANG, "transformation", facts).eligible is False


# --- Xiamen: take the highest, never twice ---------------------------------------------------


def test_xiamen_take_highest_pays_only_the_difference():
    facts = Facts(level=2, eligible_investment=D("500000"), granted_elsewhere=D("150000"))
    result = compute(XIAMEN, "transformation", facts)
    assert result.amount == D("50000.00")  # 200,000 here − 150,000 already paid elsewhere
    assert "其他政策已补助 150,000.00" in result.explanation_zh


def test_xiamen_take_highest_pays_nothing_when_the_other_policy_paid_more():
    facts = Facts(level=2, eligible_investment=D("500000"), granted_elsewhere=D("250000"))
    result = compute(XIAMEN, "transformation", facts)
    assert result.amount == D("0.00")
    assert "就高不重复" in result.reasons[0][0]


def test_other_cities_do_not_apply_take_highest():
    facts = Facts(level=2, eligible_investment=D("1200000"), granted_elsewhere=D("150000"))
    assert compute(SHENYANG, "transformation", facts).amount == D("500000.00")


# --- Xinxiang: programme totals per category -------------------------------------------------


def test_xinxiang_diagnosis_total_nearly_used_pays_only_the_rest():
    facts = Facts(fee=D("2000"), programme_used_in_category=D("999200"))
    result = compute(XINXIANG, "diagnosis", facts)
    assert result.amount == D("800.00")
    assert "800.00" in result.reasons[0][0] and "004 任务24" in result.reasons[0][0]


def test_xinxiang_acceptance_total_used_up_pays_nothing():
    facts = Facts(fee=D("6000"), programme_used_in_category=D("3000000"))
    assert compute(XINXIANG, "acceptance", facts).amount == D("0.00")


def test_transformation_cap_already_partly_granted():
    facts = Facts(level=3, eligible_investment=D("1000000"), already_granted_this_line=D("600000"))
    result = compute(XINXIANG, "transformation", facts)
    assert result.amount == D("100000.00")
    assert "剩余额度 100,000.00" in result.explanation_zh


def test_rounding_is_half_up_to_the_fen():
    # 40 % of 0.0125 yuan-fractions: 1,000.01 × 0.40 = 400.004 → 400.00; 1,000.05 → 400.02
    assert amount(XIAMEN, "transformation", level=2, eligible_investment=D("1000.01")) == D(
        "400.00"
    )
    assert amount(SHENYANG, "transformation", level=2, eligible_investment=D("0.01")) == D("0.01")


def test_negative_facts_are_refused():
    with pytest.raises(ValueError, match="must not be negative"):
        Facts(eligible_investment=D("-1"))


# --- instalments -----------------------------------------------------------------------------


def test_xiamen_transformation_is_split_fifty_fifty_remainder_last():
    schedule = XIAMEN.schedule_for("transformation")
    assert schedule.assumption
    assert instalments(D("350000.01"), schedule) == [D("175000.00"), D("175000.01")]


def test_instalments_never_go_negative_on_tiny_amounts():
    parts = instalments(D("0.05"), [D("0.3"), D("0.3"), D("0.3"), D("0.1")])
    assert parts == [D("0.01"), D("0.01"), D("0.01"), D("0.02")]


def test_instalments_refuse_a_schedule_that_does_not_add_up():
    with pytest.raises(ValueError, match="add up to 100"):
        instalments(D("100"), [D("0.5"), D("0.4")])


# --- properties ------------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False)
levels = st.one_of(st.none(), st.integers(min_value=1, max_value=4))
monetary_lines = [
    (city, line.code) for city, book in BOOKS.items() for line in book.lines if line.monetary
]


@st.composite
def facts_st(draw):
    return Facts(
        level=draw(levels),
        eligible_investment=draw(money),
        fee=draw(money),
        units=draw(st.integers(min_value=0, max_value=50)),
        loan_interest=draw(money),
        requested=draw(st.one_of(st.none(), money)),
        granted_elsewhere=draw(st.one_of(st.just(D(0)), money)),
        already_granted_this_line=draw(st.one_of(st.just(D(0)), money)),
        programme_used_in_category=draw(st.one_of(st.just(D(0)), money)),
    )


def _caps(line):
    p = line.params
    return [
        value
        for name in ("cap", "total_cap", "yearly_cap", "amount")
        if (value := getattr(p, name, None)) is not None
    ] + [band.cap for band in getattr(p, "bands", ())]


@given(st.sampled_from(monetary_lines), facts_st())
def test_amount_is_never_negative_nor_above_any_cap(city_line, facts):
    city, code = city_line
    book = BOOKS[city]
    line = book.line(code)
    result = compute(book, code, facts)
    assert result.amount >= 0
    assert result.amount == result.amount.quantize(D("0.01"))
    for cap in _caps(line):
        assert result.amount <= cap
    total = book.category_total(line.category)
    if total is not None:
        assert result.amount <= max(total.total - facts.programme_used_in_category, 0)


@given(
    st.sampled_from(monetary_lines),
    facts_st(),
    st.sampled_from(["little_giant_central", "pilot_2022", "blacklisted"]),
)
def test_excluded_or_blacklisted_get_nothing(city_line, facts, flag):
    city, code = city_line
    book = BOOKS[city]
    if code in [c for e in book.exclusions if e.flag == flag for c in e.except_lines]:
        return
    facts = Facts(**{**facts.__dict__, flag: True})
    result = compute(book, code, facts)
    assert result.amount == 0 and not result.eligible and result.reasons


rate_lines = [
    (city, line.code)
    for city, book in BOOKS.items()
    for line in book.lines
    if line.kind == RATE_BY_LEVEL
]


@given(st.sampled_from(rate_lines), facts_st(), money, st.integers(min_value=0, max_value=3))
def test_more_investment_or_a_higher_level_never_pays_less(city_line, facts, extra, level_up):
    city, code = city_line
    book = BOOKS[city]
    base = compute(book, code, facts).amount
    richer = Facts(**{**facts.__dict__, "eligible_investment": facts.eligible_investment + extra})
    assert compute(book, code, richer).amount >= base
    level = min((facts.level or 0) + level_up, 4) or None
    better = Facts(**{**facts.__dict__, "level": level})
    assert compute(book, code, better).amount >= base


@given(
    money,
    st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=6),
)
def test_instalments_sum_exactly_to_the_amount(total, weights):
    shares = [D(w) / D(sum(weights)) for w in weights]
    # Shares must add up to exactly 1: put the Decimal division's remainder on the last share.
    shares[-1] = D(1) - sum(shares[:-1])
    if shares[-1] <= 0:
        return
    parts = instalments(total, shares)
    assert sum(parts) == total.quantize(D("0.01"))
    assert all(p >= 0 for p in parts)
    assert len(parts) == len(shares)


def test_float_facts_are_refused_because_money_is_decimal():
    with pytest.raises(TypeError, match="not a float"):
        Facts(eligible_investment=1200000.0)


def test_an_impossible_level_is_refused():
    with pytest.raises(ValueError, match="level must be 1–4"):
        Facts(level=5)
