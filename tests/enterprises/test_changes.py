"""Change requests: the enterprise requests, its district reviews, the city records."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from enterprises.models import ChangeRequest
from pilot_portal.tenancy.models import Membership

pytestmark = pytest.mark.django_db


def api_as(username):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username=username))
    return client


@pytest.fixture
def change(demo):
    enterprise = Membership.objects.get(user__username="xiamen-enterprise").enterprise
    response = api_as("xiamen-enterprise").post(
        "/api/v1/cities/xiamen/change-requests/",
        {"enterprise": enterprise.pk, "kind": "new_content",
         "description": "改造内容由视觉质检调整为能耗管理，合同金额不变。"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    return ChangeRequest.objects.get(pk=response.json()["id"])


def act(username, change, action, comment=""):
    return api_as(username).post(
        f"/api/v1/cities/xiamen/change-requests/{change.pk}/action/",
        {"action": action, "comment": comment},
        format="json",
    )


def test_a_change_goes_through_district_and_city(change):
    assert act("xiamen-district_officer", change, "district-approve", "同意").status_code == 200
    response = act("xiamen-city_admin", change, "record", "已备案")

    assert response.json()["status"] == "recorded"
    assert [h["action"] for h in response.json()["history"]] == [
        "request", "district-approve", "record",
    ]  # fmt: skip


def test_the_city_cannot_record_before_the_district(change):
    response = act("xiamen-city_admin", change, "record")

    assert response.status_code == 409
    change.refresh_from_db()
    assert change.status == "requested"


def test_only_the_enterprise_requests(demo):
    enterprise = Membership.objects.get(user__username="xiamen-enterprise").enterprise

    response = api_as("xiamen-district_officer").post(
        "/api/v1/cities/xiamen/change-requests/",
        {"enterprise": enterprise.pk, "kind": "new_entity", "description": "x" * 20},
        format="json",
    )

    assert response.status_code == 403
    assert not ChangeRequest.objects.exists()


def test_a_return_needs_a_reason_and_the_enterprise_sends_again(change):
    assert act("xiamen-district_officer", change, "return").status_code == 400
    assert (
        act("xiamen-district_officer", change, "return", "请补充新主体营业执照").status_code == 200
    )

    response = act("xiamen-enterprise", change, "resubmit")

    assert response.json()["status"] == "requested"


def test_the_pages_show_the_request_and_take_the_step(change, client):
    client.force_login(get_user_model().objects.get(username="xiamen-district_officer"))

    listing = client.get("/c/xiamen/changes/").content.decode()
    client.post(
        f"/c/xiamen/changes/{change.pk}/", {"action": "district-approve", "comment": "同意"}
    )

    change.refresh_from_db()
    assert change.enterprise.name in listing
    assert change.status == "district_approved"
