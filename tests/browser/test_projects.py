"""A transformation project from creation to completion in a real browser: the enterprise creates
it with a pooled provider and a milestone, the provider starts it, logs work and marks the
milestone done with a PDF, the enterprise records an investment line and marks the project
complete, and the city administrator sees it on the monitoring page."""

import datetime

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from enterprises.models import InvestmentLine, Milestone, Project, WorkLog
from tests.browser.test_pages import log_in
from tests.factories import (
    PASSWORD,
    BatchFactory,
    CityFactory,
    EnterpriseFactory,
    MembershipFactory,
    ProductFactory,
    ProviderFactory,
    ProviderSelectionFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

TITLE = "视觉质检与设备联网改造"
PROVIDER = "盛京视觉智能科技有限公司"
SOLUTION = "轴承外观视觉检测 SaaS"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def log_out(page: Page) -> None:
    page.locator("header form[action$='/logout/'] button").click()
    expect(page.locator("#id_username")).to_be_visible()


def sign_in(page: Page, live_server, username: str) -> None:
    log_in(page, live_server, username, PASSWORD)
    expect(page.locator("header .who")).to_have_text(username)


def pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


@pytest.fixture
def project_world(transactional_db, live_server):
    """A city with an approved enterprise and its user, a pooled provider with a listed light
    solution and its user, another pooled provider, and the city administrator (committed)."""
    city = CityFactory(code="browsercity", name="浏览器市")
    enterprise = EnterpriseFactory(city=city, name="沈阳精密轴承有限公司")
    enterprise.applications.create(city=city, batch=BatchFactory(city=city), status="approved")
    provider = ProviderFactory(name=PROVIDER)
    ProviderSelectionFactory(city=city, provider=provider, status="selected")
    ProviderSelectionFactory(
        city=city, provider=ProviderFactory(name="另一家服务商"), status="selected"
    )
    ProductFactory(city=city, provider=provider, name=SOLUTION)
    users = {}
    for username, extra in (
        ("project-enterprise", {"role": "enterprise", "enterprise": enterprise}),
        ("project-provider", {"role": "provider", "provider": provider}),
        ("project-city-admin", {"role": "city_admin"}),
    ):
        users[username] = MembershipFactory(
            user=UserFactory(username=username), city=city, **extra
        ).user
    return {"city": city, "enterprise": enterprise, "provider": provider, "users": users}


def open_project(page: Page, live_server, city, project) -> None:
    page.goto(f"{live_server.url}/c/{city.code}/projects/{project.pk}/")
    expect(page.get_by_test_id("project-status")).to_be_visible()


def test_a_project_goes_from_creation_to_completion(page, live_server, project_world):
    city = project_world["city"]
    today = timezone.localdate()
    due = today + datetime.timedelta(days=30)

    # the enterprise creates the project with a pooled provider, its solution and a milestone
    sign_in(page, live_server, "project-enterprise")
    page.goto(f"{live_server.url}/c/{city.code}/projects/")
    page.get_by_test_id("new-project").click()
    form = page.get_by_test_id("project-form")
    form.locator("#id_provider").select_option(label=PROVIDER)
    form.locator("#id_title").fill(TITLE)
    form.get_by_test_id("show-solutions").click()  # lists the provider's solutions
    form = page.get_by_test_id("project-form")
    expect(form.locator("#id_title")).to_have_value(TITLE)  # what was typed is kept
    form.get_by_label(SOLUTION, exact=False).check()
    form.locator("input[name=scenarios][value=quality]").check()
    form.locator("#id_contract_amount").fill("200000.00")
    form.locator("#id_planned_start").fill(today.isoformat())
    form.locator("#id_planned_end").fill((today + datetime.timedelta(days=180)).isoformat())
    form.locator("#id_milestone_1_title").fill("相机安装与联调")
    form.locator("#id_milestone_1_due").fill(due.isoformat())
    form.locator("button[name=create]").click()
    expect(page.get_by_test_id("project-status")).to_have_attribute("data-status", "planned")
    project = Project.objects.get(city=city, title=TITLE)
    assert project.provider == project_world["provider"]
    assert list(project.products.values_list("name", flat=True)) == [SOLUTION]
    expect(page.get_by_test_id("milestones")).to_contain_text("相机安装与联调")
    log_out(page)

    # the provider starts it, logs work and marks the milestone done with a PDF
    sign_in(page, live_server, "project-provider")
    open_project(page, live_server, city, project)
    page.locator("button[data-action=start]").click()
    expect(page.get_by_test_id("project-status")).to_have_attribute("data-status", "in_progress")
    worklog = page.get_by_test_id("worklog-form")
    worklog.locator("#id_hours").fill("6.5")
    worklog.locator("#id_description").fill("安装工业相机并完成产线联调")
    worklog.locator("#id_file").set_input_files(pdf("现场照片.pdf"))
    worklog.get_by_test_id("add-worklog").click()
    expect(page.get_by_test_id("worklogs")).to_contain_text("安装工业相机并完成产线联调")
    milestone = Milestone.objects.get(project=project)
    row = page.locator(f"tr[data-milestone='{milestone.pk}']")
    row.locator("input[type=file]").set_input_files(pdf("联调验收单.pdf"))
    row.get_by_test_id("milestone-done").click()
    expect(page.locator(f"tr[data-milestone='{milestone.pk}']")).to_have_attribute(
        "data-state", "done"
    )
    expect(page.get_by_test_id("milestones")).to_contain_text("联调验收单.pdf")
    log_out(page)

    # the enterprise records an investment line with its invoice and marks the project complete
    sign_in(page, live_server, "project-enterprise")
    open_project(page, live_server, city, project)
    line = page.get_by_test_id("investment-form")
    line.locator("#id_category").select_option("software")
    line.locator("#id_amount").fill("80000.00")
    line.locator("#id_description").fill("视觉质检软件许可")
    line.locator("#id_invoice_number").fill("No.21000001")
    line.locator("#id_invoice_issuer").fill(PROVIDER)
    line.locator("#id_file").set_input_files(pdf("发票.pdf"))
    line.get_by_test_id("add-line").click()
    expect(page.get_by_test_id("eligible-investment")).to_have_text("80,000.00")
    expect(page.get_by_test_id("investment-lines")).to_contain_text("发票.pdf")
    page.locator("#id_comment").fill("软件已上线，申请验收")
    page.locator("button[data-action=complete]").click()
    expect(page.get_by_test_id("project-status")).to_have_attribute("data-status", "completed")
    expect(page.get_by_test_id("timeline")).to_contain_text("软件已上线，申请验收")
    log_out(page)

    assert WorkLog.objects.filter(project=project).count() == 1
    assert InvestmentLine.objects.get(project=project).evidence.name == "发票.pdf"
    assert Milestone.objects.get(project=project).done_at is not None

    # the city administrator sees it on the monitoring page (or, without one, on the list)
    sign_in(page, live_server, "project-city-admin")
    try:
        monitoring = reverse("project-monitoring", kwargs={"city_code": city.code})
    except NoReverseMatch:
        monitoring = None
    if monitoring:
        page.goto(f"{live_server.url}{monitoring}")
        counts = page.get_by_test_id("status-counts")
        expect(counts.locator("[data-status=completed] span")).to_have_text("1")
        expect(page.get_by_test_id("by-provider")).to_contain_text(PROVIDER)
    else:
        page.goto(f"{live_server.url}/c/{city.code}/projects/")
        row = page.locator(f"tr[data-project='{project.pk}']")
        expect(row.locator("[data-status]")).to_have_attribute("data-status", "completed")
        expect(row).to_contain_text("80,000.00")


def test_a_started_project_changes_provider_through_a_change_request(
    page, live_server, project_world
):
    # given: the project is in progress with PROVIDER; the enterprise is in a district with
    # its officer
    from decimal import Decimal

    from tests.factories import DistrictFactory

    city, enterprise = project_world["city"], project_world["enterprise"]
    district = DistrictFactory(city=city, name="浏览器区")
    enterprise.district = district
    enterprise.save(update_fields=["district"])
    MembershipFactory(
        user=UserFactory(username="project-officer"), city=city, role="district_officer",
        district=district,
    )  # fmt: skip
    today = timezone.localdate()
    project = Project.objects.create(
        city=city, enterprise=enterprise, provider=project_world["provider"], title=TITLE,
        contract_amount=Decimal("200000.00"), planned_start=today,
        planned_end=today + datetime.timedelta(days=180), status="in_progress",
        created_by=project_world["users"]["project-enterprise"],
    )  # fmt: skip

    # the enterprise asks, from the project's page, for the other provider
    sign_in(page, live_server, "project-enterprise")
    open_project(page, live_server, city, project)
    page.get_by_test_id("request-change").click()
    expect(page.locator("#id_project")).to_have_value(str(project.pk))
    page.locator("#id_kind").select_option("new_entity")
    page.locator("#id_description").fill("原服务商驻场人员撤离，更换为另一家服务商继续实施。")
    page.locator("#id_provider").select_option(label="另一家服务商")
    page.locator("button.primary[type=submit]").click()
    expect(page.get_by_test_id("project-changes")).to_contain_text("另一家服务商")
    change_url = page.url
    log_out(page)

    # the district approves it, the city records it
    for username, action in (("project-officer", "district-approve"),
                             ("project-city-admin", "record")):  # fmt: skip
        sign_in(page, live_server, username)
        page.goto(change_url)
        page.locator("#change-comment").fill("同意")
        page.locator(f"button[data-action={action}]").click()
        expect(page.get_by_test_id("change-status")).to_have_attribute(
            "data-status", "recorded" if action == "record" else "district_approved"
        )
        log_out(page)

    # the project now has the other provider, and its history says why
    sign_in(page, live_server, "project-enterprise")
    open_project(page, live_server, city, project)
    expect(page.get_by_test_id("provider")).to_have_text("另一家服务商")
    expect(page.get_by_test_id("changed-by-request")).to_contain_text(f"{PROVIDER} → 另一家服务商")
