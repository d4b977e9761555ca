"""The city's monitoring page: by status, district, sector, provider; attention; overdue."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from enterprises.models import Milestone, Project, WorkLog
from enterprises.projects import monitoring, services
from tests.factories import (
    CityFactory,
    DistrictFactory,
    EnterpriseFactory,
    MembershipFactory,
    ProviderFactory,
    SectorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def build_project(enterprise, provider, *, status="in_progress", title=None, **extra):
    """A project straight into the database (the services are tested in test_services)."""
    today = timezone.localdate()
    return Project.objects.create(
        city=enterprise.city, enterprise=enterprise, provider=provider,
        title=title or f"{enterprise.name} 改造", contract_amount=Decimal("100000.00"),
        planned_start=today - timedelta(days=90), planned_end=today + timedelta(days=90),
        status=status, created_by=UserFactory(), **extra,
    )  # fmt: skip


def log_work(project, days_ago: int):
    """A log straight into the database; the correction path sets the project's date."""
    log = WorkLog.objects.create(
        city=project.city, project=project, hours=Decimal("4.00"), description="调试",
        date=timezone.localdate() - timedelta(days=days_ago), created_by=UserFactory(),
    )  # fmt: skip
    services.project_schedule_refresh(project_ids=[project.pk])
    return log


def milestone(project, *, due_in: int, done=False, title="上线"):
    made = Milestone.objects.create(
        city=project.city, project=project, title=title,
        due_date=timezone.localdate() + timedelta(days=due_in),
        done_at=timezone.now() if done else None,
    )  # fmt: skip
    services.project_schedule_refresh(project_ids=[project.pk])
    return made


@pytest.fixture
def world():
    city = CityFactory()
    east, west = DistrictFactory(city=city, name="东区"), DistrictFactory(city=city, name="西区")
    textiles, metals = SectorFactory(city=city, name="纺织"), SectorFactory(city=city, name="五金")
    alpha, beta = ProviderFactory(name="甲服务商"), ProviderFactory(name="乙服务商")
    e1 = EnterpriseFactory(city=city, district=east, sector=textiles, name="东一纺织")
    e2 = EnterpriseFactory(city=city, district=east, sector=metals, name="东二五金")
    e3 = EnterpriseFactory(city=city, district=west, sector=textiles, name="西三纺织")
    return {
        "city": city, "east": east, "west": west, "alpha": alpha, "beta": beta,
        "enterprises": [e1, e2, e3],
        "admin": MembershipFactory(city=city, role="city_admin").user,
        "officer": MembershipFactory(city=city, role="district_officer", district=east).user,
        "owner": MembershipFactory(city=city, role="enterprise", enterprise=e1).user,
    }  # fmt: skip


def _page(client, user, city):
    client.force_login(user)
    return client.get(reverse("project-monitoring", kwargs={"city_code": city.code}))


def test_it_counts_projects_by_status_district_sector_and_provider(world, client):
    # given
    e1, e2, e3 = world["enterprises"]
    build_project(e1, world["alpha"], status="in_progress")
    build_project(e1, world["alpha"], status="accepted")
    build_project(e2, world["beta"], status="planned")
    build_project(e3, world["alpha"], status="in_progress")
    build_project(EnterpriseFactory(city=world["city"]), world["beta"], status="failed")
    city, admin = world["city"], world["admin"]

    # when
    by_district = monitoring.monitoring_breakdown(city=city, user=admin, by="district")
    by_sector = monitoring.monitoring_breakdown(city=city, user=admin, by="sector")
    by_provider = monitoring.monitoring_breakdown(city=city, user=admin, by="provider")

    # then: counts in ProjectStatus order (planned, in_progress, completed, accepted, failed)
    assert [(r["name"], r["total"], r["counts"]) for r in by_district] == [
        ("东区", 3, [1, 1, 0, 1, 0]),
        ("西区", 1, [0, 1, 0, 0, 0]),
        (None, 1, [0, 0, 0, 0, 1]),  # no district recorded
    ]
    assert [(r["name"], r["total"], r["counts"]) for r in by_sector] == [
        ("纺织", 3, [0, 2, 0, 1, 0]),
        ("五金", 1, [1, 0, 0, 0, 0]),
        (None, 1, [0, 0, 0, 0, 1]),
    ]
    assert [(r["name"], r["total"], r["counts"]) for r in by_provider] == [
        ("甲服务商", 3, [0, 2, 0, 1, 0]),
        ("乙服务商", 2, [1, 0, 0, 0, 1]),
    ]
    page = _page(client, admin, city)
    assert page.status_code == 200
    assert [n for _value, _label, n in page.context["statuses"]] == [1, 2, 0, 1, 1]
    district_table = page.content.decode().split('data-testid="by-district"')[1]
    assert "东区" in district_table and "（未填）" in district_table.split("</table>")[0]


def test_a_district_officer_sees_only_their_district(world, client):
    e1, _e2, e3 = world["enterprises"]
    build_project(e1, world["alpha"], title="东区项目")
    build_project(e3, world["alpha"], title="西区项目")
    city, officer = world["city"], world["officer"]

    rows = monitoring.monitoring_breakdown(city=city, user=officer, by="district")
    response = _page(client, officer, city)

    assert [(r["name"], r["total"]) for r in rows] == [("东区", 1)]
    body = response.content.decode()
    assert response.status_code == 200
    assert "东区项目" in body and "西区项目" not in body


