"""Claims: nobody acts for an enterprise until its district or the city confirms them."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from rest_framework.test import APIClient

from enterprises.models import EnterpriseClaim
from pilot_portal.tenancy.models import Membership

pytestmark = pytest.mark.django_db


def demo_enterprise():
    return Membership.objects.get(user__username="xiamen-enterprise").enterprise


@pytest.fixture
def newcomer(demo):
    return get_user_model().objects.create_user(
        username="wang", password="Gulangyu-Island-2026", email="wang@example.cn"
    )


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_registering_leads_to_the_claim_page(demo, client):
    response = client.post(
        "/accounts/register/",
        {"username": "liu", "first_name": "刘工", "email": "liu@example.cn",
         "password1": "Xiamen-Harbour-77", "password2": "Xiamen-Harbour-77"},
    )  # fmt: skip

    assert response.url == "/claim/"
    assert client.get("/").url == "/accounts/no-membership/"


def test_a_claim_waits_for_the_district_and_gives_no_access_meanwhile(newcomer, client):
    enterprise = demo_enterprise()
    client.force_login(newcomer)

    client.post(
        "/claim/", {"city": "xiamen", "uscc": enterprise.uscc.lower(), "position": "信息部"}
    )

    claim = EnterpriseClaim.objects.get(user=newcomer)
    assert (claim.enterprise, claim.status) == (enterprise, "pending")
    assert client.get(f"/c/xiamen/enterprises/{enterprise.pk}/").status_code == 404


def test_the_district_officer_confirms_and_the_user_can_act(
    newcomer, client, django_capture_on_commit_callbacks
):
    enterprise = demo_enterprise()
    claim = EnterpriseClaim.objects.create(
        city=enterprise.city, enterprise=enterprise, user=newcomer
    )
    officer = get_user_model().objects.get(username="xiamen-district_officer")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(officer).post(
            f"/api/v1/cities/xiamen/claims/{claim.pk}/confirm/", {}, format="json"
        )

    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    assert Membership.objects.filter(
        user=newcomer, enterprise=enterprise, role="enterprise"
    ).exists()
    assert mail.outbox[0].to == ["wang@example.cn"]
    client.force_login(newcomer)
    assert client.get(f"/c/xiamen/enterprises/{enterprise.pk}/").status_code == 200


def test_rejecting_needs_a_reason_and_grants_nothing(newcomer):
    enterprise = demo_enterprise()
    claim = EnterpriseClaim.objects.create(
        city=enterprise.city, enterprise=enterprise, user=newcomer
    )
    admin = get_user_model().objects.get(username="xiamen-city_admin")
    url = f"/api/v1/cities/xiamen/claims/{claim.pk}/reject/"

    without = api_as(admin).post(url, {}, format="json")
    with_reason = api_as(admin).post(url, {"comment": "查无此人"}, format="json")

    assert without.status_code == 400
    assert with_reason.json()["status"] == "rejected"
    assert not Membership.objects.filter(user=newcomer).exists()


@pytest.mark.parametrize(
    "username", ["xiamen-finance_officer", "xiamen-enterprise", "shenyang-city_admin"]
)
def test_others_cannot_decide_a_claim(newcomer, username):
    enterprise = demo_enterprise()
    claim = EnterpriseClaim.objects.create(
        city=enterprise.city, enterprise=enterprise, user=newcomer
    )
    user = get_user_model().objects.get(username=username)

    response = api_as(user).post(
        f"/api/v1/cities/xiamen/claims/{claim.pk}/confirm/", {}, format="json"
    )

    assert response.status_code in (403, 404)
    claim.refresh_from_db()
    assert claim.status == "pending"
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_decided_claim_cannot_be_decided_again(newcomer):
    enterprise = demo_enterprise()
    claim = EnterpriseClaim.objects.create(
        city=enterprise.city, enterprise=enterprise, user=newcomer, status="rejected"
    )
    admin = get_user_model().objects.get(username="xiamen-city_admin")

    response = api_as(admin).post(
        f"/api/v1/cities/xiamen/claims/{claim.pk}/confirm/", {}, format="json"
    )

    assert response.status_code == 409
    assert not Membership.objects.filter(user=newcomer).exists()


def test_claiming_an_unregistered_code_says_whom_to_ask(newcomer):
    from pilot_portal.demo.services import demo_uscc

    response = api_as(newcomer).post(
        "/api/v1/claims/", {"city": "xiamen", "uscc": demo_uscc("350203", 9999)}, format="json"
    )

    assert response.status_code == 400
    assert "ask your district bureau" in response.json()["uscc"][0]
    assert not EnterpriseClaim.objects.exists()


def test_claiming_twice_is_a_conflict(newcomer):
    enterprise = demo_enterprise()
    body = {"city": "xiamen", "uscc": enterprise.uscc}

    first = api_as(newcomer).post("/api/v1/claims/", body, format="json")
    second = api_as(newcomer).post("/api/v1/claims/", body, format="json")

    assert (first.status_code, second.status_code) == (201, 409)
    assert EnterpriseClaim.objects.count() == 1


def test_the_review_page_lists_the_district_s_claims(newcomer, client):
    enterprise = demo_enterprise()
    EnterpriseClaim.objects.create(city=enterprise.city, enterprise=enterprise, user=newcomer)
    client.force_login(get_user_model().objects.get(username="xiamen-district_officer"))

    page = client.get("/c/xiamen/claims/").content.decode()

    assert "wang@example.cn" in page
    assert enterprise.name in page
