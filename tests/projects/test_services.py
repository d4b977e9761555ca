"""Projects through their services: who may do what, frozen lines, only the provider logs."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from enterprises.models import InvestmentLine, Milestone, Project, ProjectStep, WorkLog
from enterprises.projects import services
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from tests.factories import (
    BatchFactory,
    CityFactory,
    EnterpriseFactory,
    MembershipFactory,
    ProviderFactory,
    ProviderSelectionFactory,
    acceptance_locked,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world():
    city = CityFactory()
    enterprise = EnterpriseFactory(city=city)
    enterprise.applications.create(city=city, batch=BatchFactory(city=city), status="approved")
    provider = ProviderFactory()
    ProviderSelectionFactory(city=city, provider=provider, status="selected")
    other_provider = ProviderFactory()
    ProviderSelectionFactory(city=city, provider=other_provider, status="selected")
    return {
        "city": city, "enterprise": enterprise, "provider": provider,
        "owner": MembershipFactory(city=city, role="enterprise", enterprise=enterprise).user,
        "admin": MembershipFactory(city=city, role="city_admin").user,
        "staff": MembershipFactory(city=city, role="provider", provider=provider).user,
        "stranger": MembershipFactory(city=city, role="provider", provider=other_provider).user,
    }  # fmt: skip


def _project(world, **overrides):
    data = {
        "provider": world["provider"].pk, "title": "视觉质检改造", "scenarios": ["quality"],
        "contract_amount": "200000.00", "planned_start": date(2026, 1, 1),
        "planned_end": date(2026, 12, 31),
        "milestones": [{"title": "上线", "due_date": date(2026, 6, 30)}],
    }  # fmt: skip
    data.update(overrides)
    return services.project_create(enterprise=world["enterprise"], actor=world["owner"], data=data)


def test_the_enterprise_creates_a_project_with_a_pooled_provider(world):
    project = _project(world)
    assert project.status == "planned" and project.contract_amount == Decimal("200000.00")
    assert list(project.milestones.values_list("title", flat=True)) == ["上线"]


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"contract_amount": "0"}, "contract_amount"),
        ({"contract_amount": "100000000.00"}, "contract_amount"),
        ({"contract_amount": "12.345"}, "contract_amount"),  # more than two places
        ({"contract_amount": "12.3"}, None),  # accepted as 12.30
        ({"planned_end": date(2025, 1, 1)}, "planned_end"),
        ({"scenarios": ["teleportation"]}, "scenarios"),
        ({"title": " "}, "title"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(world, overrides, field):
    if field is None:
        assert _project(world, **overrides).contract_amount == Decimal("12.30")
        return
    with pytest.raises(InvalidInput) as refused:
        _project(world, **overrides)
    assert refused.value.field == field
    assert not Project.objects.filter(city=world["city"]).exists()


def test_a_suspended_provider_cannot_be_chosen(world):
    world["provider"].selections.update(status="suspended")
    with pytest.raises(Conflict):
        _project(world)


def test_an_enterprise_not_approved_cannot_start_a_project(world):
    world["enterprise"].applications.update(status="submitted")
    with pytest.raises(Conflict):
        _project(world)


def test_status_steps_are_recorded_and_illegal_ones_refused(world):
    project = _project(world)
    with pytest.raises(Conflict):
        services.project_transition(project=project, actor=world["admin"], action="accept")
    services.project_transition(project=project, actor=world["staff"], action="start")
    with pytest.raises(NotAllowed):  # the provider does not declare completion
        services.project_transition(project=project, actor=world["staff"], action="complete")
    services.project_transition(project=project, actor=world["owner"], action="complete")
    with pytest.raises(Conflict):  # acceptance is the acceptance assessment's, once locked
        services.project_transition(project=project, actor=world["admin"], action="accept")
    acceptance_locked(project)
    project = services.project_transition(project=project, actor=world["admin"], action="accept")
    assert project.status == "accepted"
    assert list(ProjectStep.objects.filter(project=project).values_list("action", flat=True)) == [
        "start", "complete", "accept",
    ]  # fmt: skip


def test_lines_are_frozen_after_acceptance_but_corrections_with_a_reason_are_kept(world):
    project = _project(world)
    line = services.investment_add(
        project=project, actor=world["owner"],
        data={"category": "software", "amount": "80000.00", "description": "MES 许可"},
    )  # fmt: skip
    Project.objects.filter(pk=project.pk).update(status="accepted")
    with pytest.raises(Conflict):
        services.investment_add(
            project=project, actor=world["owner"],
            data={"category": "cloud", "amount": "1000.00", "description": "云"},
        )  # fmt: skip
    with pytest.raises(InvalidInput):  # a correction without a reason
        services.investment_add(
            project=project, actor=world["owner"],
            data={"category": "software", "amount": "-5000.00", "description": "退款",
                  "corrects": line.pk},
        )  # fmt: skip
    correction = services.investment_add(
        project=project, actor=world["owner"],
        data={"category": "software", "amount": "-5000.00", "description": "退款",
              "corrects": line.pk, "reason": "发票作废重开 / invoice reissued"},
    )  # fmt: skip
    assert correction.corrects == line
    amounts = InvestmentLine.objects.filter(project=project).values_list("amount", flat=True)
    assert sorted(amounts) == [Decimal("-5000.00"), Decimal("80000.00")]


def test_a_plain_line_must_be_positive(world):
    project = _project(world)
    with pytest.raises(InvalidInput):
        services.investment_add(
            project=project, actor=world["owner"],
            data={"category": "software", "amount": "-1.00", "description": "x"},
        )  # fmt: skip


def test_only_the_projects_provider_logs_work(world):
    project = _project(world)
    data = {"date": timezone.localdate(), "hours": "6.5", "description": "安装相机"}
    with pytest.raises(NotAllowed):
        services.worklog_add(project=project, actor=world["stranger"], data=data)
    with pytest.raises(NotAllowed):
        services.worklog_add(project=project, actor=world["owner"], data=data)
    log = services.worklog_add(project=project, actor=world["staff"], data=data)
    assert log.hours == Decimal("6.50")
    with pytest.raises(InvalidInput):
        services.worklog_add(
            project=project, actor=world["staff"],
            data={**data, "date": timezone.localdate() + timedelta(days=1)},
        )  # fmt: skip
    assert WorkLog.objects.filter(project=project).count() == 1


def test_the_provider_marks_a_milestone_done_with_evidence(world):
    project = _project(world)
    milestone = project.milestones.get()
    with pytest.raises(InvalidInput):
        services.milestone_done(milestone=milestone, actor=world["staff"])
    with pytest.raises(NotAllowed):
        services.milestone_done(
            milestone=milestone, actor=world["stranger"],
            upload=SimpleUploadedFile("done.pdf", PDF, content_type="application/pdf"),
        )  # fmt: skip
    services.milestone_done(
        milestone=milestone, actor=world["staff"],
        upload=SimpleUploadedFile("done.pdf", PDF, content_type="application/pdf"),
    )  # fmt: skip
    milestone = Milestone.objects.get(pk=milestone.pk)
    assert milestone.done_by == world["staff"] and milestone.evidence.name == "done.pdf"


def test_the_list_carries_exact_totals_from_the_database(world, django_assert_max_num_queries):
    from enterprises.projects import selectors

    project = _project(world)
    for category, amount in [("software", "80000.10"), ("other", "5000.00"), ("cloud", "0.05")]:
        services.investment_add(
            project=project, actor=world["owner"],
            data={"category": category, "amount": amount, "description": "x"},
        )  # fmt: skip
    with django_assert_max_num_queries(3):
        (row,) = list(selectors.project_list(city=world["city"], user=world["admin"]))
    assert row.eligible_investment == Decimal("80000.15")
    assert row.total_investment == Decimal("85000.15")
    detail = selectors.project_detail(city=world["city"], user=world["owner"], pk=project.pk)
    assert detail.totals.eligible == row.eligible_investment
    with pytest.raises(Project.DoesNotExist):  # another provider's staff do not see it
        selectors.project_detail(city=world["city"], user=world["stranger"], pk=project.pk)


def test_the_enterprise_attaches_the_contract_the_provider_cannot(world):
    project = _project(world)
    upload = SimpleUploadedFile("contract.pdf", PDF, content_type="application/pdf")
    with pytest.raises(NotAllowed):
        services.contract_attach(project=project, actor=world["staff"], upload=upload)
    with pytest.raises(InvalidInput):  # a fake PDF is refused by content
        services.contract_attach(
            project=project, actor=world["owner"],
            upload=SimpleUploadedFile("contract.pdf", b"not a pdf", content_type="application/pdf"),
        )  # fmt: skip
    assert Project.objects.get(pk=project.pk).contract is None
    upload.seek(0)
    project = services.contract_attach(project=project, actor=world["owner"], upload=upload)
    assert project.contract.name == "contract.pdf"
