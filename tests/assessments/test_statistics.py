"""Statistics of digital levels: each enterprise once, by its latest locked assessment; the
above-size share against the 90 % target; diagnosis → acceptance movement; the page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import statistics
from assessments.models import Assessment
from tests.factories import (
    CityFactory,
    DistrictFactory,
    EnterpriseFactory,
    MembershipFactory,
    SectorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SCORES = {None: "12.00", 1: "30.00", 2: "50.00", 3: "70.00", 4: "90.00"}


def rate(enterprise, level, *, edition, kind="diagnosis", days_ago=30, status="locked"):
    """An assessment straight into the database (the services are tested elsewhere)."""
    locked = status == "locked"
    return Assessment.objects.create(
        city=enterprise.city, enterprise=enterprise, kind=kind, edition=edition, status=status,
        level=level, total_score=Decimal(SCORES[level]), created_by=UserFactory(),
        locked_at=timezone.now() - timedelta(days=days_ago) if locked else None,
    )  # fmt: skip


@pytest.fixture
def world(edition_2024):
    """Two districts, three sectors:

    纺织 (textiles): 10 above-size enterprises assessed, 9 at level ≥ 2 (90 %: meets);
    五金 (metals): 10 above-size assessed, 8 at level ≥ 2 (80 %: below), one above-size not
        assessed, two below-size at level 1;
    化工 (chemicals): below-size enterprises with a diagnosis and an acceptance each.
    """
    city = CityFactory()
    east = DistrictFactory(city=city, code="001", name="东区")
    west = DistrictFactory(city=city, code="002", name="西区")
    textiles = SectorFactory(city=city, code="C17", name="纺织")
    metals = SectorFactory(city=city, code="C33", name="五金")
    chemicals = SectorFactory(city=city, code="C26", name="化工")

    def enterprise(sector, district, size="above"):
        return EnterpriseFactory(city=city, sector=sector, district=district, size=size)

    for level in (2, 2, 2, 3, 3, 3, 4, 4, 2, 1):  # 9 of 10 at ≥ 2, all in the east
        rate(enterprise(textiles, east), level, edition=edition_2024)
    for level in (2, 2, 3, 3, 3, 4, 2, 2, 1, None):  # 8 of 10, all in the west
        rate(enterprise(metals, west), level, edition=edition_2024)
    enterprise(metals, west)  # above-size, not assessed
    for _ in range(2):
        rate(enterprise(metals, west, size="below"), 1, edition=edition_2024)
    # Movement, in the east: 1 → 2 three times, 2 → 2 once, 3 → 2 once; no level → 1 once.
    for before, after in ((1, 2), (1, 2), (1, 2), (2, 2), (3, 2), (None, 1)):
        chemical = enterprise(chemicals, east, size="below")
        rate(chemical, before, edition=edition_2024, days_ago=60)
        rate(chemical, after, edition=edition_2024, kind="acceptance", days_ago=5)
    # An acceptance without a locked diagnosis is left out of the movement.
    rate(enterprise(chemicals, east, size="below"), 3, edition=edition_2024, kind="acceptance")
    return {
        "city": city, "east": east, "west": west,
        "admin": MembershipFactory(city=city, role="city_admin").user,
        "officer": MembershipFactory(city=city, role="district_officer", district=east).user,
        "enterprise": enterprise,
        "sectors": (textiles, metals, chemicals),
    }  # fmt: skip


def by_name(rows):
    return {row.name: row for row in rows}


def test_it_counts_each_enterprise_by_level_per_sector_and_district(world):
    city, admin = world["city"], world["admin"]

    sectors = statistics.level_distribution(city=city, user=admin, by="sector")
    districts = statistics.level_distribution(city=city, user=admin, by="district")

    # counts per (none, 1, 2, 3, 4); sectors in code order; the chemicals' latest is the acceptance
    assert [(r.name, r.counts) for r in sectors] == [
        ("纺织", [0, 1, 4, 3, 2]),
        ("化工", [0, 1, 5, 1, 0]),
        ("五金", [1, 3, 4, 3, 1]),
    ]
    assert [(r.name, r.counts, r.total) for r in districts] == [
        ("东区", [0, 2, 9, 4, 2], 17),
        ("西区", [1, 3, 4, 3, 1], 12),
    ]


def test_a_kind_alone_counts_only_that_kind(world):
    city, admin = world["city"], world["admin"]

    diagnosis = by_name(statistics.level_distribution(city=city, user=admin, by="sector",
                                                      basis="diagnosis"))  # fmt: skip
    acceptance = statistics.level_distribution(
        city=city, user=admin, by="sector", basis="acceptance"
    )

    assert diagnosis["化工"].counts == [1, 3, 1, 1, 0]
    assert [(r.name, r.counts) for r in acceptance] == [("化工", [0, 1, 5, 1, 0])]


def test_it_shares_above_size_enterprises_at_level_2_against_the_90_percent_target(world):
    city, admin = world["city"], world["admin"]

    rows = by_name(statistics.above_size_target(city=city, user=admin))

    textiles, metals = rows["纺织"], rows["五金"]
    assert (textiles.above_enterprises, textiles.assessed, textiles.at_target) == (10, 10, 9)
    assert textiles.share == Decimal("0.9000") and textiles.meets_target
    assert (metals.above_enterprises, metals.assessed, metals.not_assessed) == (11, 10, 1)
    assert metals.at_target == 8 and metals.share == Decimal("0.8000")
    assert not metals.meets_target and metals.percent == Decimal("80.0")
    assert "化工" not in rows  # no above-size enterprise there


def test_it_moves_diagnosis_levels_to_acceptance_levels(world):
    movement = statistics.level_movement(city=world["city"], user=world["admin"])

    assert movement.total == 6
    assert (movement.improved, movement.same, movement.worse) == (4, 1, 1)
    assert movement.matrix[1][2] == 3  # 1 → 2
    assert movement.matrix[0][1] == 1  # no level → 1
    assert movement.matrix[3][2] == 1  # 3 → 2


def test_only_the_latest_locked_assessment_counts(world, edition_2024):
    # given: an enterprise locked at level 1, then again at level 3; a newer draft at 4
    enterprise = world["enterprise"](world["sectors"][0], world["east"])
    rate(enterprise, 1, edition=edition_2024, days_ago=90)
    rate(enterprise, 3, edition=edition_2024, days_ago=10)
    rate(enterprise, 4, edition=edition_2024, status="draft")

    # when
    textiles = by_name(
        statistics.level_distribution(city=world["city"], user=world["admin"], by="sector")
    )["纺织"]

    # then: one more enterprise, at level 3
    assert textiles.counts == [0, 1, 4, 4, 2]


def test_another_citys_data_is_never_counted(world, edition_2024):
    # given: another city with the same sector name and district name
    other = CityFactory()
    sector = SectorFactory(city=other, code="C17", name="纺织")
    for level in (1, 1, 1):
        rate(
            EnterpriseFactory(city=other, sector=sector, size="above",
                              district=DistrictFactory(city=other, name="东区")),
            level, edition=edition_2024,
        )  # fmt: skip

    figures = statistics.assessment_statistics(city=world["city"], user=world["admin"])

    assert by_name(figures.by_sector)["纺织"].counts == [0, 1, 4, 3, 2]
    assert by_name(figures.by_district)["东区"].total == 17
    assert by_name(figures.target)["纺织"].assessed == 10


def test_a_district_officer_sees_only_their_district(world):
    figures = statistics.assessment_statistics(city=world["city"], user=world["officer"])

    assert [(r.name, r.total) for r in figures.by_district] == [("东区", 17)]
    assert [r.name for r in figures.by_sector] == ["纺织", "化工"]
    assert [r.name for r in figures.target] == ["纺织"]  # 五金 is all in the west
    assert figures.movement.total == 6


# -- the page --------------------------------------------------------------------------------------


def page(client, user, city, **query):
    client.force_login(user)
    return client.get(reverse("assessment-statistics", args=[city.code]), query)


def test_the_page_shows_the_figures_and_flags_sectors_below_target(client, world):
    response = page(client, world["admin"], world["city"])

    assert response.status_code == 200
    html = response.content.decode()
    target = html.split('data-testid="target"')[1].split("</table>")[0]
    assert target.count('data-testid="meets"') == 1 and target.count('data-testid="below"') == 1
    assert "90.0 %" in target and "80.0 %" in target
    assert [n for _label, n in response.context["level_totals"]] == [1, 5, 13, 7, 3]
    assert "<svg" in html  # the chart, server-side


def test_the_page_refuses_the_wrong_role_and_another_city(client, world, edition_2024):
    city = world["city"]
    owner = MembershipFactory(
        city=city, role="enterprise", enterprise=EnterpriseFactory(city=city)
    ).user
    stranger = MembershipFactory(city=CityFactory(), role="city_admin").user

    assert page(client, owner, city).status_code == 403
    assert page(client, stranger, city).status_code == 404
    assert page(client, world["admin"], city, basis="nonsense").status_code == 400


def _queries(client, user, city) -> int:
    client.force_login(user)
    url = reverse("assessment-statistics", args=[city.code])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_runs_a_fixed_number_of_queries(client, world, edition_2024):
    city, admin = world["city"], world["admin"]
    textiles = world["sectors"][0]
    small = _queries(client, admin, city)

    # ten times more enterprises, sectors and districts
    for n in range(30):
        district = DistrictFactory(city=city)
        sector = SectorFactory(city=city)
        for level in (None, 1, 2, 3, 4):
            e = EnterpriseFactory(city=city, sector=sector if n % 2 else textiles,
                                  district=district, size="above")  # fmt: skip
            rate(e, level, edition=edition_2024, days_ago=40)
            rate(e, level, edition=edition_2024, kind="acceptance", days_ago=4)

    assert _queries(client, admin, city) == small
    # session, user, city, memberships; then the four figures: levels per sector (with the
    # target's counts), levels per district, above-size enterprises per sector, movement
    assert small == 8
