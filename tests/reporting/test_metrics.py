"""Computed metrics on fixed data give exact values, for one city or many in the same queries."""

from decimal import Decimal

import pytest

from pilot_portal.reporting.facts import city_facts
from pilot_portal.reporting.metrics import METRICS
from pilot_portal.reporting.selectors import indicator_rows
from tests.factories import CityFactory, EnterpriseFactory
from tests.reporting.world import install_shipped_indicators, reporting_world

pytestmark = pytest.mark.django_db

EXPECTED = {
    "enterprises_enrolled": "23",
    "enterprises_transformed": "3",
    "transformed_above_size": "1",
    "transformed_below_size": "2",
    "transformed_srdi": "2",
    "transformed_little_giants": "1",
    "transformed_level_4": "1",
    "enterprises_diagnosed": "18",
    "enterprises_assessed": "21",
    "assessment_reports": "22",
    "above_size_level2_share": "85.00",
    "srdi_level2_share": "50.00",
    "little_giant_level2_share": "50.00",
    "providers_selected": "3",
    "providers_integrators": "2",
    "providers_product": "1",
    "light_solutions": "2",
    "chain_cases": "1",
    "exemplary_projects": "1",
    "projects_accepted": "4",
    "funds_approved": "400000.00",
    "funds_paid": "100000.00",
    "enterprise_funds_share": "75.00",
    "enterprises_on_platform": "0",
}


def test_every_metric_gives_its_exact_value_on_known_data():
    world = reporting_world()
    facts = city_facts([world["city"].pk])[world["city"].pk]
    values = {key: metric.value(facts) for key, metric in METRICS.items()}
    assert {key: str(value) for key, value in values.items()} == EXPECTED


def test_the_90_percent_share_is_counted_per_sector_over_every_above_size_enterprise():
    world = reporting_world()
    a, b = world["sectors"]
    sectors = city_facts([world["city"].pk])[world["city"].pk].sectors
    assert (sectors[a.pk].above, sectors[a.pk].above_at_level_2) == (10, 9)  # 90 %: meets
    # 8 of 10: the two never assessed count against the sector (a submitted diagnosis is no level)
    assert (sectors[b.pk].above, sectors[b.pk].above_at_level_2) == (10, 8)


def test_another_citys_records_never_enter_a_figure():
    world = reporting_world()
    other = reporting_world()
    EnterpriseFactory(city=other["city"])
    facts = city_facts([world["city"].pk, other["city"].pk])
    assert METRICS["enterprises_enrolled"].value(facts[world["city"].pk]) == 23
    assert METRICS["enterprises_enrolled"].value(facts[other["city"].pk]) == 24


def test_facts_cost_the_same_queries_for_one_city_or_many(django_assert_num_queries):
    cities = [reporting_world()["city"].pk for _ in range(3)]
    with django_assert_num_queries(11):
        city_facts(cities[:1])
    with django_assert_num_queries(11):
        city_facts(cities)


def test_a_city_without_records_reads_zero_and_no_share():
    city = CityFactory()
    facts = city_facts([city.pk])[city.pk]
    assert METRICS["enterprises_transformed"].value(facts) == 0
    assert METRICS["above_size_level2_share"].value(facts) is None
    assert METRICS["funds_paid"].value(facts) == Decimal("0")


def test_indicator_rows_give_target_for_the_year_actual_and_progress():
    world = reporting_world()
    rows = {row.code: row for row in indicator_rows(city=world["city"], year=2025)}
    assert (rows["1"].target, rows["1"].actual, rows["1"].progress) == (
        Decimal("10"), Decimal("3"), Decimal("0.3000"),
    )  # fmt: skip
    assert (rows["15"].target, rows["15"].actual) == (Decimal("54"), Decimal("85.00"))
    assert rows["15"].reached
    assert rows["4"].actual is None and "no accepted value" in rows["4"].explanation
    totals = {row.code: row.target for row in indicator_rows(city=world["city"])}
    assert totals == {"1": Decimal("30"), "15": Decimal("90"), "4": Decimal("6")}


@pytest.mark.parametrize("source,count,computed", [
    ("shenyang", 16, 11), ("xiamen", 10, 4), ("xinxiang", 16, 9),
])  # fmt: skip
def test_the_seed_cities_tables_install_with_their_targets(source, count, computed):
    city = CityFactory()
    assert install_shipped_indicators(city, source) == count
    rows = indicator_rows(city=city)
    assert len(rows) == count
    assert sum(row.indicator.source == "computed" for row in rows) == computed
    if source == "shenyang":
        first = rows[0].indicator
        assert (first.name, first.targets, first.total_target) == (
            "拟改造数字化转型企业数量", {"2024": "300", "2025": "367"}, Decimal("667"),
        )  # fmt: skip
