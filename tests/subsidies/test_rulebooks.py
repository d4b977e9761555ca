"""Shipped rulebooks are complete and valid; a bad rulebook is refused naming line and field."""

import copy
import json
from datetime import date
from decimal import Decimal

import pytest

from subsidies.rulebook import DATA_DIR, SEED_CITIES, RulebookError, load, validate

D = Decimal

EXPECTED_LINES = {
    "shenyang": {
        "transformation",
        "chain_case",
        "excellent_product",
        "public_platform",
        "sector_platform",
        "diagnosis",
        "acceptance",
        "services_events",
    },
    "xiamen": {
        "diagnosis",
        "chain_leader",
        "cloud_first",
        "transformation",
        "national_demo",
        "training",
    },
    "xinxiang": {
        "loan_interest",
        "transformation",
        "benchmark",
        "excellent_provider",
        "excellent_product",
        "chain_case",
        "diagnosis",
        "acceptance",
        "national_demo",
        "provincial_demo",
        "little_giant_national",
        "specialised_provincial",
        "training_session",
        "industry_event",
        "star_rating_bonus",
    },
}


def raw(city="shenyang"):
    return json.loads((DATA_DIR / f"{city}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("city", SEED_CITIES)
def test_every_seed_city_ships_every_line_domain_lists(city):
    book = load(city)
    assert {line.code for line in book.lines} == EXPECTED_LINES[city]
    assert book.currency == "CNY"
    for line in book.lines:
        assert line.source[:3] in ("002", "003", "004"), line.code
        assert line.name_zh and line.name_en


def test_seed_rulebooks_carry_programme_constraints():
    shenyang, xiamen, xinxiang = (load(c) for c in SEED_CITIES)
    assert shenyang.programme.local_matching_ratio == D("1.25")
    assert shenyang.programme.award_cap == xiamen.programme.award_cap == D("150000000.00")
    assert xinxiang.programme.award_cap == D("100000000.00")
    assert xiamen.take_highest and not shenyang.take_highest and not xinxiang.take_highest
    assert xinxiang.category_total("diagnosis").total == D("1000000.00")
    assert xinxiang.category_total("acceptance").total == D("3000000.00")
    assert xiamen.schedule_for("transformation").shares == (D("0.50"), D("0.50"))
    assert xiamen.effective_from == date(2024, 2, 6)
    for book in (shenyang, xiamen, xinxiang):
        assert {e.flag for e in book.exclusions} == {
            "little_giant_central",
            "pilot_2022",
            "blacklisted",
        }


def errors_for(mutate, city="shenyang"):
    data = copy.deepcopy(raw(city))
    mutate(data)
    with pytest.raises(RulebookError) as caught:
        validate(data)
    return caught.value.errors


def line(data, code):
    return next(item for item in data["lines"] if item["code"] == code)


def test_unknown_kind_names_the_line():
    errors = errors_for(lambda d: line(d, "diagnosis").update(kind="lottery"))
    assert errors == [
        "lines[diagnosis].kind：未知的规则类型（lottery） / lines[diagnosis].kind: "
        "unknown rule kind (lottery)"
    ]


def test_missing_cap_is_refused():
    errors = errors_for(lambda d: line(d, "diagnosis")["params"].pop("cap"))
    assert len(errors) == 1
    assert "lines[diagnosis].params.cap" in errors[0] and "missing amount or cap" in errors[0]


def test_missing_level_cap_is_refused():
    errors = errors_for(lambda d: line(d, "transformation")["params"]["levels"][0].pop("cap"))
    assert "lines[transformation].params.levels[0].cap" in errors[0]


@pytest.mark.parametrize("rate", ["1.5", "0", "-0.2"])
def test_rate_outside_zero_to_one_is_refused(rate):
    def mutate(d):
        line(d, "transformation")["params"]["levels"][0]["rate"] = rate

    errors = errors_for(mutate)
    assert "rate must be between 0 and 1" in errors[0]
    assert "比例须在 0–1 之间" in errors[0]


def test_negative_amount_is_refused():
    errors = errors_for(lambda d: line(d, "chain_case")["params"].update(amount="-500000.00"))
    assert "lines[chain_case].params.amount" in errors[0] and "negative amount" in errors[0]


def test_float_amount_is_refused_because_it_is_not_exact():
    errors = errors_for(lambda d: line(d, "diagnosis")["params"].update(cap=7000.0))
    assert "must be a decimal string" in errors[0]


def test_overlapping_levels_are_refused():
    def mutate(d):
        levels = line(d, "transformation")["params"]["levels"]
        levels[0]["max_level"] = 3
        levels[1]["min_level"] = 3

    errors = errors_for(mutate, "xiamen")
    assert any("overlapping level bands (levels 2 and 3)" in e for e in errors)


def test_higher_level_paying_less_is_refused():
    def mutate(d):
        line(d, "transformation")["params"]["levels"][1]["cap"] = "100000.00"

    errors = errors_for(mutate, "xinxiang")
    assert any("higher level must not have a lower rate or cap" in e for e in errors)


def test_duplicate_codes_are_refused():
    def mutate(d):
        d["lines"].append(copy.deepcopy(line(d, "diagnosis")))

    errors = errors_for(mutate)
    assert errors == ["lines[diagnosis].code：规则代码重复 / lines[diagnosis].code: duplicate code"]


def test_instalment_shares_must_add_up():
    errors = errors_for(lambda d: d["instalments"][0].update(shares=["0.50", "0.40"]), "xiamen")
    assert "instalment shares must add up to 100 %" in errors[0]


def test_per_unit_without_a_total_cap_key_is_refused():
    errors = errors_for(lambda d: line(d, "chain_leader")["params"].pop("total_cap"), "xiamen")
    assert "lines[chain_leader].params.total_cap" in errors[0]


def test_every_problem_is_reported_at_once_and_bilingual():
    def mutate(d):
        line(d, "diagnosis")["params"]["cap"] = "-1"
        line(d, "acceptance")["kind"] = "nope"
        d["currency"] = "USD"

    errors = errors_for(mutate)
    assert len(errors) == 3
    assert all(" / " in e for e in errors)


def test_category_total_needs_a_line_in_that_category():
    def mutate(d):
        d["category_totals"].append({"category": "ghost", "total": "1.00", "source": "x"})

    errors = errors_for(mutate, "xinxiang")
    assert "category_totals[ghost]" in errors[0]


def test_bonus_points_must_be_whole_numbers():
    def mutate(d):
        line(d, "star_rating_bonus")["params"]["by_level"][0]["points"] = "two"

    errors = errors_for(mutate, "xinxiang")
    assert "lines[star_rating_bonus].params.by_level[0].points" in errors[0]
