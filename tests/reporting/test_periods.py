"""Manual values with evidence and review; reporting periods submitted, locked and reopened;
through the services, the API and the pages."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from pilot_portal.audit.models import AuditEntry
from pilot_portal.reporting.models import ManualValue, PeriodFigure, ReportingPeriod
from tests.factories import EnterpriseFactory, MembershipFactory
from tests.reporting.world import reporting_world

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(city, path):
    return f"/api/v1/cities/{city.code}/{path}"


@pytest.fixture
def world():
    world = reporting_world()
    world["auditor"] = MembershipFactory(city=world["city"], role="auditor").user
    return world


def enter(world, value="4", name="清单.pdf", content=PDF, code="4"):
    return api(world["admin"]).post(
        url(world["city"], f"indicators/{code}/values/"),
        {"value": value, "note": "三个行业各两份", "evidence": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def test_indicators_api_reads_as_api_md_says(world):
    response = api(world["admin"]).get(url(world["city"], "indicators/?year=2025"))
    assert response.status_code == 200
    first = response.json()[0]
    assert {"code", "name", "unit", "targets", "actual", "source", "progress"} <= set(first)
    assert (first["code"], first["targets"], first["target"], first["actual"]) == (
        "1", {"2025": "10", "2026": "20"}, "10", "3",
    )  # fmt: skip
    assert (first["source"], first["progress"]) == ("computed", "0.3000")


def test_a_manual_value_counts_only_once_an_auditor_accepts_it(world):
    response = enter(world)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"
    rows = {r["code"]: r for r in api(world["admin"]).get(url(world["city"], "indicators/")).json()}
    assert (rows["4"]["actual"], rows["4"]["pending_value"]) == (None, "4.00")

    value_id = response.json()["id"]
    review = url(world["city"], f"indicator-values/{value_id}/review/")
    assert api(world["auditor"]).post(review, {"accept": True}).status_code == 200
    rows = {r["code"]: r for r in api(world["admin"]).get(url(world["city"], "indicators/")).json()}
    assert (rows["4"]["actual"], rows["4"]["progress"]) == ("4.00", "0.6667")
    assert "清单.pdf" in rows["4"]["explanation"]
    # Decided once: a second review is a conflict, and the decision is on the audit chain.
    again = api(world["auditor"]).post(review, {"accept": False, "comment": "再看"})
    assert again.status_code == 409
    assert (
        AuditEntry.objects.filter(
            action="indicator_value.accepted", city_code=world["city"].code
        ).count()
        == 1
    )


@pytest.mark.parametrize("value,name,content,field", [
    ("-1", "a.pdf", PDF, "value"),
    ("abc", "a.pdf", PDF, "value"),
    ("1.234", "a.pdf", PDF, "value"),
    ("5", "a.exe", b"MZ", "file"),
    ("5", "fake.pdf", b"not a pdf", "file"),
])  # fmt: skip
def test_bad_values_and_evidence_are_refused_and_change_nothing(world, value, name, content, field):
    response = enter(world, value=value, name=name, content=content)
    assert response.status_code == 400
    assert field in response.json()
    assert " / " in response.json()[field][0]  # Chinese / English
    assert not ManualValue.objects.filter(city=world["city"]).exists()


def test_a_computed_indicator_takes_no_value_and_roles_are_kept(world):
    assert enter(world, code="1").status_code == 409
    value = enter(world).json()["id"]
    review = url(world["city"], f"indicator-values/{value}/review/")
    assert api(world["admin"]).post(review, {"accept": True}).status_code == 403
    rejected = api(world["auditor"]).post(review, {"accept": False})
    assert rejected.status_code == 400  # a rejection needs a reason
    assert ManualValue.objects.get(city=world["city"]).status == "pending"


def test_an_auditor_who_entered_a_value_cannot_accept_it(world):
    from pilot_portal.errors import NotAllowed
    from pilot_portal.reporting.models import Indicator
    from pilot_portal.reporting.services import manual_value_enter, manual_value_review

    indicator = Indicator.objects.get(city=world["city"], code="4")
    value = manual_value_enter(
        indicator=indicator, value="2", note="", actor=world["auditor"],
        upload=SimpleUploadedFile("a.pdf", PDF),
    )  # fmt: skip
    with pytest.raises(NotAllowed):
        manual_value_review(value=value, accept=True, comment="", actor=world["auditor"])


def test_submitted_figures_are_frozen_locked_and_reopened_with_a_reason(world):
    city, admin = world["city"], world["admin"]
    periods = url(city, "reporting-periods/")
    response = api(admin).post(periods, {"kind": "mid_term", "year": 2025})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["version"]) == ("submitted", 1)
    figures = {f["code"]: f for f in body["figures"]}
    assert (figures["1"]["target"], figures["1"]["actual"]) == ("10.00", "3.00")

    # Live data moves on; the submitted figure does not.
    EnterpriseFactory(city=city)
    period = ReportingPeriod.objects.get(city=city)
    detail = api(admin).get(url(city, f"reporting-periods/{period.pk}/")).json()
    assert {f["code"]: f["actual"] for f in detail["figures"]}["1"] == "3.00"

    # Locked: submitting again is a conflict, naming the way out.
    again = api(admin).post(periods, {"kind": "mid_term", "year": 2025})
    assert again.status_code == 409 and "reopen" in again.json()["detail"]
    reopen = url(city, f"reporting-periods/{period.pk}/reopen/")
    assert api(admin).post(reopen, {"reason": ""}).status_code == 400
    assert api(admin).post(reopen, {"reason": "补录验收结果"}).json()["status"] == "open"
    assert api(admin).post(periods, {"kind": "mid_term", "year": 2025}).json()["version"] == 2

    # Both versions stay; the steps say who, what and why.
    assert PeriodFigure.objects.filter(period=period).values("version").distinct().count() == 2
    steps = api(admin).get(url(city, f"reporting-periods/{period.pk}/")).json()["steps"]
    assert [(s["action"], s["comment"]) for s in steps] == [
        ("submit", ""), ("reopen", "补录验收结果"), ("submit", ""),
    ]  # fmt: skip
    v1 = api(admin).get(url(city, f"reporting-periods/{period.pk}/?version=1")).json()
    assert len(v1["figures"]) == 3


@pytest.mark.parametrize("body", [
    {"kind": "weekly", "year": 2025}, {"kind": "final", "year": 2031}, {"kind": "final"},
])  # fmt: skip
def test_a_bad_period_is_refused(world, body):
    response = api(world["admin"]).post(url(world["city"], "reporting-periods/"), body)
    assert response.status_code == 400
    assert not ReportingPeriod.objects.filter(city=world["city"]).exists()


def test_only_the_city_admin_submits(world):
    auditor = api(world["auditor"])
    response = auditor.post(
        url(world["city"], "reporting-periods/"), {"kind": "final", "year": 2026}
    )
    assert response.status_code == 403


def test_pages_enter_review_submit_and_reopen(client, world):
    city = world["city"]
    client.force_login(world["admin"])
    page = client.get(f"/c/{city.code}/performance/indicators/")
    assert page.status_code == 200
    assert "问题清单（目录）" in page.content.decode()
    response = client.post(
        f"/c/{city.code}/performance/indicators/4/",
        {"value": "5", "note": "", "evidence": SimpleUploadedFile("a.pdf", PDF)},
    )
    assert response.status_code == 302
    bad = client.post(
        f"/c/{city.code}/performance/indicators/4/",
        {"value": "x", "evidence": SimpleUploadedFile("a.pdf", PDF)},
    )
    assert bad.status_code == 400 and "not a number" in bad.content.decode()

    client.force_login(world["auditor"])
    value = ManualValue.objects.get(city=city)
    client.post(f"/c/{city.code}/performance/values/{value.pk}/review/", {"decision": "accept"})
    value.refresh_from_db()
    assert value.status == "accepted" and value.value == Decimal("5")

    client.force_login(world["admin"])
    response = client.post(f"/c/{city.code}/performance/periods/", {"kind": "yearly", "year": 2025})
    period = ReportingPeriod.objects.get(city=city)
    assert response.status_code == 302 and period.status == "submitted"
    detail = client.get(f"/c/{city.code}/performance/periods/{period.pk}/").content.decode()
    assert 'data-cell="actual">5<' in detail
    assert (
        client.post(
            f"/c/{city.code}/performance/periods/", {"kind": "yearly", "year": 2025}
        ).status_code
        == 400
    )
    client.post(f"/c/{city.code}/performance/periods/{period.pk}/", {"reason": "更正"})
    period.refresh_from_db()
    assert period.status == "open"
