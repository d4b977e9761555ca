"""Cities and reference data through the API, as each kind of user sees them."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def api_as(username):
    from django.contrib.auth import get_user_model

    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username=username))
    return client


def codes(response):
    return [city["code"] for city in response.json()["results"]]


def test_it_lists_every_city_for_the_ministry(demo):
    assert codes(api_as("ministry").get("/api/v1/cities/")) == ["shenyang", "xiamen", "xinxiang"]


def test_it_lists_only_the_province_s_cities_for_a_province_user(demo):
    assert codes(api_as("fujian-province").get("/api/v1/cities/")) == ["xiamen"]


def test_it_lists_only_the_member_s_city(demo):
    assert codes(api_as("xinxiang-enterprise").get("/api/v1/cities/")) == ["xinxiang"]


def test_it_shows_a_city_with_the_contract_fields(demo):
    response = api_as("shenyang-city_admin").get("/api/v1/cities/shenyang/")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "沈阳市"
    assert body["province"] == "liaoning"
    assert body["region"] == "northeast"
    assert body["tier"] == "capital"
    assert body["batch_year"] == 2023
    assert body["award_cap"] == "150000000.00"
    assert body["period_start"] == "2023-12-01"
    assert body["period_end"] == "2025-12-31"


def test_it_answers_404_for_another_city(demo):
    client = api_as("xiamen-city_admin")

    assert client.get("/api/v1/cities/shenyang/").status_code == 404
    assert client.get("/api/v1/cities/shenyang/sectors/").status_code == 404


def test_it_answers_404_json_for_an_unknown_city(demo):
    response = api_as("ministry").get("/api/v1/cities/atlantis/districts/")

    assert response.status_code == 404
    assert "no such city" in response.json()["detail"]


def test_it_lists_reference_data_of_the_city(demo):
    client = api_as("xiamen-auditor")

    sectors = client.get("/api/v1/cities/xiamen/sectors/").json()
    districts = client.get("/api/v1/cities/xiamen/districts/").json()
    batches = client.get("/api/v1/cities/xiamen/batches/").json()

    assert {"code": "C397", "name": "电子器件制造", "gbt_code": "C397"} in sectors
    assert len(districts) == 6
    assert {d["code"] for d in districts} >= {"350203", "350206"}
    assert [b["name"] for b in batches][:2] == ["第一批", "第二批"]
    assert set(batches[0]) == {"id", "name", "year", "opens", "closes"}


def test_it_lets_province_users_read_their_cities_reference_data(demo):
    client = api_as("henan-province")

    assert client.get("/api/v1/cities/xinxiang/sectors/").status_code == 200
    assert client.get("/api/v1/cities/xiamen/sectors/").status_code == 404


def test_it_refuses_anonymous_requests_with_401(demo):
    assert APIClient().get("/api/v1/cities/").status_code == 401
    assert APIClient().get("/api/v1/cities/shenyang/sectors/").status_code == 401


def test_it_exchanges_credentials_for_a_token(demo, settings):
    client = APIClient()

    response = client.post(
        "/api/v1/auth/token/",
        {"username": "shenyang-finance_officer", "password": settings.DEMO_PASSWORD},
        format="json",
    )

    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = client.get("/api/v1/me/").json()
    assert me["username"] == "shenyang-finance_officer"
    assert me["memberships"] == [
        {
            "city": "shenyang",
            "province": None,
            "role": "finance_officer",
            "enterprise": None,
            "provider": None,
            "district": None,
        }
    ]


def test_it_links_the_demo_enterprise_user_to_its_enterprise(demo):
    me = api_as("xiamen-enterprise").get("/api/v1/me/").json()

    membership = me["memberships"][0]
    assert membership["role"] == "enterprise"
    assert isinstance(membership["enterprise"], int)


def test_it_refuses_wrong_credentials_with_400(demo):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "ministry", "password": "wrong"}, format="json"
    )

    assert response.status_code == 400
    assert "token" not in response.json()


def test_it_refuses_an_invalid_token_with_401(demo):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert client.get("/api/v1/me/").status_code == 401


def test_it_refuses_an_expired_token_with_401_and_issues_a_new_one(demo, settings):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="ministry")
    token = Token.objects.create(user=user)
    Token.objects.filter(pk=token.pk).update(
        created=timezone.now() - timedelta(hours=settings.TOKEN_TTL_HOURS + 1)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.get("/api/v1/me/")

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    fresh = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "ministry", "password": settings.DEMO_PASSWORD},
        format="json",
    )
    assert fresh.json()["token"] != token.key


def test_the_city_list_runs_a_fixed_number_of_queries(demo, django_assert_max_num_queries):
    from tests.factories import CityFactory

    CityFactory.create_batch(20)
    client = api_as("ministry")

    # 1 user (force_authenticate skips it), 1 memberships, 1 count, 1 page of cities
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/cities/?page_size=100")
    assert response.json()["count"] == 23


def test_reference_lists_run_a_fixed_number_of_queries(demo, django_assert_max_num_queries):
    client = api_as("shenyang-expert")

    # city, memberships, sectors
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/cities/shenyang/districts/").status_code == 200
