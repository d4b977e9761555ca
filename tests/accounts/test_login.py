"""Logging in, landing on the role's home page, throttling, switching city, passwords."""

import pytest
from django.contrib.auth import get_user_model

from pilot_portal.tenancy.models import Membership

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.mark.parametrize(
    ("username", "landing"),
    [
        ("shenyang-city_admin", "/c/shenyang/"),
        ("xiamen-district_officer", "/c/xiamen/"),
        ("xinxiang-enterprise", "/c/xinxiang/"),
        ("ministry", "/overview/"),
        ("henan-province", "/overview/"),
    ],
)
def test_it_lands_each_user_on_their_role_s_home_page(demo, client, settings, username, landing):
    response = login(client, username, settings.DEMO_PASSWORD)

    assert response.status_code == 302
    assert client.get(response.url).url == landing


def test_it_explains_a_wrong_password_and_stays_on_the_login_page(demo, client):
    response = login(client, "shenyang-city_admin", "not-the-password")

    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()  # Django's own message, in Chinese
    assert "_auth_user_id" not in client.session


def test_it_locks_an_account_out_after_repeated_failures(demo, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "xiamen-city_admin", "wrong-password")

    # Even the right password is refused now, with an explanation.
    response = login(client, "xiamen-city_admin", settings.DEMO_PASSWORD)

    assert response.status_code == 429
    assert "锁定 15 分钟" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_switches_between_the_user_s_cities(demo, client):
    client.force_login(get_user_model().objects.get(username="national-expert"))
    xinxiang = Membership.objects.get(user__username="national-expert", city__code="xinxiang")

    response = client.post(f"/accounts/switch/{xinxiang.pk}/")

    assert response.url == "/c/xinxiang/"
    assert client.get("/").url == "/c/xinxiang/"


def test_it_does_not_switch_to_someone_else_s_membership(demo, client):
    client.force_login(get_user_model().objects.get(username="national-expert"))
    other = Membership.objects.get(user__username="shenyang-city_admin")

    assert client.post(f"/accounts/switch/{other.pk}/").status_code == 404


def test_it_applies_the_password_validators(demo, client, settings):
    user = get_user_model().objects.get(username="xiamen-auditor")
    client.force_login(user)

    response = client.post(
        "/accounts/password/",
        {
            "old_password": settings.DEMO_PASSWORD,
            "new_password1": "12345678",
            "new_password2": "12345678",
        },
    )

    assert response.status_code == 200
    assert "这个密码太常见了" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(settings.DEMO_PASSWORD)


def test_it_changes_the_password(demo, client, settings):
    user = get_user_model().objects.get(username="xiamen-auditor")
    client.force_login(user)

    response = client.post(
        "/accounts/password/",
        {
            "old_password": settings.DEMO_PASSWORD,
            "new_password1": "Gulangyu-Island-2026",
            "new_password2": "Gulangyu-Island-2026",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Gulangyu-Island-2026")


def test_it_sends_visitors_to_the_login_page(client):
    assert client.get("/").url == "/accounts/login/"
    assert client.get("/c/shenyang/").url.startswith("/accounts/login/")


def test_the_token_endpoint_is_throttled_too(demo, settings):
    from rest_framework.test import APIClient

    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", {"username": "ministry", "password": "guess"})

    response = client.post(
        "/api/v1/auth/token/", {"username": "ministry", "password": settings.DEMO_PASSWORD}
    )

    assert response.status_code == 429
    assert "locked for 15 minutes" in response.json()["detail"]
