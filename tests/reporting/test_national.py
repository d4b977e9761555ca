"""The ministry's performance table: exact figures per city against the regional minimum and the
per-sector 90 % target, the flags of a city falling behind, the latest submitted figures beside
the live ones, group totals, who sees which cities, and a fixed number of queries."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pilot_portal.reporting.national import national_groups, national_rows
from pilot_portal.reporting.services import period_reopen, period_submit
from pilot_portal.tenancy.models import City, Membership
from tests.factories import CityFactory, ProvinceFactory, SectorFactory, UserFactory
from tests.reporting.world import _enterprise, reporting_world

pytestmark = pytest.mark.django_db

BEFORE_END, AFTER_END = date(2025, 1, 1), date(2026, 11, 1)  # CityFactory: 2024-10-01..2026-10-31
URL = "/overview/performance/"


def rows_of(*cities, today):
    rows = national_rows(cities=City.objects.filter(pk__in=[c.pk for c in cities]), today=today)
    return {row.city.code: row for row in rows}


def flag_codes(row) -> list[str]:
    return [flag.code for flag in row.flags]


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client, query="") -> str:
    response = client.get(URL + query)
    assert response.status_code == 200, response.content[:500]
    return re.sub(r"\s+", " ", response.content.decode())


def city_row(body: str, code: str) -> str:
    return body[body.index(f'<tr data-city="{code}"') :].split("</tr>")[0]


def value(row_html: str, name: str) -> str:
    return re.search(rf'data-value="{name}">([^<]*)<', row_html).group(1).strip()


def ministry_user():
    user = UserFactory()
    Membership.objects.create(user=user, role="ministry")
    return user


def little_giant_city(**fields):
    """A central 2024-batch city: one little giant diagnosed at level 1, one transformed."""
    city = CityFactory(**{"region": "central", "batch_year": 2024, **fields})
    sector = SectorFactory(city=city, name="机床")
    _enterprise(city, sector, srdi="little_giant", diagnosis=1)
    _enterprise(city, sector, diagnosis=2, accepted=2)
    return city


# -- the figures ---------------------------------------------------------------------------------


def test_an_east_city_counts_its_transformed_against_500_and_each_sector_against_90_percent():
    # given: 3 transformed; sector 起重设备 9/10 above-size at level 2, 医疗器械 8/10
    city = reporting_world(name="东部试点市")["city"]

    # when
    row = rows_of(city, today=BEFORE_END)[city.code]

    # then
    assert (row.transformed, row.minimum, row.progress) == (3, 500, Decimal("0.0060"))
    assert row.progress_percent == Decimal("0.60")
    assert (row.sectors_meeting, len(row.sectors)) == (1, 2)
    low = row.lowest_sector
    assert (low.name, low.at_level_2, low.above, low.share) == ("医疗器械", 8, 10, Decimal("80.00"))
    assert row.above_size_share == Decimal("85.00")
    assert (row.srdi_share, row.little_giant_share) == (Decimal("50.00"), Decimal("50.00"))
    assert (row.approved, row.paid) == (Decimal("400000.00"), Decimal("100000.00"))
    assert (row.approved_of_award, row.paid_of_award) == (Decimal("0.40"), Decimal("0.10"))
    assert row.enterprise_share == Decimal("75.00")
    # 92 of 760 days passed; 0.60 % of the minimum done trails by more than 10 points
    assert row.elapsed == Decimal("12.11")
    assert flag_codes(row) == ["behind_schedule", "funds_80_20"]


def test_after_the_period_the_sector_at_8_of_10_is_flagged_and_the_one_at_9_of_10_is_not():
    city = reporting_world()["city"]

    row = rows_of(city, today=AFTER_END)[city.code]

    assert flag_codes(row) == [
        "behind_schedule", "below_minimum", "sector_below_90", "funds_80_20", "little_giants",
    ]  # fmt: skip
    sector_flag = next(f for f in row.flags if f.code == "sector_below_90")
    assert "医疗器械" in sector_flag.message and "起重设备" not in sector_flag.message


def test_a_northeast_city_s_minimum_is_its_own_target():
    # given: a northeast city that promised 2 and transformed 2; another that promised nothing
    city = CityFactory(region="northeast", enterprises_target=2)
    sector = SectorFactory(city=city)
    _enterprise(city, sector, diagnosis=2, accepted=2)
    _enterprise(city, sector, diagnosis=1, accepted=3)
    no_target = CityFactory(region="northeast", enterprises_target=None)

    rows = rows_of(city, no_target, today=AFTER_END)

    row = rows[city.code]
    assert (row.transformed, row.minimum, row.progress) == (2, 2, Decimal("1.0000"))
    assert "below_minimum" not in flag_codes(row) and "behind_schedule" not in flag_codes(row)
    assert (rows[no_target.code].minimum, rows[no_target.code].progress) == (None, None)


def test_a_2024_city_with_a_little_giant_below_level_2_is_flagged_once_its_period_is_over():
    city = little_giant_city()

    before = rows_of(city, today=BEFORE_END)[city.code]
    after = rows_of(city, today=AFTER_END)[city.code]

    assert before.little_giant_share == Decimal("0.00") and before.little_giant_meets is False
    assert "little_giants" not in flag_codes(before)
    assert "little_giants" in flag_codes(after)
    assert (after.transformed, after.minimum) == (1, 400)


def test_the_2024_targets_do_not_bind_an_older_batch():
    city = little_giant_city(batch_year=2023)

    row = rows_of(city, today=AFTER_END)[city.code]

    assert not row.srdi_targets_apply and row.little_giant_meets is None
    assert "little_giants" not in flag_codes(row)


def test_rows_run_by_region_then_worst_progress_first_and_groups_add_up():
    # given: two east cities (3 and 1 transformed), a central one, a northeast one
    east_3 = reporting_world()["city"]
    east_1 = CityFactory(region="east", batch_year=2023)
    _enterprise(east_1, SectorFactory(city=east_1), diagnosis=2, accepted=2)
    central = little_giant_city()
    northeast = CityFactory(region="northeast", enterprises_target=10, batch_year=2023)

    rows = national_rows(
        cities=City.objects.filter(pk__in=[east_3.pk, east_1.pk, central.pk, northeast.pk]),
        today=AFTER_END,
    )

    assert [r.city.code for r in rows] == [east_1.code, east_3.code, central.code, northeast.code]
    by_region = {
        g.key: (g.transformed, g.minimum, g.flagged, len(g.rows)) for g in national_groups(rows)
    }
    assert by_region == {
        "east": (4, 1000, 2, 2),
        "central": (1, 400, 1, 1),
        "northeast": (0, 10, 1, 1),
    }
    by_batch = [(g.key, g.transformed, g.minimum) for g in national_groups(rows, by="batch")]
    assert by_batch == [("2023", 1, 510), ("2024", 4, 900)]


# -- the latest submitted figures ----------------------------------------------------------------


def test_the_submitted_figures_stay_beside_the_live_ones_after_the_records_change():
    # given: the city submits its mid-term figures (3 transformed, 85.00 %), then one more
    # above-size enterprise of the sector at 9/10 is transformed at level 2
    world = reporting_world()
    city, admin = world["city"], world["admin"]
    Membership.objects.create(user=admin, role="ministry")
    period_submit(city=city, kind="mid_term", year=2025, actor=admin)
    _enterprise(city, world["sectors"][0], diagnosis=2, accepted=2)

    # when
    row_html = city_row(page(as_user(admin)), city.code)

    # then: submitted / live
    assert value(row_html, "submitted-transformed") == "3"
    assert value(row_html, "live-transformed") == "4"
    assert value(row_html, "submitted-share") == "85.00 %"
    assert value(row_html, "live-share") == "85.71 %"  # 18 of 21
    assert "v1" in value(row_html, "period")


def test_a_period_reopened_for_correction_gives_way_to_the_one_submitted_before():
    world = reporting_world()
    city, admin = world["city"], world["admin"]
    period_submit(city=city, kind="yearly", year=2024, actor=admin)
    _enterprise(city, world["sectors"][0], diagnosis=2, accepted=2)
    mid_term = period_submit(city=city, kind="mid_term", year=2025, actor=admin)
    assert rows_of(city, today=BEFORE_END)[city.code].submitted.transformed == Decimal("4.00")

    period_reopen(period=mid_term, reason="数据更正", actor=admin)

    submitted = rows_of(city, today=BEFORE_END)[city.code].submitted
    assert (submitted.kind, submitted.year, submitted.transformed) == ("yearly", 2024, 3)


# -- the page ------------------------------------------------------------------------------------


def test_the_ministry_sees_every_city_with_its_flags_and_a_link_to_its_dashboard(demo):
    city = reporting_world()["city"]

    body = page(as_user(ministry_user()))

    for code in ("shenyang", "xiamen", "xinxiang", city.code):
        assert f'data-city="{code}"' in body
    row_html = city_row(body, city.code)
    assert f'href="{reverse("performance-dashboard", args=[city.code])}"' in row_html
    assert f'href="/c/{city.code}/performance/"' in row_html
    assert value(row_html, "transformed") == "3" and value(row_html, "minimum") == "500"
    assert value(row_html, "lowest-sector") == "医疗器械 80.00 %"
    flags = body[body.index(f'data-flags-of="{city.code}"') :].split("</tr>")[0]
    assert 'data-flag="funds_80_20"' in flags and "企业改造资金占比 75.00%" in flags


def test_an_older_batch_shows_a_dash_for_the_2024_targets():
    city = little_giant_city(batch_year=2023)

    row_html = city_row(page(as_user(ministry_user())), city.code)

    assert re.search(r'data-cell="little-giants">—<', row_html)
    assert re.search(r'data-cell="srdi">—<', row_html)


def test_a_province_user_sees_only_the_cities_of_their_province(demo):
    # given
    province = ProvinceFactory(code="test-province")
    own, also_own = CityFactory(province=province), CityFactory(province=province)
    elsewhere = CityFactory()
    user = UserFactory()
    Membership.objects.create(user=user, role="province", province=province)

    body = page(as_user(user))

    assert f'data-city="{own.code}"' in body and f'data-city="{also_own.code}"' in body
    for code in (elsewhere.code, "shenyang", "xiamen", "xinxiang"):
        assert f'data-city="{code}"' not in body


def test_a_city_admin_is_refused_and_a_visitor_sent_to_log_in():
    world = reporting_world()

    assert as_user(world["admin"]).get(URL).status_code == 403
    response = Client().get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_filters_narrow_the_table_and_the_grouping_switches_to_batches(demo):
    east = reporting_world()["city"]
    central = little_giant_city()
    today = timezone.localdate()  # a period just begun: nothing to flag yet
    quiet = CityFactory(
        region="central",
        batch_year=2023,
        period_start=today,
        period_end=date(today.year + 2, 12, 31),
    )
    client = as_user(ministry_user())

    body = page(client, "?region=central")
    assert f'data-city="{central.code}"' in body and f'data-city="{east.code}"' not in body

    body = page(client, "?region=central&flagged=on")
    assert f'data-city="{central.code}"' in body and f'data-city="{quiet.code}"' not in body

    body = page(client, "?batch=2023&group=batch")
    assert f'data-city="{quiet.code}"' in body and f'data-city="{central.code}"' not in body
    assert 'data-group="2023"' in body and 'data-group="2024"' not in body

    body = page(client, "?region=nowhere&batch=abc")  # a stale link: the whole table
    assert f'data-city="{east.code}"' in body and f'data-city="{central.code}"' in body


@pytest.mark.parametrize("cities", [2, 6])
def test_the_page_costs_the_same_number_of_queries_for_2_and_6_cities(
    cities, django_assert_max_num_queries
):
    admin = None
    for _ in range(cities):
        world = reporting_world()
        admin = world["admin"]
        period_submit(city=world["city"], kind="mid_term", year=2025, actor=admin)
    client = as_user(ministry_user())
    # session, user, memberships, the batch years, the cities (province joined), city_facts
    # (eleven), the latest submitted period per city with its two figures
    with django_assert_max_num_queries(17):
        body = page(client)
    assert body.count('data-value="submitted-transformed">3<') == cities
