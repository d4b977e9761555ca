"""Home pages per role, in Chinese and English, and other cities' pages answering 404."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


def as_user(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_the_city_admin_home_shows_real_counts(demo, client):
    page = as_user(client, "shenyang-city_admin").get("/c/shenyang/").content.decode()

    assert "沈阳市" in page
    assert "市工信局管理员" in page
    assert 'data-testid="count-districts"><span>13</span>' in page
    assert 'data-testid="count-sectors"><span>5</span>' in page
    assert 'data-testid="count-enterprises"><span>8</span>' in page


def test_the_district_officer_home_counts_only_the_district(demo, client):
    from enterprises.models import Enterprise
    from pilot_portal.tenancy.models import Membership

    officer = Membership.objects.get(user__username="xiamen-district_officer")
    in_district = Enterprise.objects.filter(district=officer.district).count()

    page = as_user(client, "xiamen-district_officer").get("/c/xiamen/").content.decode()

    assert f'data-testid="count-enterprises"><span>{in_district}</span>' in page
    assert officer.district.name in page
    assert in_district < 8


def test_the_enterprise_home_shows_its_enterprise(demo, client):
    from pilot_portal.tenancy.models import Membership

    enterprise = Membership.objects.get(user__username="xinxiang-enterprise").enterprise

    page = as_user(client, "xinxiang-enterprise").get("/c/xinxiang/").content.decode()

    assert enterprise.name in page
    assert enterprise.uscc in page


def test_the_home_page_speaks_english_after_the_switch(demo, client):
    as_user(client, "xiamen-city_admin")

    chinese = client.get("/c/xiamen/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/c/xiamen/"})
    english = client.get("/c/xiamen/").content.decode()

    assert '<html lang="zh-hans">' in chinese and "退出登录" in chinese
    assert '<html lang="en">' in english and "Log out" in english
    assert "City administrator" in english


def test_another_city_s_home_page_is_404(demo, client):
    response = as_user(client, "xiamen-city_admin").get("/c/shenyang/")

    assert response.status_code == 404
    assert "沈阳" not in response.content.decode()


def test_the_overview_lists_the_cities_a_province_user_oversees(demo, client):
    page = as_user(client, "liaoning-province").get("/overview/").content.decode()

    assert "沈阳市" in page
    assert "厦门市" not in page


def test_city_members_cannot_open_the_overview(demo, client):
    assert as_user(client, "shenyang-city_admin").get("/overview/").status_code == 403


def test_the_overview_runs_a_fixed_number_of_queries(demo, client, django_assert_max_num_queries):
    from tests.factories import CityFactory, EnterpriseFactory

    for city in CityFactory.create_batch(10):
        EnterpriseFactory.create_batch(3, city=city)
    as_user(client, "ministry")

    # session, user, memberships, cities with their counts as subqueries
    with django_assert_max_num_queries(4):
        response = client.get("/overview/")
    assert response.content.decode().count("<tr>") == 1 + 13


def test_the_city_home_runs_a_fixed_number_of_queries(demo, client, django_assert_max_num_queries):
    from pilot_portal.tenancy.models import City
    from tests.factories import EnterpriseFactory, JobFactory

    shenyang = City.objects.get(code="shenyang")
    EnterpriseFactory.create_batch(30, city=shenyang)
    JobFactory.create_batch(10, city=shenyang)
    as_user(client, "shenyang-city_admin")

    # session, user, city, memberships, enterprise counts, other counts, batches, recent jobs
    with django_assert_max_num_queries(8):
        assert client.get("/c/shenyang/").status_code == 200
