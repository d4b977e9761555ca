"""projects/ API (API.md "Transformation projects"): the lifecycle, exact sums, frozen lines,
who may log work, 403 / 404 / 409, bad amounts, and a list at a fixed number of queries."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from enterprises.models import InvestmentLine, Project, WorkLog
from enterprises.projects import services
from tests.factories import (
    BatchFactory,
    CityFactory,
    DistrictFactory,
    EnterpriseFactory,
    MembershipFactory,
    ProductFactory,
    ProviderFactory,
    ProviderSelectionFactory,
    acceptance_locked,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def approved_enterprise(city, **kwargs):
    enterprise = EnterpriseFactory(city=city, **kwargs)
    enterprise.applications.create(city=city, batch=BatchFactory(city=city), status="approved")
    return enterprise


def pooled_provider(city):
    provider = ProviderFactory()
    ProviderSelectionFactory(city=city, provider=provider, status="selected")
    return provider


@pytest.fixture
def world():
    city = CityFactory()
    district = DistrictFactory(city=city)
    enterprise = approved_enterprise(city, district=district)
    neighbour = approved_enterprise(city)
    provider, other_provider = pooled_provider(city), pooled_provider(city)
    product = ProductFactory(city=city, provider=provider)
    return {
        "city": city, "enterprise": enterprise, "neighbour": neighbour, "provider": provider,
        "other_provider": other_provider, "product": product,
        "owner": MembershipFactory(city=city, role="enterprise", enterprise=enterprise).user,
        "admin": MembershipFactory(city=city, role="city_admin").user,
        "officer": MembershipFactory(city=city, role="district_officer", district=district).user,
        "staff": MembershipFactory(city=city, role="provider", provider=provider).user,
        "stranger": MembershipFactory(city=city, role="provider", provider=other_provider).user,
    }  # fmt: skip


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def url(world, tail="") -> str:
    return f"/api/v1/cities/{world['city'].code}/projects/{tail}"


def new_project(world, **overrides) -> dict:
    body = {
        "enterprise": world["enterprise"].pk, "provider": world["provider"].pk,
        "title": "视觉质检改造", "scenarios": ["quality"], "products": [world["product"].pk],
        "contract_amount": "200000.00", "planned_start": "2026-01-01",
        "planned_end": "2026-12-31",
        "milestones": [{"title": "相机上线", "due_date": "2026-06-30"}],
    }  # fmt: skip
    body.update(overrides)
    return body


def create(world, user="owner", **overrides):
    return api(world[user]).post(url(world), new_project(world, **overrides), format="json")


def made(world, **overrides) -> Project:
    """A project made through the service (faster than the API where the API isn't tested)."""
    data = new_project(world, **overrides)
    data.update(
        planned_start=date.fromisoformat(data["planned_start"]),
        planned_end=date.fromisoformat(data["planned_end"]),
        milestones=[
            {"title": m["title"], "due_date": date.fromisoformat(m["due_date"])}
            for m in data["milestones"]
        ],
    )
    return services.project_create(enterprise=world["enterprise"], actor=world["owner"], data=data)


def line(world, project, user="owner", **data):
    body = {"category": "software", "amount": "1000.00", "description": "软件许可", **data}
    return api(world[user]).post(url(world, f"{project.pk}/investments/"), body, format="json")


def step(world, project, action, user, comment=""):
    return api(world[user]).post(
        url(world, f"{project.pk}/{action}/"), {"comment": comment}, format="json"
    )


def pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# -- the lifecycle ----------------------------------------------------------------------------


def test_a_project_from_creation_to_acceptance_through_the_api(world):
    created = create(world)
    assert created.status_code == 201, created.content
    body = created.json()
    pk = body["id"]
    assert body["status"] == "planned"
    assert body["enterprise"] == world["enterprise"].pk
    assert body["provider_name"] == world["provider"].name
    assert body["products"] == [world["product"].pk]
    assert body["contract_amount"] == "200000.00"
    assert body["allowed_actions"] == ["start"]
    assert [m["title"] for m in body["milestones"]] == ["相机上线"]
    project = Project.objects.get(pk=pk)

    # While planned, the enterprise may correct the title and the amount.
    edited = api(world["owner"]).patch(
        url(world, f"{pk}/"), {"title": "视觉质检改造（一期）", "contract_amount": "180000.5"},
        format="json",
    )  # fmt: skip
    assert edited.status_code == 200, edited.content
    assert (edited.json()["title"], edited.json()["contract_amount"]) == (
        "视觉质检改造（一期）", "180000.50",
    )  # fmt: skip

    assert step(world, project, "start", "staff").json()["status"] == "in_progress"
    assert api(world["owner"]).patch(url(world, f"{pk}/"), {"title": "x"}).status_code == 409

    logged = api(world["staff"]).post(
        url(world, f"{pk}/worklogs/"),
        {"date": timezone.localdate().isoformat(), "hours": "6.5", "description": "安装相机",
         "file": pdf("site.pdf")},
        format="multipart",
    )  # fmt: skip
    assert logged.status_code == 201, logged.content
    assert logged.json()["hours"] == "6.50" and logged.json()["attachment_url"]

    milestone = project.milestones.get()
    done = api(world["staff"]).post(
        url(world, f"{pk}/milestones/{milestone.pk}/done/"), {"file": pdf()}, format="multipart"
    )
    assert done.status_code == 200, done.content
    assert done.json()["done_by"] == world["staff"].username and done.json()["evidence_url"]

    invoice = api(world["owner"]).post(
        url(world, f"{pk}/investments/"),
        {"category": "software", "amount": "150000.00", "description": "MES 许可",
         "invoice_number": "No.0001", "invoice_issuer": "某软件公司", "file": pdf("inv.pdf")},
        format="multipart",
    )  # fmt: skip
    assert invoice.status_code == 201, invoice.content
    evidence = invoice.json()["evidence"]
    assert invoice.json()["evidence_url"].endswith(f"/documents/{evidence}/download/")

    assert step(world, project, "complete", "owner").json()["status"] == "completed"
    refused = step(world, project, "accept", "admin")  # no locked acceptance assessment yet
    assert refused.status_code == 409 and "acceptance assessment" in refused.json()["detail"]
    acceptance_locked(project)
    accepted = step(world, project, "accept", "admin")
    assert accepted.status_code == 200
    detail = accepted.json()
    assert detail["status"] == "accepted" and detail["allowed_actions"] == []
    assert [(s["action"], s["to_status"]) for s in detail["steps"]] == [
        ("start", "in_progress"), ("complete", "completed"), ("accept", "accepted"),
    ]  # fmt: skip
    assert detail["totals"]["eligible"] == "150000.00"

    listed = api(world["admin"]).get(url(world)).json()
    assert listed["count"] == 1
    (row,) = listed["results"]
    assert row["id"] == pk and row["status"] == "accepted"
    assert row["last_worklog"] == timezone.localdate().isoformat()
    assert row["eligible_investment"] == "150000.00" and row["overdue_milestones"] == 0


def test_a_district_officer_sees_the_district_s_projects_but_cannot_create(world):
    made(world)

    assert api(world["officer"]).get(url(world)).json()["count"] == 1
    assert create(world, user="officer").status_code == 403


def test_the_enterprise_cannot_create_a_project_for_an_enterprise_it_does_not_see(world):
    response = create(world, enterprise=world["neighbour"].pk)

    assert response.status_code == 404
    assert create(world, user="admin", enterprise=world["neighbour"].pk).status_code == 201
    elsewhere = approved_enterprise(CityFactory())
    assert create(world, user="admin", enterprise=elsewhere.pk).status_code == 404


def test_a_provider_outside_the_pool_or_a_bad_body_is_refused(world):
    outsider = ProviderFactory()

    assert create(world, provider=outsider.pk, products=[]).status_code == 409
    assert create(world, scenarios=["teleportation"]).status_code == 400
    assert create(world, planned_end="2025-01-01").json() == {
        "planned_end": [
            "请填写计划开始和结束日期，结束不早于开始 / planned start and end are required, the "
            "end on or after the start"
        ]
    }
    assert create(world, planned_start="tomorrow").json() == {
        "planned_start": ["日期格式应为 YYYY-MM-DD / a date is written YYYY-MM-DD"]
    }
    assert not Project.objects.filter(city=world["city"]).exists()


# -- exact sums -------------------------------------------------------------------------------


def test_eligible_and_total_are_exact_to_the_fen_without_other_and_with_a_correction(world):
    project = made(world, contract_amount="90000.00")
    first = None
    for category, amount in [
        ("software", "80000.10"), ("cloud", "0.05"), ("data_devices", "12345.67"),
        ("consulting", "1000.01"), ("other", "5000.00"),
    ]:  # fmt: skip
        response = line(world, project, category=category, amount=amount)
        assert response.status_code == 201, response.content
        first = first or response.json()["id"]
    corrected = line(
        world, project, amount="-0.10", corrects=first, reason="发票金额有误 / invoice typo"
    )
    assert corrected.status_code == 201, corrected.content

    (row,) = api(world["admin"]).get(url(world)).json()["results"]
    assert row["eligible_investment"] == "93345.73"
    assert row["total_investment"] == "98345.73"
    assert row["over_contract"] == "8345.73"
    totals = api(world["owner"]).get(url(world, f"{project.pk}/")).json()["totals"]
    assert totals == {
        "by_category": {
            "software": "80000.00", "cloud": "0.05", "data_devices": "12345.67",
            "consulting": "1000.01", "other": "5000.00",
        },
        "eligible": "93345.73",
        "total": "98345.73",
    }  # fmt: skip


def test_over_contract_is_zero_when_the_total_is_within_the_contract(world):
    project = made(world)
    line(world, project, amount="199999.99")

    (row,) = api(world["owner"]).get(url(world)).json()["results"]
    assert row["over_contract"] == "0.00"


# -- frozen lines -----------------------------------------------------------------------------


def test_lines_are_frozen_after_acceptance_and_a_correction_with_a_reason_is_kept(world):
    project = made(world)
    original = line(world, project, amount="80000.00", user="staff").json()
    for action, user in [("start", "owner"), ("complete", "owner"), ("accept", "admin")]:
        if action == "accept":
            acceptance_locked(project)
        assert step(world, project, action, user).status_code == 200

    refused = line(world, project, category="cloud", amount="1000.00")
    assert refused.status_code == 409
    assert "冻结" in refused.json()["detail"] and "frozen" in refused.json()["detail"]
    assert refused.json()["status"] == "accepted"
    no_reason = line(world, project, amount="-5000.00", corrects=original["id"])
    assert no_reason.status_code == 400 and "reason" in no_reason.json()

    kept = line(world, project, amount="-5000.00", corrects=original["id"], reason="退款 / refund")
    assert kept.status_code == 201, kept.content
    history = api(world["admin"]).get(url(world, f"{project.pk}/investments/")).json()["results"]
    assert [(h["amount"], h["corrects"], h["reason"]) for h in history] == [
        ("80000.00", None, ""), ("-5000.00", original["id"], "退款 / refund"),
    ]  # fmt: skip
    detail = api(world["admin"]).get(url(world, f"{project.pk}/")).json()
    assert detail["totals"]["eligible"] == "75000.00"


# -- who may do what --------------------------------------------------------------------------


def test_only_the_projects_provider_logs_work(world):
    project = made(world)
    body = {"date": timezone.localdate().isoformat(), "hours": "4", "description": "调试"}
    worklogs = url(world, f"{project.pk}/worklogs/")

    # Another provider's staff do not see the project at all.
    assert api(world["stranger"]).post(worklogs, body, format="json").status_code == 404
    assert api(world["stranger"]).get(url(world, f"{project.pk}/")).status_code == 404
    # The enterprise and the city see it but do not log on it.
    assert api(world["owner"]).post(worklogs, body, format="json").status_code == 403
    assert api(world["admin"]).post(worklogs, body, format="json").status_code == 403
    assert not WorkLog.objects.filter(project=project).exists()

    assert api(world["staff"]).post(worklogs, body, format="json").status_code == 201
    logs = api(world["owner"]).get(worklogs).json()["results"]
    assert [(w["hours"], w["description"]) for w in logs] == [("4.00", "调试")]
    tomorrow = {**body, "date": (timezone.localdate() + timedelta(days=1)).isoformat()}
    assert api(world["staff"]).post(worklogs, tomorrow, format="json").status_code == 400
    assert api(world["staff"]).post(worklogs, {**body, "hours": "25"}, format="json").json() == {
        "hours": ["工时须在 0 到 24 之间 / hours must be above 0 and at most 24"]
    }


def test_illegal_transitions_are_409_and_the_wrong_role_403(world):
    project = made(world)

    early = step(world, project, "accept", "admin")
    assert early.status_code == 409 and early.json()["status"] == "planned"
    assert step(world, project, "accept", "owner").status_code == 403
    assert step(world, project, "start", "officer").status_code == 403
    assert step(world, project, "start", "staff").status_code == 200
    assert step(world, project, "start", "staff").status_code == 409
    assert step(world, project, "complete", "staff").status_code == 403  # the enterprise says
    assert step(world, project, "fail", "admin").status_code == 400  # a comment is required
    failed = step(world, project, "fail", "admin", comment="企业停产 / production stopped")
    assert failed.json()["status"] == "failed"
    assert Project.objects.get(pk=project.pk).status == "failed"


def test_milestones_are_set_by_the_enterprise_and_done_by_the_provider_once(world):
    project = made(world)
    milestones = url(world, f"{project.pk}/milestones/")

    body = {"title": "验收材料", "due_date": "2026-11-30"}
    assert api(world["staff"]).post(milestones, body, format="json").status_code == 403
    added = api(world["owner"]).post(milestones, body, format="json")
    assert added.status_code == 201
    mid = added.json()["id"]
    done = url(world, f"{project.pk}/milestones/{mid}/done/")
    assert api(world["owner"]).post(done, {"file": pdf()}, format="multipart").status_code == 403
    assert api(world["staff"]).post(done, {}, format="multipart").json() == {
        "file": ["请上传完成证明 / evidence is required"]
    }
    assert api(world["staff"]).post(done, {"file": pdf()}, format="multipart").status_code == 200
    assert api(world["staff"]).post(done, {"file": pdf()}, format="multipart").status_code == 409
    titles = [m["title"] for m in api(world["owner"]).get(milestones).json()["results"]]
    assert titles == ["相机上线", "验收材料"]


def test_patch_is_for_the_enterprise_or_the_city_while_planned(world):
    project = made(world)
    detail = url(world, f"{project.pk}/")

    assert api(world["staff"]).patch(detail, {"title": "x"}, format="json").status_code == 403
    assert api(world["officer"]).patch(detail, {"title": "x"}, format="json").status_code == 403
    swapped = api(world["admin"]).patch(detail, {"planned_end": "2025-12-31"}, format="json")
    assert swapped.status_code == 400
    moved = api(world["admin"]).patch(detail, {"planned_end": "2027-03-31"}, format="json")
    assert moved.json()["planned_end"] == "2027-03-31"


def test_a_planned_project_s_provider_and_scenarios_change_by_patch(world):
    # given: a planned project with the provider's light solution
    project = made(world)
    detail = url(world, f"{project.pk}/")
    not_pooled = ProviderFactory()

    # when
    refused = api(world["owner"]).patch(detail, {"provider": not_pooled.pk}, format="json")
    changed = api(world["owner"]).patch(
        detail, {"provider": world["other_provider"].pk, "scenarios": ["energy"]}, format="json"
    )

    # then
    assert refused.status_code == 400 and "provider" in refused.json()
    assert changed.status_code == 200, changed.json()
    body = changed.json()
    assert (body["provider"], body["scenarios"], body["products"]) == (
        world["other_provider"].pk, ["energy"], [],  # the old provider's solution is dropped
    )  # fmt: skip


def test_another_citys_project_is_not_found(world):
    there = CityFactory()
    elsewhere = approved_enterprise(there)
    provider = pooled_provider(there)
    theirs = services.project_create(
        enterprise=elsewhere, actor=MembershipFactory(city=there, role="city_admin").user,
        data={"provider": provider.pk, "title": "别处", "contract_amount": "1.00",
              "planned_start": date(2026, 1, 1), "planned_end": date(2026, 2, 1)},
    )  # fmt: skip
    admin = api(world["admin"])

    for tail in ["", "investments/", "worklogs/", "milestones/"]:
        assert admin.get(url(world, f"{theirs.pk}/{tail}")).status_code == 404
        home = f"/api/v1/cities/{there.code}/projects/{theirs.pk}/{tail}"
        assert admin.get(home).status_code == 404  # a city the user is not in
    assert step(world, theirs, "start", "admin").status_code == 404
    patched = admin.patch(url(world, f"{theirs.pk}/"), {"title": "x"}, format="json")
    assert patched.status_code == 404
    assert admin.get(url(world)).json()["count"] == 0
    assert Project.objects.get(pk=theirs.pk).status == "planned"


# -- bad amounts ------------------------------------------------------------------------------

AMOUNT_ERROR = (
    "金额须为 0.01 至 99,999,999.99 元的两位小数 / the amount must be 0.01 to 99,999,999.99 "
    "CNY with at most two decimals"
)


@pytest.mark.parametrize("amount", ["0", "0.00", "-5.00", "12.345", "100000000.00", "abc", 1e9])
def test_bad_investment_amounts_are_400_in_chinese_and_english(world, amount):
    project = made(world)

    response = line(world, project, amount=amount)

    assert response.status_code == 400
    assert response.json() == {"amount": [AMOUNT_ERROR]}
    assert not InvestmentLine.objects.filter(project=project).exists()


@pytest.mark.parametrize("amount", ["0", "-5.00", "12.345", "100000000.00"])
def test_bad_contract_amounts_are_400_in_chinese_and_english(world, amount):
    response = create(world, contract_amount=amount)

    assert response.status_code == 400
    assert response.json() == {"contract_amount": [AMOUNT_ERROR]}


def test_the_largest_amount_is_taken(world):
    project = made(world)

    assert line(world, project, amount="99999999.99").json()["amount"] == "99999999.99"


# -- the list ---------------------------------------------------------------------------------


def test_list_filters_are_checked_and_applied(world):
    today = timezone.localdate()
    soon = [{"title": "上线", "due_date": (today + timedelta(days=30)).isoformat()}]
    late = [{"title": "上线", "due_date": (today - timedelta(days=1)).isoformat()}]
    quiet = made(world, title="无人问津", milestones=soon)  # no work for 30 days
    busy = made(world, title="热火朝天", milestones=soon)
    overdue = made(world, title="逾期未完", milestones=late)
    for project in (busy, overdue):
        WorkLog.objects.create(
            city=world["city"], project=project, date=today, hours=Decimal("1"),
            description="x", created_by=world["staff"],
        )  # fmt: skip
    # written around the services: the correction path recomputes the kept dates
    services.project_schedule_refresh(project_ids=[busy.pk, overdue.pk])
    Project.objects.filter(pk=busy.pk).update(status="in_progress")
    admin = api(world["admin"])

    def titles(**params):
        response = admin.get(url(world), params)
        assert response.status_code == 200, response.content
        return [row["title"] for row in response.json()["results"]]

    assert titles(status="in_progress") == ["热火朝天"]
    assert sorted(titles(attention="true")) == sorted(["无人问津", "逾期未完"])
    assert titles(attention="false", status="in_progress") == ["热火朝天"]
    assert titles(q="热火") == ["热火朝天"]
    assert titles(provider=world["other_provider"].pk) == []
    everything = sorted([quiet.title, busy.title, overdue.title])
    assert sorted(titles(enterprise=world["enterprise"].pk)) == everything
    assert sorted(titles(district=world["enterprise"].district.code)) == everything
    assert titles(district="nowhere") == []
    assert admin.get(url(world), {"status": "bogus"}).status_code == 400
    assert admin.get(url(world), {"provider": "x"}).status_code == 400


def add_projects(world, n):
    for i in range(n):
        project = Project.objects.create(
            city=world["city"], enterprise=world["enterprise"], provider=world["provider"],
            title=f"项目{i}", contract_amount=Decimal("1000.00"),
            planned_start=date(2026, 1, 1), planned_end=date(2026, 12, 31),
            created_by=world["owner"],
        )  # fmt: skip
        project.products.add(world["product"])
        for category in ["software", "other"]:
            InvestmentLine.objects.create(
                city=world["city"], project=project, category=category,
                amount=Decimal("600.00"), description="x", created_by=world["owner"],
            )  # fmt: skip


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("who", ["admin", "owner", "staff", "officer"])
def test_the_list_runs_a_fixed_number_of_queries(world, size, who, django_assert_max_num_queries):
    add_projects(world, size)
    client = api(world[who])

    # session, user, city, memberships, count, the page with its figures, their products
    with django_assert_max_num_queries(7):
        response = client.get(url(world))
    body = response.json()
    assert body["count"] == size
    assert {row["over_contract"] for row in body["results"]} == {"200.00"}
    assert {row["eligible_investment"] for row in body["results"]} == {"600.00"}


def test_the_contract_is_attached_over_the_api(world):
    project = made(world)
    upload = SimpleUploadedFile("contract.pdf", PDF, content_type="application/pdf")
    response = api(world["staff"]).post(
        url(world, f"{project.pk}/contract/"), {"file": upload}, format="multipart"
    )
    assert response.status_code == 403  # the provider does not attach the contract
    upload.seek(0)
    response = api(world["owner"]).post(
        url(world, f"{project.pk}/contract/"), {"file": upload}, format="multipart"
    )
    assert response.status_code == 200, response.content
    assert Project.objects.get(pk=project.pk).contract.name == "contract.pdf"