def test_it_lists_the_projects_needing_attention_and_why(world, client):
    # given
    e1, e2, e3 = world["enterprises"]
    late = build_project(e1, world["alpha"], title="逾期项目")
    milestone(late, due_in=-5, title="验收准备")
    log_work(late, days_ago=1)
    quiet = build_project(e2, world["beta"], title="沉寂项目")
    log_work(quiet, days_ago=40)
    fine = build_project(e3, world["alpha"], title="正常项目")
    log_work(fine, days_ago=2)
    milestone(fine, due_in=10)
    milestone(fine, due_in=-3, done=True)
    ended = build_project(e3, world["beta"], title="已验收项目", status="accepted")
    milestone(ended, due_in=-30, title="旧里程碑")

    # when
    with translation.override("en"):  # the reasons in English; the page is in Chinese
        listed = monitoring.attention_list(city=world["city"], user=world["admin"])
    overdue = list(monitoring.overdue_milestones(city=world["city"], user=world["admin"]))
    response = _page(client, world["admin"], world["city"])

    # then
    quiet_since = timezone.localdate() - timedelta(days=40)
    assert [(p.title, p.reasons) for p in listed] == [
        ("逾期项目", ["1 overdue milestone(s)"]),
        ("沉寂项目", [f"no work logged for 40 days (last on {quiet_since})"]),
    ]
    assert [(m.title, m.project.title) for m in overdue] == [("验收准备", "逾期项目")]
    body = response.content.decode()
    attention_table = body.split('data-testid="attention-table"')[1].split("</table>")[0]
    assert "逾期项目" in attention_table and "沉寂项目" in attention_table
    assert "正常项目" not in attention_table and "已验收项目" not in attention_table
    assert "旧里程碑" not in body  # an ended project's milestones are not chased
    assert response.context["attention_count"] == 2 and response.context["overdue_count"] == 1


def test_other_roles_are_refused_and_other_cities_not_found(world, client):
    assert _page(client, world["owner"], world["city"]).status_code == 403
    stranger = MembershipFactory(role="city_admin").user  # of another city
    assert _page(client, stranger, world["city"]).status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_the_page_runs_a_fixed_number_of_queries(
    world, client, size, django_assert_max_num_queries
):
    e1, e2, e3 = world["enterprises"]
    providers = [ProviderFactory() for _ in range(3)]
    for i in range(size):
        project = build_project([e1, e2, e3][i % 3], providers[i % 3])
        milestone(project, due_in=-1 - i)
        log_work(project, days_ago=35 + i)
    client.force_login(world["admin"])
    url = reverse("project-monitoring", kwargs={"city_code": world["city"].code})

    # session, user, memberships, city; projects by (district, sector, status), by (provider,
    # status), the providers' names; the attention list's count and page, the overdue
    # milestones' count and page.
    with django_assert_max_num_queries(11):
        response = client.get(url)

    assert response.status_code == 200
    assert len(response.context["attention"]) == size


def test_the_long_lists_are_paged_most_overdue_first(world, client, monkeypatch):
    # given: five projects needing attention, two overdue milestones; pages of two
    monkeypatch.setattr(monitoring, "PAGE_SIZE", 2)
    e1, e2, e3 = world["enterprises"]
    later = build_project(e1, world["alpha"], title="逾期三天")
    milestone(later, due_in=-3, title="里程碑甲")
    log_work(later, days_ago=1)
    earlier = build_project(e2, world["alpha"], title="逾期十天")
    milestone(earlier, due_in=-10, title="里程碑乙")
    milestone(earlier, due_in=5, title="未到期")
    log_work(earlier, days_ago=1)
    quiet = build_project(e3, world["beta"], title="五十天无记录")
    log_work(quiet, days_ago=50)
    quieter = build_project(e3, world["beta"], title="九十天无记录")
    log_work(quieter, days_ago=90)
    build_project(e1, world["beta"], title="从未记录")
    url = reverse("project-monitoring", kwargs={"city_code": world["city"].code})
    client.force_login(world["admin"])

    # when
    first = client.get(url)
    second = client.get(url, {"attention_page": 2, "overdue_page": 1})
    third = client.get(url, {"attention_page": 3})
    overdue_second = client.get(url, {"overdue_page": 2})

    # then: counts over everything, rows a page at a time, the pager keeps the other list's page
    assert [p.title for p in first.context["attention"]] == ["逾期十天", "逾期三天"]
    assert [p.title for p in second.context["attention"]] == ["从未记录", "九十天无记录"]
    assert [p.title for p in third.context["attention"]] == ["五十天无记录"]
    assert first.context["attention_count"] == 5 and first.context["overdue_count"] == 2
    assert [m.title for m, _days in first.context["overdue"]] == ["里程碑乙", "里程碑甲"]
    assert overdue_second.context["overdue_page"].number == 1  # past the last page: the last
    body = second.content.decode()
    assert 'data-testid="attention-count">5<' in body
    assert 'href="?overdue_page=1&amp;attention_page=1#attention"' in body
    assert 'href="?overdue_page=1&amp;attention_page=3#attention"' in body


def test_a_district_officer_s_overdue_milestones_are_their_district_s(world):
    e1, _e2, e3 = world["enterprises"]
    east = build_project(e1, world["alpha"], title="东区项目")
    milestone(east, due_in=-2, title="东区里程碑")
    west = build_project(e3, world["alpha"], title="西区项目")
    milestone(west, due_in=-2, title="西区里程碑")

    mine = monitoring.overdue_milestones(city=world["city"], user=world["officer"])
    everyone = monitoring.overdue_milestones(city=world["city"], user=world["admin"])

    assert [m.title for m in mine] == ["东区里程碑"]
    assert sorted(m.title for m in everyone) == ["东区里程碑", "西区里程碑"]
