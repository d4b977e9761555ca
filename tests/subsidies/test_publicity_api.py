"""subsidy-publicities/ and subsidy-objections/: who may read and write, the bodies, refusals
(400/403/404/409) that change nothing, and fixed query counts on the list."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from subsidies import publicity
from subsidies.models import Objection, Publicity, PublicityItem
from tests.subsidies.publicity_helpers import TRANSFORMATION_ZH, build_world, close, make_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def api(name, world, city=None, **kwargs):
    code = (city or world["city"]).code
    return reverse(f"api:{name}", kwargs={"city_code": code, **kwargs})


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(world, claims, **overrides):
    today = timezone.localdate()
    return {
        "title": "2025年第一批补助公示",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=7)).isoformat(),
        "contact": "市工信局 024-12345678",
        "claims": [c.pk for c in claims],
        **overrides,
    }


def counts():
    return (Publicity.objects.count(), PublicityItem.objects.count(), Objection.objects.count())


def test_the_city_admin_publishes_and_reads_it_back(world):
    claim = make_claim(world["city"], enterprise=world["enterprise"], amount="500000.00")
    client = client_for(world["admin"])

    created = client.post(api("subsidy-publicity-list", world), body(world, [claim]), format="json")

    assert created.status_code == 201, created.data
    data = created.json()
    assert data["state"] == "running" and data["claims"] == 1 and data["total"] == "500000.00"
    assert data["items"] == [
        {
            "claim": claim.pk, "recipient": "沈阳精密机械有限公司", "kind": "transformation",
            "rule": TRANSFORMATION_ZH, "amount": "500000.00", "objections": [],
        }
    ]  # fmt: skip
    read = client_for(world["finance"]).get(api("subsidy-publicity-detail", world, pk=data["id"]))
    assert read.status_code == 200 and read.json()["items"][0]["claim"] == claim.pk


def test_refusals_change_nothing(world):
    approved = make_claim(world["city"], enterprise=world["enterprise"])
    computed = make_claim(world["city"], enterprise=world["neighbour"], status="computed")
    foreign = make_claim(world["other_city"], enterprise=world["other_enterprise"])
    url = api("subsidy-publicity-list", world)
    before = counts()

    not_approved = client_for(world["admin"]).post(
        url, body(world, [approved, computed]), format="json"
    )
    unknown = client_for(world["admin"]).post(url, body(world, [foreign]), format="json")
    no_dates = client_for(world["admin"]).post(
        url, body(world, [approved], starts_on=None), format="json"
    )
    no_contact = client_for(world["admin"]).post(
        url, body(world, [approved], contact=""), format="json"
    )
    finance = client_for(world["finance"]).post(url, body(world, [approved]), format="json")

    assert not_approved.status_code == 409 and "computed" in not_approved.json()["detail"]
    assert unknown.status_code == 400 and "claims" in unknown.json()
    assert no_dates.status_code == 400 and "starts_on" in no_dates.json()
    assert no_contact.status_code == 400 and "contact" in no_contact.json()
    assert finance.status_code == 403
    assert counts() == before


def test_who_reads_the_publicities(world):
    publicity.publicity_create(
        actor=world["admin"], city=world["city"], title="公示", starts_on=timezone.localdate(),
        ends_on=timezone.localdate(), contact="x",
        claims=[make_claim(world["city"], enterprise=world["enterprise"]).pk],
    )  # fmt: skip
    url = api("subsidy-publicity-list", world)

    assert client_for(world["auditor"]).get(url).json()["count"] == 1
    assert client_for(world["finance"]).get(url).json()["count"] == 1
    assert client_for(world["owner"]).get(url).status_code == 403
    assert client_for(world["other_admin"]).get(url).status_code == 404


def test_objections_are_recorded_and_resolved_once(world):
    # given
    claim = make_claim(world["city"], enterprise=world["enterprise"])
    published = publicity.publicity_create(
        actor=world["admin"], city=world["city"], title="公示", starts_on=timezone.localdate(),
        ends_on=timezone.localdate(), contact="x", claims=[claim.pk],
    )  # fmt: skip
    client = client_for(world["admin"])

    # when
    recorded = client.post(
        api("subsidy-publicity-objections", world, pk=published.pk),
        {"claim": claim.pk, "raised_by": "张三", "content": "项目未完工"},
        format="json",
    )
    objection_id = recorded.json()["id"]
    resolve = api("subsidy-objection-resolve", world, pk=objection_id)
    bad_outcome = client.post(resolve, {"outcome": "open", "resolution": "x"}, format="json")
    no_reason = client.post(resolve, {"outcome": "upheld", "resolution": ""}, format="json")
    resolved = client.post(resolve, {"outcome": "upheld", "resolution": "属实"}, format="json")
    again = client.post(resolve, {"outcome": "dismissed", "resolution": "改判"}, format="json")
    detail = client.get(api("subsidy-publicity-detail", world, pk=published.pk)).json()

    # then
    assert recorded.status_code == 201
    assert recorded.json()["status"] == "open" and recorded.json()["claim"] == claim.pk
    assert bad_outcome.status_code == 400 and no_reason.status_code == 400
    assert resolved.status_code == 200 and resolved.json()["resolution"] == "属实"
    assert resolved.json()["resolved_by"] == world["admin"].username
    assert again.status_code == 409 and again.json()["status"] == "upheld"
    assert [o["status"] for o in detail["items"][0]["objections"]] == ["upheld"]
    assert detail["open_objections"] == 0


def test_another_city_s_publicity_and_objection_are_404(world):
    claim = make_claim(world["city"], enterprise=world["enterprise"])
    published = publicity.publicity_create(
        actor=world["admin"], city=world["city"], title="公示", starts_on=timezone.localdate(),
        ends_on=timezone.localdate(), contact="x", claims=[claim.pk],
    )  # fmt: skip
    objection = publicity.objection_record(
        actor=world["admin"], publicity=published, claim=claim, raised_by="张三", content="异议"
    )
    client = client_for(world["other_admin"])
    other = world["other_city"]

    detail = client.get(api("subsidy-publicity-detail", world, city=other, pk=published.pk))
    recorded = client.post(
        api("subsidy-publicity-objections", world, city=other, pk=published.pk),
        {"claim": claim.pk, "raised_by": "x", "content": "x"},
        format="json",
    )
    resolved = client.post(
        api("subsidy-objection-resolve", world, city=other, pk=objection.pk),
        {"outcome": "dismissed", "resolution": "x"},
        format="json",
    )

    assert (detail.status_code, recorded.status_code, resolved.status_code) == (404, 404, 404)
    objection.refresh_from_db()
    assert Objection.objects.count() == 1 and objection.status == "open"


@pytest.mark.parametrize("size", [2, 12])
def test_the_list_runs_a_fixed_number_of_queries(world, size, django_assert_max_num_queries):
    for n in range(size):
        claim = make_claim(world["city"], enterprise=world["enterprise"])
        published = publicity.publicity_create(
            actor=world["admin"], city=world["city"], title=f"公示{n}",
            starts_on=timezone.localdate(), ends_on=timezone.localdate(), contact="x",
            claims=[claim.pk],
        )  # fmt: skip
        close(published)
    client = client_for(world["finance"])

    # memberships, city; count; rows (with the publisher and the figures as subqueries)
    with django_assert_max_num_queries(4):
        response = client.get(api("subsidy-publicity-list", world))

    assert response.status_code == 200 and response.json()["count"] == size
    assert {row["state"] for row in response.json()["results"]} == {"closed"}
