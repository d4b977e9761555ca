"""No member of city A can read or change anything of city B, through any URL."""

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q

from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import City
from tests.isolation.harness import find_leaks, routes
from tests.isolation.world import build_world

pytestmark = pytest.mark.django_db

# Each city role of A and A's province: at least this many users, one test each (the users
# are dealt round-robin, so all of them are covered however many there are), so that the
# sweep, most of the suite's time, is shared between pytest-xdist's workers.
MIN_USERS = 9


@pytest.fixture
def world(demo):
    city_a, city_b = City.objects.get(code="xiamen"), City.objects.get(code="shenyang")
    built = build_world(city_b, actor=get_user_model().objects.get(username="shenyang-city_admin"))
    # Everyone who sees city A but not city B: each city role of A and A's province.
    members = get_user_model().objects.filter(
        Q(memberships__city=city_a) | Q(memberships__province=city_a.province)
    )
    users = [
        user
        for user in members.distinct().order_by("username")
        if not policy.visible_cities(user).filter(pk=city_b.pk).exists()
    ]
    assert len(users) >= MIN_USERS
    return city_a, city_b, users, built


def test_every_city_url_is_enumerated():
    names = {route.name for route in routes() if route.city_scoped}

    assert {"city-home", "job-list", "api:job-detail", "api:sector-list"} <= names


@pytest.mark.parametrize("share", range(MIN_USERS), ids=lambda i: f"users-{i + 1}-of-{MIN_USERS}")
def test_no_member_of_city_a_reaches_city_b(world, share):
    city_a, city_b, users, built = world
    mine = users[share::MIN_USERS]

    assert find_leaks(users=mine, city_a=city_a, city_b=city_b, built=built) == []


def test_the_suite_catches_a_leaky_view(world, settings):
    city_a, city_b, users, built = world
    settings.ROOT_URLCONF = "tests.isolation.leaky_urls"

    # Only the leaky pattern: the others are the portal's, which the test above sweeps.
    leaks = find_leaks(
        users=users[:1], city_a=city_a, city_b=city_b, built=built,
        urlconf="tests.isolation.leaky_urls", only={"leaky-job"},
    )  # fmt: skip

    assert any("/leaky/jobs/" in leak and "shows city B's object" in leak for leak in leaks)
    assert "city B's data changed" in leaks
