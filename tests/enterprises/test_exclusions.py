"""Exclusion lists: loading the national lists flags matching enterprises, whose applications
then need a recorded override; codes on a list are checked like any credit code."""

from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from rest_framework.test import APIClient

from enterprises.models import Enterprise, ExclusionEntry
from pilot_portal.audit.models import AuditEntry
from pilot_portal.demo.services import demo_uscc
from pilot_portal.tenancy.models import Membership

pytestmark = pytest.mark.django_db


def workbook(rows, title="2022年数字化转型试点企业名单"):
    book = Workbook()
    sheet = book.active
    sheet.append([title])  # a merged title row above the header, as published lists have
    sheet.append(["序号", "统一社会信用代码", "企业名称"])
    for number, (code, name) in enumerate(rows, start=1):
        sheet.append([number, code, name])
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("名单.xlsx", buffer.getvalue())


def api_as(username):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username=username))
    return client


def test_the_ministry_s_national_list_flags_enterprises_in_every_city(demo):
    xiamen = Membership.objects.get(user__username="xiamen-enterprise").enterprise
    shenyang = Membership.objects.get(user__username="shenyang-enterprise").enterprise
    upload = workbook([(xiamen.uscc, xiamen.name), (shenyang.uscc.lower(), shenyang.name)])

    response = api_as("ministry").post(
        "/api/v1/exclusions/",
        {"list": "pilot_2022", "source": "工信厅联企业〔2022〕22号", "file": upload},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["flagged"] == 2
    assert Enterprise.objects.filter(in_2022_pilot=True).count() == 2
    assert ExclusionEntry.objects.filter(city__isnull=True).count() == 2
    assert AuditEntry.objects.latest("seq").action == "exclusion.import"


def test_a_city_list_flags_only_that_city(demo):
    xiamen = Membership.objects.get(user__username="xiamen-enterprise").enterprise
    upload = workbook([(xiamen.uscc, xiamen.name)])

    response = api_as("xiamen-city_admin").post(
        "/api/v1/cities/xiamen/exclusions/",
        {"list": "central_little_giant", "source": "省厅通知", "file": upload},
        format="multipart",
    )

    xiamen.refresh_from_db()
    assert response.status_code == 201
    assert xiamen.central_fund_little_giant is True
    assert ExclusionEntry.objects.get().city.code == "xiamen"


def test_bad_codes_are_reported_with_their_rows(demo):
    good = demo_uscc("350203", 4242)
    upload = workbook([(good, "好企业"), ("91350203ABCDEFGH12", "坏代码")])

    response = api_as("xiamen-city_admin").post(
        "/api/v1/cities/xiamen/exclusions/",
        {"list": "pilot_2022", "source": "通知", "file": upload},
        format="multipart",
    )

    body = response.json()
    assert body["rows"] == 1
    assert body["refused"][0]["row"] == 4
    assert (
        "wrong check character" in body["refused"][0]["reasons"][0]
        or "not allowed" in (body["refused"][0]["reasons"][0])
    )


def test_only_the_ministry_loads_national_lists(demo):
    response = api_as("xiamen-city_admin").post(
        "/api/v1/exclusions/",
        {"list": "pilot_2022", "source": "x", "file": workbook([])},
        format="multipart",
    )

    assert response.status_code == 403
    assert not ExclusionEntry.objects.exists()


def test_a_district_officer_reads_but_does_not_load(demo):
    client = api_as("xiamen-district_officer")

    assert client.get("/api/v1/cities/xiamen/exclusions/").status_code == 200
    response = client.post(
        "/api/v1/cities/xiamen/exclusions/",
        {"list": "pilot_2022", "source": "x", "file": workbook([])},
        format="multipart",
    )
    assert response.status_code == 403


def test_an_enterprise_registered_later_is_flagged_at_once(demo):
    code = demo_uscc("350203", 5151)
    ExclusionEntry.objects.create(list="central_little_giant", uscc=code, name="已支持小巨人")

    response = api_as("xiamen-city_admin").post(
        "/api/v1/cities/xiamen/enterprises/",
        {"uscc": code, "name": "鹭岛小巨人有限公司", "size": "above"},
        format="json",
    )

    assert response.json()["central_fund_little_giant"] is True


def test_the_page_loads_a_list_and_lists_it(demo, client):
    xiamen = Membership.objects.get(user__username="xiamen-enterprise").enterprise
    client.force_login(get_user_model().objects.get(username="xiamen-city_admin"))

    client.post(
        "/c/xiamen/exclusions/",
        {"list": "pilot_2022", "source": "工信厅联企业〔2022〕22号",
         "file": workbook([(xiamen.uscc, xiamen.name)])},
    )  # fmt: skip

    page = client.get("/c/xiamen/exclusions/").content.decode()
    assert xiamen.uscc in page
    assert "工信厅联企业〔2022〕22号" in page
    detail = client.get(f"/c/xiamen/enterprises/{xiamen.pk}/").content.decode()
    assert "2022" in detail and 'data-testid="exclusion"' in detail
