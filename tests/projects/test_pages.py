"""The project pages: who sees what, the forms of each party, refusals that change nothing, and
fixed query counts on the list and the detail page."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from enterprises.models import InvestmentLine, Milestone, Project, Shortlist, WorkLog
from enterprises.projects import services
from tests.factories import (
    BatchFactory,
    CityFactory,
    EnterpriseFactory,
    MembershipFactory,
    ProductFactory,
    ProviderFactory,
    ProviderSelectionFactory,
    acceptance_locked,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def world():
    city = CityFactory()
    enterprise = EnterpriseFactory(city=city, name="沈阳精密轴承有限公司")
    enterprise.applications.create(city=city, batch=BatchFactory(city=city), status="approved")
    provider = ProviderFactory(name="盛京智造服务商")
    ProviderSelectionFactory(city=city, provider=provider, status="selected")
    other_provider = ProviderFactory(name="另一家服务商")
    ProviderSelectionFactory(city=city, provider=other_provider, status="selected")
    outside = ProviderFactory(name="库外服务商")  # not in the city's pool
    other_city = CityFactory()
    return {
        "city": city, "enterprise": enterprise, "provider": provider,
        "other_provider": other_provider, "outside": outside,
        "owner": MembershipFactory(city=city, role="enterprise", enterprise=enterprise).user,
        "admin": MembershipFactory(city=city, role="city_admin").user,
        "auditor": MembershipFactory(city=city, role="auditor").user,
        "expert": MembershipFactory(city=city, role="expert").user,
        "staff": MembershipFactory(city=city, role="provider", provider=provider).user,
        "stranger": MembershipFactory(city=city, role="provider", provider=other_provider).user,
        "elsewhere": MembershipFactory(city=other_city, role="city_admin").user,
    }  # fmt: skip


def _project(world, title="视觉质检改造", **overrides):
    data = {
        "provider": world["provider"].pk, "title": title, "scenarios": ["quality"],
        "contract_amount": "200000.00", "planned_start": date(2026, 1, 1),
        "planned_end": date(2026, 12, 31),
        "milestones": [{"title": "上线", "due_date": date(2026, 6, 30)}],
    }  # fmt: skip
    data.update(overrides)
    return services.project_create(enterprise=world["enterprise"], actor=world["owner"], data=data)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(world, name, **kwargs):
    return reverse(name, kwargs={"city_code": world["city"].code, **kwargs})


def _state(project):
    """Everything a refused request must leave as it was."""
    project.refresh_from_db()
    return (
        project.status,
        list(InvestmentLine.objects.filter(project=project).values_list("pk", "amount")),
        list(WorkLog.objects.filter(project=project).values_list("pk", flat=True)),
        list(Milestone.objects.filter(project=project).values_list("pk", "done_at")),
    )


# -- the list ----------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status, sees",
    [
        ("owner", 200, True),
        ("admin", 200, True),
        ("auditor", 200, True),
        ("staff", 200, True),
        ("stranger", 200, False),  # another provider's staff: the page, not the project
        ("expert", 403, False),
        ("elsewhere", 404, False),  # a city the user is not in
    ],
)
def test_it_lists_the_projects_each_role_sees(world, who, status, sees):
    # given
    _project(world)
    # when
    response = _client(world[who]).get(_url(world, "project-list"))
    # then
    assert response.status_code == status
    assert ("视觉质检改造" in response.content.decode()) is sees


def test_the_list_flags_a_total_above_the_contract_and_filters(world):
    # given
    project = _project(world, contract_amount="1000.00")
    _project(world, title="仓储物流改造")
    services.investment_add(
        project=project, actor=world["owner"],
        data={"category": "software", "amount": "1500.00", "description": "MES"},
    )  # fmt: skip
    client = _client(world["owner"])
    # when
    page = client.get(_url(world, "project-list")).content.decode()
    filtered = client.get(_url(world, "project-list") + "?q=仓储").content.decode()
    # then
    assert 'data-testid="over-contract"' in page and "1,500.00" in page
    assert 'data-testid="new-project"' in page  # the enterprise may start a project
    assert "仓储物流改造" in filtered and "视觉质检改造" not in filtered
    admin_page = _client(world["admin"]).get(_url(world, "project-list")).content.decode()
    assert 'data-testid="new-project"' not in admin_page


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_runs_a_fixed_number_of_queries(world, size, django_assert_max_num_queries):
    # given
    for n in range(size):
        project = _project(world, title=f"项目{n}")
        services.investment_add(
            project=project, actor=world["owner"],
            data={"category": "cloud", "amount": "10.00", "description": "云"},
        )  # fmt: skip
    client = _client(world["admin"])
    # when / then: session, user, city, memberships, count, the page of rows
    with django_assert_max_num_queries(6):
        response = client.get(_url(world, "project-list"))
    assert response.content.decode().count("data-project=") == size


# -- creating ----------------------------------------------------------------


def _create_data(world, **overrides):
    data = {
        "provider": world["provider"].pk, "title": "设备联网改造", "scenarios": ["equipment"],
        "contract_amount": "150000.00", "planned_start": "2026-03-01",
        "planned_end": "2026-09-30", "milestone_1_title": "网关安装",
        "milestone_1_due": "2026-05-31",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_the_enterprise_creates_a_project_from_its_shortlist(world):
    # given: a shortlisted solution of the other pooled provider, listed in the catalogue
    product = ProductFactory(city=world["city"], provider=world["other_provider"], name="云 MES")
    Shortlist.objects.create(
        city=world["city"], enterprise=world["enterprise"], product=product,
        created_by=world["owner"],
    )  # fmt: skip
    client = _client(world["owner"])
    # when
    page = client.get(_url(world, "project-create")).content.decode()
    response = client.post(
        _url(world, "project-create"),
        _create_data(world, provider=world["other_provider"].pk, products=[product.pk]),
    )
    # then: the shortlist's provider comes first, and the project is made
    assert page.index("另一家服务商") < page.index("盛京智造服务商")
    assert "库外服务商" not in page  # only the pool is offered
    project = Project.objects.get(title="设备联网改造")
    assert response.status_code == 302
    assert response.url == _url(world, "project-detail", pk=project.pk)
    assert project.provider == world["other_provider"]
    assert list(project.products.all()) == [product]
    assert project.contract_amount == Decimal("150000.00")
    assert list(project.milestones.values_list("title", "due_date")) == [
        ("网关安装", date(2026, 5, 31))
    ]


def test_the_chosen_providers_listed_solutions_are_offered(world):
    ProductFactory(city=world["city"], provider=world["provider"], name="视觉质检 SaaS")
    ProductFactory(
        city=world["city"], provider=world["provider"], name="未上架", status="submitted"
    )
    client = _client(world["owner"])
    url = _url(world, "project-create") + f"?provider={world['provider'].pk}"
    page = client.get(url).content.decode()
    assert "视觉质检 SaaS" in page and "未上架" not in page
    # "show this provider's solutions" keeps what was typed and creates nothing
    shown = client.post(
        _url(world, "project-create"), {**_create_data(world), "show_solutions": "1"}
    )
    assert shown.status_code == 200
    html = shown.content.decode()
    assert "视觉质检 SaaS" in html and 'value="设备联网改造"' in html
    assert not Project.objects.filter(city=world["city"]).exists()


@pytest.mark.parametrize(
    "overrides, field_error",
    [
        ({"contract_amount": "12.345"}, "contract_amount-error"),
        ({"contract_amount": "0"}, "contract_amount-error"),
        ({"title": ""}, "title-error"),
        ({"milestone_1_due": ""}, "milestone_1_due-error"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_created(world, overrides, field_error):
    response = _client(world["owner"]).post(
        _url(world, "project-create"), _create_data(world, **overrides)
    )
    assert response.status_code == 400
    assert f'data-testid="{field_error}"' in response.content.decode()
    assert not Project.objects.filter(city=world["city"]).exists()


def test_a_provider_outside_the_pool_cannot_be_chosen(world):
    response = _client(world["owner"]).post(
        _url(world, "project-create"), _create_data(world, provider=world["outside"].pk)
    )
    assert response.status_code == 400
    assert 'data-testid="provider-error"' in response.content.decode()
    assert not Project.objects.filter(city=world["city"]).exists()


def test_a_refused_creation_shows_the_services_message(world):
    # given: the enterprise's application is no longer approved
    world["enterprise"].applications.update(status="submitted")
    # when
    response = _client(world["owner"]).post(_url(world, "project-create"), _create_data(world))
    # then
    assert response.status_code == 409
    assert "the enterprise&#x27;s application is not approved" in response.content.decode()
    assert not Project.objects.filter(city=world["city"]).exists()


def test_the_city_admin_creates_for_a_named_enterprise(world):
    client = _client(world["admin"])
    assert client.get(_url(world, "project-create")).status_code == 404  # which enterprise?
    url = _url(world, "project-create") + f"?enterprise={world['enterprise'].pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, _create_data(world))
    assert response.status_code == 302
    assert Project.objects.get(city=world["city"]).enterprise == world["enterprise"]


@pytest.mark.parametrize("who, status", [("staff", 403), ("expert", 403), ("elsewhere", 404)])
def test_others_cannot_open_the_create_page(world, who, status):
    assert _client(world[who]).get(_url(world, "project-create")).status_code == status


def test_an_enterprise_of_another_city_is_not_found(world):
    other = EnterpriseFactory(city=CityFactory())
    url = _url(world, "project-create") + f"?enterprise={other.pk}"
    assert _client(world["admin"]).get(url).status_code == 404


# -- one project -------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status",
    [
        ("owner", 200),
        ("admin", 200),
        ("auditor", 200),
        ("staff", 200),
        ("stranger", 404),
        ("expert", 403),
        ("elsewhere", 404),
    ],
)
def test_the_detail_page_answers_each_role(world, who, status):
    project = _project(world)
    response = _client(world[who]).get(_url(world, "project-detail", pk=project.pk))
    assert response.status_code == status


def test_the_detail_page_shows_figures_side_by_side_with_a_warning(world):
    # given
    project = _project(world, contract_amount="1000.00")
    line = services.investment_add(
        project=project, actor=world["owner"],
        data={"category": "software", "amount": "900.00", "description": "MES 许可"},
    )  # fmt: skip
    services.investment_add(
        project=project, actor=world["staff"],
        data={"category": "other", "amount": "300.00", "description": "差旅"},
    )  # fmt: skip
    services.investment_add(
        project=project, actor=world["owner"],
        data={"category": "software", "amount": "-100.00", "description": "折让",
              "corrects": line.pk, "reason": "发票折让"},
    )  # fmt: skip
    # when
    page = _client(world["owner"]).get(_url(world, "project-detail", pk=project.pk))
    html = page.content.decode()
    # then
    assert '<span data-testid="contract-amount">1,000.00</span>' in html
    assert '<span data-testid="eligible-investment">800.00</span>' in html
    assert '<span data-testid="total-investment">1,100.00</span>' in html
    assert 'data-testid="over-contract"' in html
    assert "发票折让" in html and f"#{line.pk}" in html
    assert 'data-testid="investment-form"' in html
    assert 'data-testid="worklog-form"' not in html  # the enterprise does not log work
    assert 'data-action="start"' in html


@pytest.mark.parametrize("size", [3, 30])
def test_the_detail_page_runs_a_fixed_number_of_queries(world, size, django_assert_max_num_queries):
    # given
    project = _project(world)
    for n in range(size):
        services.investment_add(
            project=project, actor=world["owner"],
            data={"category": "software", "amount": "10.00", "description": f"明细{n}"},
            upload=pdf(f"invoice{n}.pdf"),
        )  # fmt: skip
        services.worklog_add(
            project=project, actor=world["staff"],
            data={"date": timezone.localdate(), "hours": "2", "description": f"工作{n}"},
        )  # fmt: skip
        services.milestone_add(
            project=project, actor=world["owner"],
            data={"title": f"节点{n}", "due_date": date(2026, 7, 1)},
        )  # fmt: skip
    services.project_transition(project=project, actor=world["staff"], action="start")
    client = _client(world["staff"])
    # when / then: session, user, city, memberships, the project, its products, lines,
    # milestones, work logs, steps with their actors (2), and the menu's city and provider staff
    with django_assert_max_num_queries(13):
        response = client.get(_url(world, "project-detail", pk=project.pk))
    assert response.content.decode().count("data-line=") == size


# -- the parties' forms ------------------------------------------------------


def test_the_status_moves_with_the_parties_actions(world):
    # given
    project = _project(world)
    owner, staff, admin = (_client(world[n]) for n in ("owner", "staff", "admin"))
    url = _url(world, "project-action", pk=project.pk)
    # when / then
    assert staff.post(url, {"action": "start", "comment": "进场"}).status_code == 302
    assert owner.post(url, {"action": "complete"}).status_code == 302
    project.refresh_from_db()
    assert project.status == "completed"
    assert list(project.steps.values_list("action", "comment")) == [
        ("start", "进场"), ("complete", ""),
    ]  # fmt: skip
    acceptance_locked(project)
    assert admin.post(url, {"action": "accept"}).status_code == 302


@pytest.mark.parametrize(
    "who, action, status, message",
    [
        ("staff", "complete", 403, "your role may not take this action"),
        ("admin", "accept", 409, "not allowed while the status is planned"),
        ("admin", "teleport", 400, "unknown action"),
        ("auditor", "start", 403, "your role may not take this action"),
    ],
)
def test_a_refused_step_shows_the_message_and_changes_nothing(world, who, action, status, message):
    project = _project(world)
    before = _state(project)
    response = _client(world[who]).post(
        _url(world, "project-action", pk=project.pk), {"action": action}
    )
    assert response.status_code == status
    assert message in response.content.decode()
    assert _state(project) == before


def test_failing_needs_a_comment(world):
    project = _project(world)
    services.project_transition(project=project, actor=world["owner"], action="start")
    before = _state(project)
    response = _client(world["admin"]).post(
        _url(world, "project-action", pk=project.pk), {"action": "fail", "comment": " "}
    )
    assert response.status_code == 400
    assert 'data-testid="comment-error"' in response.content.decode()
    assert _state(project) == before


def test_the_parties_record_investment_lines_with_evidence(world):
    # given
    project = _project(world)
    # when
    response = _client(world["owner"]).post(
        _url(world, "project-investment", pk=project.pk),
        {"category": "data_devices", "amount": "12000.50", "description": "边缘网关",
         "invoice_number": "No.0001", "invoice_issuer": "某网关厂", "file": pdf()},
    )  # fmt: skip
    # then
    assert response.status_code == 302
    line = InvestmentLine.objects.get(project=project)
    assert (line.category, line.amount, line.invoice_number) == (
        "data_devices", Decimal("12000.50"), "No.0001",
    )  # fmt: skip
    assert line.evidence.name == "evidence.pdf"
    # the provider's staff may download the enterprise's evidence through the project
    download = _client(world["staff"]).get(_url(world, "document-download", pk=line.evidence_id))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    stranger = _client(world["stranger"]).get(_url(world, "document-download", pk=line.evidence_id))
    assert stranger.status_code == 404


def test_accepted_lines_are_frozen_but_a_correction_is_kept(world):
    # given
    project = _project(world)
    line = services.investment_add(
        project=project, actor=world["owner"],
        data={"category": "software", "amount": "80000.00", "description": "MES 许可"},
    )  # fmt: skip
    Project.objects.filter(pk=project.pk).update(status="accepted")
    client = _client(world["owner"])
    url = _url(world, "project-investment", pk=project.pk)
    before = _state(project)
    # when: a plain line
    refused = client.post(url, {"category": "cloud", "amount": "100.00", "description": "云"})
    # then
    assert refused.status_code == 409
    assert "its lines are frozen" in refused.content.decode()
    assert _state(project) == before
    # when: a correction with its reason
    kept = client.post(
        url,
        {"category": "software", "amount": "-5000.00", "description": "退款",
         "corrects": line.pk, "reason": "发票作废重开"},
    )  # fmt: skip
    # then
    assert kept.status_code == 302
    correction = InvestmentLine.objects.get(corrects=line)
    assert correction.amount == Decimal("-5000.00") and correction.reason == "发票作废重开"


@pytest.mark.parametrize(
    "data, status, field",
    [
        ({"category": "software", "amount": "12.345", "description": "x"}, 400, "amount"),
        ({"category": "software", "amount": "-1.00", "description": "x"}, 400, "amount"),
        ({"category": "software", "amount": "10", "description": "x", "corrects": "1"}, 400,
         "corrects"),
    ],
)  # fmt: skip
def test_bad_lines_are_refused_next_to_the_field(world, data, status, field):
    project = _project(world)
    before = _state(project)
    response = _client(world["owner"]).post(_url(world, "project-investment", pk=project.pk), data)
    assert response.status_code == status
    assert f'data-testid="{field}-error"' in response.content.decode()
    assert _state(project) == before


def test_an_auditor_records_no_line(world):
    project = _project(world)
    before = _state(project)
    response = _client(world["auditor"]).post(
        _url(world, "project-investment", pk=project.pk),
        {"category": "cloud", "amount": "10.00", "description": "云"},
    )
    assert response.status_code == 403
    assert "only the project&#x27;s parties record lines" in response.content.decode()
    assert _state(project) == before


def test_only_the_projects_provider_logs_work(world):
    # given
    project = _project(world)
    url = _url(world, "project-worklog", pk=project.pk)
    data = {"date": timezone.localdate().isoformat(), "hours": "6.5", "description": "安装相机"}
    before = _state(project)
    # when / then: the enterprise is refused with the service's message
    refused = _client(world["owner"]).post(url, data)
    assert refused.status_code == 403
    assert "only the project&#x27;s provider logs work" in refused.content.decode()
    # another provider's staff do not even find the project
    assert _client(world["stranger"]).post(url, data).status_code == 404
    assert _state(project) == before
    # the project's provider logs, with an attachment
    response = _client(world["staff"]).post(url, {**data, "file": pdf("photo.pdf")})
    assert response.status_code == 302
    log = WorkLog.objects.get(project=project)
    assert log.hours == Decimal("6.50") and log.attachment.name == "photo.pdf"


def test_a_future_work_log_is_refused_next_to_the_date(world):
    project = _project(world)
    before = _state(project)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = _client(world["staff"]).post(
        _url(world, "project-worklog", pk=project.pk),
        {"date": tomorrow, "hours": "2", "description": "x"},
    )
    assert response.status_code == 400
    assert 'data-testid="date-error"' in response.content.decode()
    assert _state(project) == before


def test_the_provider_marks_a_milestone_done_with_evidence(world):
    # given
    project = _project(world)
    milestone = project.milestones.get()
    url = _url(world, "project-milestone-done", pk=project.pk, milestone_pk=milestone.pk)
    before = _state(project)
    # when / then: no evidence, the enterprise, another provider
    missing = _client(world["staff"]).post(url, {})
    assert missing.status_code == 400 and "evidence is required" in missing.content.decode()
    assert _client(world["owner"]).post(url, {"file": pdf()}).status_code == 403
    assert _client(world["stranger"]).post(url, {"file": pdf()}).status_code == 404
    assert _state(project) == before
    # the provider, with evidence
    assert _client(world["staff"]).post(url, {"file": pdf("acceptance.pdf")}).status_code == 302
    milestone.refresh_from_db()
    assert milestone.done_by == world["staff"] and milestone.evidence.name == "acceptance.pdf"
    # twice: refused
    again = _client(world["staff"]).post(url, {"file": pdf()})
    assert again.status_code == 409


def test_a_milestone_of_another_project_is_not_found(world):
    project, other = _project(world), _project(world, title="另一个项目")
    url = _url(
        world, "project-milestone-done", pk=project.pk,
        milestone_pk=other.milestones.get().pk,
    )  # fmt: skip
    assert _client(world["staff"]).post(url, {"file": pdf()}).status_code == 404


def test_a_document_not_attached_to_the_project_is_not_served(world):
    from pilot_portal.documents.services import document_create

    _project(world)
    document = document_create(
        city=world["city"], name="secret.pdf", content=PDF, content_type="application/pdf",
        actor=world["admin"],
    )  # fmt: skip
    url = _url(world, "document-download", pk=document.pk)
    assert _client(world["owner"]).get(url).status_code == 404
