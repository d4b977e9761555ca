"""`manage.py seed_demo`: the three seed cities from the shared data, demo users, idempotent."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from enterprises.models import Enterprise
from pilot_portal.audit.models import AuditEntry
from pilot_portal.tenancy.models import Batch, City, District, Membership, Sector

pytestmark = pytest.mark.django_db

SEED = json.loads((Path(settings.SEED_DATA_DIR) / "seed-cities.json").read_text(encoding="utf-8"))


def table_counts():
    from enterprises.models import (
        Application,
        ChainCase,
        Demand,
        InvestmentLine,
        Milestone,
        Project,
        ProjectStep,
        ProviderRating,
        WorkLog,
    )
    from pilot_portal.documents.models import Document
    from providers.models import (
        ExpertScore,
        Product,
        Provider,
        ProviderCase,
        ProviderEvaluation,
        ProviderSelection,
        SelectionRound,
        SelectionStep,
    )

    models = [
        City, District, Sector, Batch, Membership, Enterprise, get_user_model(), AuditEntry,
        Provider, ProviderCase, SelectionRound, ProviderSelection, SelectionStep, ExpertScore,
        ProviderEvaluation, Product, ProviderRating, Demand, Application, Project, ProjectStep,
        InvestmentLine, Milestone, WorkLog, ChainCase, ChainCase.projects.through, Document,
    ]  # fmt: skip
    return {model._meta.db_table: model.objects.count() for model in models}


def test_running_it_again_changes_nothing(demo, capsys):
    before = table_counts()

    call_command("seed_demo")

    assert table_counts() == before
    assert "demo ready: 沈阳市, 厦门市, 新乡市" in capsys.readouterr().out


@pytest.mark.parametrize("city_data", SEED["cities"], ids=lambda c: c["code"])
def test_each_city_carries_the_seed_facts(demo, city_data):
    city = City.objects.get(code=city_data["code"])

    assert city.name == city_data["name"]
    assert str(city.award_cap) == city_data["award_cap"]
    assert city.region == city_data["region"]
    assert city.tier == city_data["tier"]
    assert city.province.code == city_data["province_code"]
    indicators = list(city.indicators.values_list("code", "name", "total_target"))
    assert [(c, n, str(int(t))) for c, n, t in indicators] == [
        (code, name, total) for code, name, _unit, _targets, total in city_data["indicators"]
    ]
    assert sorted(city.districts.values_list("code", "name")) == sorted(
        map(tuple, city_data["districts"])
    )
    assert sorted(city.sectors.values_list("code", "name")) == sorted(
        map(tuple, city_data["sectors"])
    )
    seed_batches = {(name, year) for name, year, _opens, _closes in city_data["batches"]}
    assert seed_batches <= set(city.batches.values_list("name", "year"))
    # plus one demo batch open today, so the enrolment workflow can be tried
    assert city.batches.count() == len(seed_batches) + 1


def test_every_city_role_has_a_demo_user(demo, settings):
    from pilot_portal.tenancy.models import CITY_ROLES

    for city in ("shenyang", "xiamen", "xinxiang"):
        for role in CITY_ROLES:
            user = get_user_model().objects.get(username=f"{city}-{role}")
            assert user.check_password(settings.DEMO_PASSWORD)
            assert Membership.objects.filter(user=user, role=role, city__code=city).exists()
    for username in ("ministry", "liaoning-province", "fujian-province", "henan-province"):
        assert get_user_model().objects.get(username=username).memberships.count() == 1


def test_the_demo_district_officer_reviews_the_demo_enterprise_s_district(demo):
    for city in ("shenyang", "xiamen", "xinxiang"):
        officer = Membership.objects.get(user__username=f"{city}-district_officer")
        enterprise = Membership.objects.get(user__username=f"{city}-enterprise").enterprise
        assert officer.district == enterprise.district
        assert Membership.objects.get(user__username=f"{city}-provider").provider is not None


def test_demo_credit_codes_are_valid_and_in_the_city_s_division(demo):
    from pilot_portal.identifiers import parse_uscc

    for enterprise in Enterprise.objects.select_related("city"):
        code = parse_uscc(enterprise.uscc)
        assert code.division_code[:4] == enterprise.city.division_code[:4]


def test_it_explains_a_missing_seed_file(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="seed file not found"):
        call_command("seed_demo", seed_file=tmp_path / "nope.json")


@pytest.mark.parametrize("code", ["shenyang", "xiamen", "xinxiang"])
def test_each_city_has_a_round_a_pool_applicants_and_a_catalogue(demo, code):
    from django.utils import timezone

    from providers import selectors
    from providers.models import Product, ProviderSelection, SelectionRound

    city = City.objects.get(code=code)
    today = timezone.localdate()
    selection_round = SelectionRound.objects.get(city=city)
    assert selection_round.is_open(today)
    assert {u.username for u in selection_round.experts.all()} == {
        f"{code}-expert",
        "national-expert",
    }
    staff = get_user_model().objects.get(username=f"{code}-provider")
    provider = Membership.objects.get(user=staff).provider
    assert provider.staff.filter(pk=staff.pk).exists()
    own = ProviderSelection.objects.get(city=city, provider=provider)
    assert own.status == "selected" and own.sectors.exists()
    assert own.publicity_end < today
    statuses = sorted(ProviderSelection.objects.filter(city=city).values_list("status", flat=True))
    assert statuses == sorted(
        ["selected", "selected", "applied", "under_review", "publicised", "suspended"]
    )
    publicised = ProviderSelection.objects.get(city=city, status="publicised")
    assert publicised.publicity_start <= today <= publicised.publicity_end
    assert ProviderSelection.objects.get(city=city, status="under_review").scores.count() == 1
    assert ProviderSelection.objects.get(city=city, status="suspended").evaluations.exists()
    assert own.steps.count() == 3  # start-review, publicise, select

    products = Product.objects.filter(city=city)
    assert products.count() >= 12
    assert products.filter(status="submitted").count() == 1
    assert products.get(status="unlisted").status_reason
    assert len({p.scenario for p in products}) >= 8
    listed = selectors.product_search(city=city)
    assert listed.count() == products.filter(status="listed").count() - 1  # suspended's
    assert all(p.rating for p in listed)  # every pooled provider is rated
    enterprise = Membership.objects.get(user__username=f"{code}-enterprise").enterprise
    assert enterprise.demands.count() == 2


def test_the_national_provider_user_is_in_no_city_yet(demo, settings):
    user = get_user_model().objects.get(username="provider")

    assert user.check_password(settings.DEMO_PASSWORD)
    assert not user.memberships.exists()
    provider = user.provider_staff_of.get()
    assert not provider.selections.exists() and provider.cases.exists()


def test_demo_provider_credit_codes_are_valid(demo):
    from pilot_portal.identifiers import parse_uscc
    from providers.models import Provider

    for provider in Provider.objects.all():
        parse_uscc(provider.uscc)


# -- projects ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["shenyang", "xiamen", "xinxiang"])
def test_the_city_s_provider_runs_a_project_with_milestones_lines_and_work_logs(demo, code):
    from datetime import timedelta

    from django.utils import timezone

    from enterprises.models import Project
    from enterprises.projects.rules import investment_totals
    from pilot_portal.tenancy import policy

    city = City.objects.get(code=code)
    staff = get_user_model().objects.get(username=f"{code}-provider")
    provider = Membership.objects.get(user=staff).provider
    project = Project.objects.get(city=city, provider=provider, status="in_progress")

    assert project.enterprise.applications.filter(status="approved").exists()
    assert Project.objects.filter(policy.project_scope(staff, city), pk=project.pk).exists()
    done, due = project.milestones.order_by("due_date")
    assert done.done_at is not None and done.done_by == staff
    assert done.evidence.content_type == "application/pdf" and done.evidence.size > 0
    assert due.done_at is None and due.due_date == timezone.localdate() + timedelta(days=10)
    categories = set(project.investments.values_list("category", flat=True))
    assert {"software", "cloud", "data_devices", "consulting", "other"} <= categories
    totals = investment_totals(project.investments.values_list("category", "amount"))
    assert totals.eligible == totals.total - totals.by_category["other"] > 0
    assert project.worklogs.count() >= 3
    assert project.worklogs.filter(created_by=staff).count() == project.worklogs.count()
    assert project.steps.get().action == "start"


@pytest.mark.parametrize("code", ["shenyang", "xiamen", "xinxiang"])
def test_the_demo_district_officer_watches_projects_in_the_district(demo, code, client):
    from enterprises.models import Project
    from enterprises.projects import monitoring
    from pilot_portal.tenancy import policy

    city = City.objects.get(code=code)
    officer = get_user_model().objects.get(username=f"{code}-district_officer")
    district = officer.memberships.get().district

    seen = Project.objects.filter(policy.project_scope(officer, city))
    attention = monitoring.attention_list(city=city, user=officer)
    client.force_login(officer)
    page = client.get(f"/c/{code}/projects/monitoring/")

    assert seen.count() >= 3
    assert set(seen.values_list("enterprise__district", flat=True)) == {district.pk}
    assert {"in_progress", "completed"} <= set(seen.values_list("status", flat=True))
    overdue = list(monitoring.overdue_milestones(city=city, user=officer))
    assert overdue and all(m.project.enterprise.district_id == district.pk for m in overdue)
    assert any(p.overdue_milestones for p in attention)
    assert page.status_code == 200
    assert page.context["attention_count"] >= 1 and page.context["overdue_count"] >= 1
    # the kept dates match the rows (the demo dates milestones back around the services)
    for project in seen.prefetch_related("milestones", "worklogs"):
        open_dues = [m.due_date for m in project.milestones.all() if m.done_at is None]
        logs = [w.date for w in project.worklogs.all()]
        assert project.next_due_date == min(open_dues, default=None)
        assert project.last_worklog_date == max(logs, default=None)


@pytest.mark.parametrize("code", ["shenyang", "xiamen", "xinxiang"])
def test_an_exemplary_accepted_project_a_completed_one_and_a_chain_case(demo, code):
    from enterprises.models import ChainCase, Project

    city = City.objects.get(code=code)
    exemplary = Project.objects.get(city=city, exemplary=True)
    assert exemplary.status == "accepted" and exemplary.exemplary_results
    assert [s.action for s in exemplary.steps.order_by("pk")] == ["start", "complete", "accept"]
    assert (
        exemplary.enterprise
        != Membership.objects.get(user__username=f"{code}-enterprise").enterprise
    )
    assert Project.objects.filter(city=city, status="completed").count() == 1
    case = ChainCase.objects.get(city=city)
    assert case.leader_provider.kind == "chain_leader"
    assert case.projects.count() == 2
    assert {p.provider for p in case.projects.all()} == {case.leader_provider}
    assert all(p.enterprise.applications.filter(status="approved") for p in case.projects.all())


def test_every_demo_rating_is_backed_by_an_accepted_project(demo):
    from enterprises.models import Project, ProviderRating

    ratings = ProviderRating.objects.filter(city__code__in=["shenyang", "xiamen", "xinxiang"])
    assert ratings.count() == 6
    for rating in ratings:
        assert Project.objects.filter(
            enterprise=rating.enterprise, provider=rating.provider, status="accepted"
        ).exists()


def test_the_pool_shows_each_provider_s_completed_projects(demo, client):
    from providers import selectors

    city = City.objects.get(code="xiamen")
    counts = {s.provider.kind: s.completed_projects for s in selectors.pool(city)}
    # the demo provider: one accepted, one completed; the chain leader: one accepted
    assert counts == {"integrator": 2, "chain_leader": 1}

    page = client.get("/public/xiamen/providers/").content.decode()
    assert 'data-testid="completed-projects">2<' in page
    client.force_login(get_user_model().objects.get(username="xiamen-city_admin"))
    listed = client.get("/c/xiamen/providers/").content.decode()
    assert listed.count('data-testid="completed-projects"') == 6  # every applicant
    assert 'data-testid="completed-projects">1<' in listed
