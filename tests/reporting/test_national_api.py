"""`/api/v1/performance/`: the ministry's table as data; a province sees its own cities only."""

import pytest
from rest_framework.test import APIClient

from pilot_portal.tenancy.models import Role
from pilot_portal.tenancy.services import membership_grant
from tests.factories import UserFactory
from tests.reporting.world import reporting_world

pytestmark = pytest.mark.django_db

URL = "/api/v1/performance/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_ministry_reads_every_city_with_its_figures(demo):
    world = reporting_world()
    ministry = UserFactory()
    membership_grant(user=ministry, role=Role.MINISTRY, actor=ministry)
    response = api(ministry).get(URL)
    assert response.status_code == 200
    rows = {row["city"]: row for row in response.json()}
    assert {"shenyang", "xiamen", "xinxiang", world["city"].code} <= set(rows)
    row = rows[world["city"].code]
    assert (row["transformed"], row["minimum"], row["progress"]) == (3, 500, "0.0060")
    assert row["above_size_share"] == "85.00"
    assert [(s["share"], s["meets"]) for s in row["sectors"]] == [("90.00", True), ("80.00", False)]
    assert row["enterprise_share"] == "75.00"
    assert "funds_80_20" in {flag["code"] for flag in row["flags"]}
    # Shenyang is in the northeast: its minimum is its own approved target.
    assert rows["shenyang"]["minimum"] == 667
    # The demo's submitted yearly report shows beside the live figures.
    assert rows["xinxiang"]["submitted"]["kind"] == "yearly"


def test_a_province_sees_its_own_cities_and_filters_work(demo):
    from django.contrib.auth import get_user_model

    henan = get_user_model().objects.get(username="henan-province")
    assert [row["city"] for row in api(henan).get(URL).json()] == ["xinxiang"]
    ministry = get_user_model().objects.get(username="ministry")
    east = api(ministry).get(URL, {"region": "east"}).json()
    assert {row["city"] for row in east} >= {"xiamen"} and "xinxiang" not in {
        row["city"] for row in east
    }
    assert api(ministry).get(URL, {"region": "north"}).status_code == 400


def test_city_members_and_visitors_are_refused(demo):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(username="xinxiang-city_admin")
    assert api(admin).get(URL).status_code == 403
    assert APIClient().get(URL).status_code == 401
