"""The national provider API: one profile per credit code, its cases, its standing in every
city, and the rounds open today. A user who acts for no provider sees nothing of anyone's."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from pilot_portal.demo.services import demo_uscc
from providers.models import Provider, ProviderCase
from tests.factories import (
    CityFactory,
    ProviderFactory,
    ProviderSelectionFactory,
    SelectionRoundFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PROFILE = "/api/v1/provider/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=user.pk))
    return client


@pytest.fixture
def alice():
    """Alice acts for 甲服务商; Charlie, signed in too, acts for no provider."""
    user = UserFactory()
    provider = ProviderFactory(name="甲服务商", website="https://jia.example.cn")
    provider.staff.add(user)
    return user, provider


def test_it_registers_a_provider_and_its_user_becomes_staff():
    user = UserFactory()
    uscc = demo_uscc("110102", 4242)

    response = api(user).post(
        PROFILE,
        {"uscc": uscc.lower(), "name": "智造云", "kind": "product", "contact_name": "王工"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["uscc"], body["name"], body["kind"], body["contact_name"]) == (
        uscc, "智造云", "product", "王工",
    )  # fmt: skip
    assert body["cases"] == []
    assert list(Provider.objects.get(uscc=uscc).staff.all()) == [get_user_model().objects.get(
        pk=user.pk)]  # fmt: skip


def test_a_second_registration_of_a_credit_code_is_400(alice):
    _, provider = alice

    response = api(UserFactory()).post(
        PROFILE, {"uscc": provider.uscc, "name": "冒名", "kind": "integrator"}, format="json"
    )

    assert response.status_code == 400
    assert "uscc" in response.json()
    assert Provider.objects.get(uscc=provider.uscc).name == "甲服务商"


@pytest.mark.parametrize(
    "body",
    [
        {"uscc": "123", "name": "x", "kind": "integrator"},
        {"uscc": demo_uscc("110102", 4243), "name": "x", "kind": "bank"},
        {"uscc": demo_uscc("110102", 4244), "kind": "integrator"},
    ],
)
def test_a_bad_registration_is_400(body):
    response = api(UserFactory()).post(PROFILE, body, format="json")

    assert response.status_code == 400
    assert not Provider.objects.filter(name="x").exists()


def test_the_profile_is_404_for_a_user_acting_for_no_provider(alice):
    charlie = UserFactory()

    read = api(charlie).get(PROFILE)
    edit = api(charlie).patch(PROFILE, {"name": "改名"}, format="json")
    cases = api(charlie).get(f"{PROFILE}cases/")

    assert (read.status_code, edit.status_code, cases.status_code) == (404, 404, 404)
    assert Provider.objects.get(pk=alice[1].pk).name == "甲服务商"


def test_anonymous_users_get_401():
    assert APIClient().get(PROFILE).status_code == 401
    assert APIClient().get(f"{PROFILE}rounds/").status_code == 401


def test_staff_edit_the_profile_but_never_the_credit_code(alice):
    user, provider = alice

    response = api(user).patch(
        PROFILE, {"name": "甲数字科技", "uscc": demo_uscc("110102", 1), "website": ""},
        format="json",
    )  # fmt: skip

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["uscc"]) == ("甲数字科技", provider.uscc)
    provider.refresh_from_db()
    assert (provider.name, provider.website) == ("甲数字科技", "")


def test_staff_add_reference_cases(alice):
    user, provider = alice

    added = api(user).post(
        f"{PROFILE}cases/",
        {"title": "设备联网", "customer": "某机床厂", "year": 2024, "scenario": "equipment"},
        format="json",
    )
    bad_year = api(user).post(
        f"{PROFILE}cases/",
        {"title": "x", "customer": "y", "year": 1990, "scenario": "equipment"},
        format="json",
    )
    bad_scene = api(user).post(
        f"{PROFILE}cases/",
        {"title": "x", "customer": "y", "year": 2024, "scenario": "mining"},
        format="json",
    )
    listed = api(user).get(f"{PROFILE}cases/")
    profile = api(user).get(PROFILE)

    assert added.status_code == 201
    assert (bad_year.status_code, bad_scene.status_code) == (400, 400)
    assert "year" in bad_year.json() and "scenario" in bad_scene.json()
    assert [(c["title"], c["year"], c["scenario"]) for c in listed.json()] == [
        ("设备联网", 2024, "equipment")
    ]
    assert [c["customer"] for c in profile.json()["cases"]] == ["某机床厂"]
    assert ProviderCase.objects.filter(provider=provider).count() == 1


def test_a_user_of_two_providers_picks_one(alice):
    user, first = alice
    second = ProviderFactory(name="癸服务商")
    second.staff.add(user)

    default = api(user).get(PROFILE)
    picked = api(user).get(PROFILE, {"provider": second.pk})
    stranger = api(user).get(PROFILE, {"provider": ProviderFactory().pk})
    malformed = api(user).get(PROFILE, {"provider": "abc"})

    assert default.json()["id"] == first.pk  # by name: 甲 before 癸
    assert picked.json()["name"] == "癸服务商"
    assert (stranger.status_code, malformed.status_code) == (404, 400)


def test_applications_show_each_citys_status(alice, django_assert_max_num_queries):
    user, provider = alice
    north = CityFactory(code="north", name="北市")
    south = CityFactory(code="south", name="南市")
    ProviderSelectionFactory(city=north, provider=provider, status="selected",
                             round__name="北市第一轮")  # fmt: skip
    ProviderSelectionFactory(city=south, provider=provider, status="under_review")
    ProviderSelectionFactory(city=south, status="selected")  # someone else's
    client = api(user)

    with django_assert_max_num_queries(1):
        response = client.get(f"{PROFILE}applications/")

    rows = response.json()
    assert [(r["city"], r["city_name"], r["status"]) for r in rows] == [
        ("north", "北市", "selected"),
        ("south", "南市", "under_review"),
    ]
    assert rows[0]["round_name"] == "北市第一轮"
    assert api(UserFactory()).get(f"{PROFILE}applications/").json() == []


def test_the_applications_list_runs_a_fixed_number_of_queries(alice, django_assert_max_num_queries):
    user, provider = alice
    for _ in range(3):
        ProviderSelectionFactory(provider=provider)
    client = api(user)
    with django_assert_max_num_queries(1):
        few = client.get(f"{PROFILE}applications/")
    for _ in range(27):
        ProviderSelectionFactory(provider=provider)
    with django_assert_max_num_queries(1):
        many = client.get(f"{PROFILE}applications/")

    assert (len(few.json()), len(many.json())) == (3, 30)


def test_rounds_open_today_in_every_city(alice, django_assert_max_num_queries):
    user, _ = alice
    today = timezone.localdate()
    open_here = SelectionRoundFactory(
        city=CityFactory(code="east", name="东市"), name="东市遴选",
        opens=today - timedelta(days=2), closes=today + timedelta(days=3),
    )  # fmt: skip
    SelectionRoundFactory(
        city=CityFactory(code="west"), name="已截止",
        opens=today - timedelta(days=30), closes=today - timedelta(days=1),
    )  # fmt: skip
    SelectionRoundFactory(
        city=CityFactory(code="later"), name="未开始",
        opens=today + timedelta(days=1), closes=today + timedelta(days=30),
    )  # fmt: skip
    client = api(user)

    with django_assert_max_num_queries(2):  # is the user staff, the rounds with their cities
        response = client.get(f"{PROFILE}rounds/")

    names = [r["name"] for r in response.json()]
    assert "东市遴选" in names
    assert "已截止" not in names and "未开始" not in names
    east = next(r for r in response.json() if r["name"] == "东市遴选")
    assert east == {
        "id": open_here.pk, "city": "east", "city_name": "东市", "name": "东市遴选",
        "opens": str(open_here.opens), "closes": str(open_here.closes),
        "criteria": open_here.criteria,
    }  # fmt: skip


def test_rounds_are_for_providers_staff_only():
    response = api(UserFactory()).get(f"{PROFILE}rounds/")

    assert response.status_code == 403
