"""The city performance dashboard: each indicator with its target, actual and progress, the
sectors against the 90 % target, the project funnel, funds; read-only for oversight, hidden from
other cities, and a fixed number of queries whatever the city's size."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from enterprises.models import Project
from pilot_portal.documents.services import document_create
from pilot_portal.jobs.models import Job
from pilot_portal.reporting import report_job_kinds  # noqa: F401  (registers the job kinds)
from pilot_portal.reporting.models import ManualValue
from pilot_portal.reporting.services import indicators_install
from pilot_portal.tenancy.models import Membership
from tests.factories import (
    AssessmentFactory,
    CityFactory,
    EnterpriseFactory,
    MembershipFactory,
    ProviderFactory,
    SectorFactory,
    UserFactory,
    acceptance_locked,
)

pytestmark = pytest.mark.django_db

INDICATORS = [
    ["1", "完成诊断企业数", "家", {"2025": "10", "2026": "20"}, "30"],
    ["2", "完成改造企业数", "家", {"2025": "2", "2026": "3"}, "5"],
    ["3", "看样学样活动", "次", {"2025": "6"}, "6"],
]
METRIC_MAP = {"1": "enterprises_diagnosed", "2": "enterprises_transformed"}
# The page: session, user, city, memberships (4) and the dashboard's fixed reads (19).
QUERY_BOUND = 23


def diagnosed(enterprise, level):
    return AssessmentFactory(
        city=enterprise.city, enterprise=enterprise, status="locked", level=level,
        locked_at=timezone.now(),
    )  # fmt: skip


def project(world, enterprise, status, **extra):
    return Project.objects.create(
        city=world["city"], enterprise=enterprise, provider=world["provider"],
        title=extra.pop("title", f"{enterprise.name}改造"), status=status,
        contract_amount=Decimal("200000.00"), planned_start=date(2025, 3, 1),
        planned_end=date(2025, 12, 31), created_by=world["admin"], **extra,
    )  # fmt: skip


def performance_world():
    """绩效市 (period 2024–2026) with two sectors:
    * 机床: four above-size enterprises — levels 2, 1 and 3 (after an accepted project) and one
      not assessed: 2 of 4 at level ≥ 2, 50 %, below the 90 % target;
    * 泵阀: one above-size enterprise at level 2 (100 %).
    Four diagnosed, one transformed; projects accepted, in progress and failed; a manual
    indicator with a value waiting for review. Another city with its own admin."""
    city = CityFactory(name="绩效市", period_start=date(2024, 10, 1), period_end=date(2026, 10, 31))
    tools = SectorFactory(city=city, code="T-A1", name="机床")
    pumps = SectorFactory(city=city, code="T-A2", name="泵阀")
    e = [
        EnterpriseFactory(city=city, sector=tools, size="above", name=f"机床{n}号有限公司")
        for n in range(1, 5)
    ]
    e.append(EnterpriseFactory(city=city, sector=pumps, size="above", name="泵阀有限公司"))
    world = {
        "city": city,
        "tools": tools,
        "pumps": pumps,
        "enterprises": e,
        "admin": MembershipFactory(city=city, role="city_admin").user,
        "auditor": MembershipFactory(city=city, role="auditor").user,
        "provider": ProviderFactory(name="链主服务商有限公司"),
    }
    diagnosed(e[0], 2), diagnosed(e[1], 1), diagnosed(e[2], 1), diagnosed(e[4], 2)
    accepted = project(
        world, e[2], "accepted", title="智能产线改造", exemplary=True,
        exemplary_results="良品率提升 12%",
    )  # fmt: skip
    acceptance_locked(accepted, level=3, locked_at=timezone.now())
    project(world, e[0], "in_progress")
    project(world, e[1], "failed")
    indicators_install(city=city, rows=INDICATORS, metrics=METRIC_MAP, actor=world["admin"])
    evidence = document_create(
        city=city, name="活动记录.pdf", content=b"%PDF-1.4 evidence",
        content_type="application/pdf", actor=world["admin"], purpose="indicator 3",
    )  # fmt: skip
    ManualValue.objects.create(
        city=city, indicator=city.indicators.get(code="3"), value=Decimal("4"),
        evidence=evidence, entered_by=world["admin"],
    )  # fmt: skip
    other = CityFactory(name="他市")
    world["other_city"] = other
    world["other_admin"] = MembershipFactory(city=other, role="city_admin").user
    return world


@pytest.fixture
def world():
    return performance_world()


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def dashboard_url(city, **query) -> str:
    url = reverse("performance-dashboard", kwargs={"city_code": city.code})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def cells(html: str, attribute: str, value: str) -> list[str]:
    """The text of each cell of the table row marked `attribute="value"`."""
    row = re.search(rf'<tr {attribute}="{re.escape(value)}"[^>]*>(.*?)</tr>', html, re.S)
    assert row, f"no row {attribute}={value}"
    found = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in found]


def test_each_indicator_shows_its_target_actual_progress_and_source(world):
    response = client_of(world["admin"]).get(dashboard_url(world["city"], year=2025))

    assert response.status_code == 200
    html = response.content.decode()
    # code, name, unit, target by 2025, total, actual, progress, source
    diagnosed_row = cells(html, "data-code", "1")
    assert diagnosed_row[:7] == ["1", "完成诊断企业数", "家", "10", "30", "4", "40.0 %"]
    assert "有锁定的诊断评估" in diagnosed_row[7]  # the metric's definition beside it
    assert cells(html, "data-code", "2")[:7] == [
        "2",
        "完成改造企业数",
        "家",
        "2",
        "5",
        "1",
        "50.0 %",
    ]
    manual = cells(html, "data-code", "3")
    assert manual[3:6] == ["6", "6", "–"] and "待审核" in manual[7]  # pending: not counted yet
    assert 'class="badge live"' in html


def test_the_year_moves_the_target_the_actual_stays(world):
    html = client_of(world["admin"]).get(dashboard_url(world["city"], year=2026)).content.decode()

    assert cells(html, "data-code", "1")[3:7] == ["30", "30", "4", "13.3 %"]


def test_sectors_are_checked_against_90_percent_of_all_their_above_size_enterprises(world):
    html = client_of(world["admin"]).get(dashboard_url(world["city"])).content.decode()

    tools = cells(html, "data-sector", "T-A1")
    # none, levels 1–4, assessed; above-size, at level ≥ 2, share, verdict
    assert tools[1:7] == ["0", "1", "1", "1", "0", "3"]  # the one not assessed is not counted
    assert tools[7:10] == ["4", "2", "50.00 %"] and tools[10] == "未达目标"
    assert cells(html, "data-sector", "T-A2")[7:10] == ["1", "1", "100.00 %"]
    assert html.count('data-testid="below"') == 1  # 机床 only


def test_funnel_movement_funds_and_charts_are_on_the_page(world):
    html = client_of(world["admin"]).get(dashboard_url(world["city"])).content.decode()

    # planned or further 2 (the failed one apart), started 2, completed 1, accepted 1
    funnel = re.search(r'data-testid="funnel-chart">(.*?)</div>', html, re.S).group(1)
    assert ">2<" in funnel and "1 (50.0 %)" in funnel
    assert re.search(r'data-testid="failed">\s*1 个项目未通过', html)  # "1 project failed"
    improved = re.search(r'data-movement="improved"><span>(\d+)', html).group(1)
    assert improved == "1"  # level 1 at diagnosis, 3 at acceptance
    for chart in ("progress-chart", "levels-chart", "funnel-chart", "funds-chart"):
        assert re.search(rf'data-testid="{chart}"><svg ', html), chart
    assert "100,000,000.00" in html  # the central award cap
    assert reverse("performance-indicators", kwargs={"city_code": world["city"].code}) in html


def test_ministry_reads_it_without_the_buttons_and_may_not_start_a_report(world):
    ministry = UserFactory(username="ministry-dashboard")
    Membership.objects.create(user=ministry, role="ministry")
    client = client_of(ministry)

    html = client.get(dashboard_url(world["city"])).content.decode()
    assert "完成诊断企业数" in html
    assert 'data-testid="report"' not in html and 'data-testid="export"' not in html
    start = reverse("performance-report-start", kwargs={"city_code": world["city"].code})
    assert client.post(start, {"kind": "mid_term", "year": "2025"}).status_code == 403
    assert not Job.objects.filter(city=world["city"]).exists()


def test_another_city_s_admin_gets_404_everywhere(world):
    client = client_of(world["other_admin"])
    code = world["city"].code

    assert client.get(dashboard_url(world["city"])).status_code == 404
    for name in ("performance-report-start", "performance-export-start"):
        url = reverse(name, kwargs={"city_code": code})
        assert client.post(url, {"kind": "final", "year": "2025"}).status_code == 404
    assert not Job.objects.filter(city=world["city"]).exists()


def test_a_year_outside_the_period_is_refused_with_a_message(world):
    response = client_of(world["admin"]).get(dashboard_url(world["city"], year=2031))

    assert response.status_code == 400
    assert "年份须在实施期 2024–2026 内" in response.content.decode()
    missing = client_of(world["admin"]).get(dashboard_url(world["city"], period=999999))
    assert missing.status_code == 404


def test_the_report_button_starts_the_job_and_goes_to_its_page(
    world, django_capture_on_commit_callbacks
):
    client = client_of(world["admin"])
    assert 'data-testid="report"' in client.get(dashboard_url(world["city"])).content.decode()
    start = reverse("performance-report-start", kwargs={"city_code": world["city"].code})

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(start, {"kind": "final", "year": "2026"})

    job = Job.objects.get(city=world["city"], kind="performance_report")
    assert response.status_code == 302 and response["Location"].endswith(f"/jobs/{job.pk}/")
    assert job.params == {"kind": "final", "year": 2026}
    job.refresh_from_db()
    assert job.status == "succeeded", job.error


def test_a_bad_choice_comes_back_with_the_reason_and_starts_nothing(world):
    client = client_of(world["admin"])
    start = reverse("performance-report-start", kwargs={"city_code": world["city"].code})

    response = client.post(start, {"kind": "quarterly", "year": "2025"}, follow=True)

    assert "报告类型须为 mid_term" in response.content.decode()
    assert not Job.objects.filter(city=world["city"]).exists()


def grow(world, n):
    """More enterprises, each diagnosed and with an accepted project."""
    for i in range(n):
        enterprise = EnterpriseFactory(
            city=world["city"], sector=world["tools"], size="above", name=f"扩充{i}号有限公司"
        )
        diagnosed(enterprise, 2)
        acceptance_locked(project(world, enterprise, "accepted"), level=3, locked_at=timezone.now())


def test_the_page_costs_the_same_queries_at_5_and_30_enterprises(
    world, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_of(world["admin"])
    url = dashboard_url(world["city"])
    client.get(url)  # (the session's first read)
    counts = []
    for extra in (0, 25):  # 5 enterprises, then 30
        grow(world, extra)
        with django_assert_max_num_queries(QUERY_BOUND), CaptureQueriesContext(connection) as q:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(q.captured_queries))
    assert counts[0] == counts[1], counts
    assert cells(response.content.decode(), "data-code", "1")[5] == "29"  # 4 + 25 diagnosed


def test_a_submitted_period_shows_its_frozen_figures_with_today_s_beside(world):
    from pilot_portal.reporting.services import period_submit

    period = period_submit(city=world["city"], kind="mid_term", year=2025, actor=world["admin"])
    diagnosed(EnterpriseFactory(city=world["city"], sector=world["pumps"]), 3)  # now 5
    client = client_of(world["admin"])

    html = client.get(dashboard_url(world["city"], period=period.pk)).content.decode()

    # target, total, actual as submitted, today's, progress as submitted
    assert cells(html, "data-code", "1")[3:8] == ["10", "30", "4", "5", "40.0 %"]
    assert 'class="badge frozen"' in html and f'name="period" value="{period.pk}"' in html
    live = client.get(dashboard_url(world["city"], year=2025)).content.decode()
    assert cells(live, "data-code", "1")[3:7] == ["10", "30", "5", "50.0 %"]
