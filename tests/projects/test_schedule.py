"""The dates each project keeps for the monitoring page — its last work log and its earliest
open milestone — follow the writes that change them, and can be recomputed from the rows."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from enterprises.models import Milestone, Project, WorkLog
from enterprises.projects import services
from pilot_portal.errors import NotAllowed
from tests.factories import (
    BatchFactory,
    CityFactory,
    EnterpriseFactory,
    MembershipFactory,
    ProviderFactory,
    ProviderSelectionFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = timezone.localdate


@pytest.fixture
def world():
    city = CityFactory()
    enterprise = EnterpriseFactory(city=city)
    enterprise.applications.create(city=city, batch=BatchFactory(city=city), status="approved")
    provider = ProviderFactory()
    ProviderSelectionFactory(city=city, provider=provider, status="selected")
    return {
        "city": city, "enterprise": enterprise,
        "owner": MembershipFactory(city=city, role="enterprise", enterprise=enterprise).user,
        "staff": MembershipFactory(city=city, role="provider", provider=provider).user,
        "provider": provider,
    }  # fmt: skip


def _project(world, *milestones) -> Project:
    return services.project_create(
        enterprise=world["enterprise"], actor=world["owner"],
        data={"provider": world["provider"].pk, "title": "设备联网改造",
              "contract_amount": "100000.00", "planned_start": date(2026, 1, 1),
              "planned_end": date(2026, 12, 31),
              "milestones": [{"title": t, "due_date": d} for t, d in milestones]},
    )  # fmt: skip


def _dates(project) -> tuple:
    return Project.objects.values_list("last_worklog_date", "next_due_date").get(pk=project.pk)


def _log(world, project, days_ago):
    return services.worklog_add(
        project=project, actor=world["staff"],
        data={"date": TODAY() - timedelta(days=days_ago), "hours": "4", "description": "调试"},
    )  # fmt: skip


def _done(world, milestone):
    return services.milestone_done(
        milestone=milestone, actor=world["staff"],
        upload=SimpleUploadedFile("done.pdf", PDF, content_type="application/pdf"),
    )  # fmt: skip


def test_a_work_log_moves_the_last_date_forward_never_back(world):
    # given
    project = _project(world)
    assert _dates(project) == (None, None)

    # when / then: the first log sets it, a later one moves it, a late entry leaves it
    _log(world, project, days_ago=10)
    assert _dates(project)[0] == TODAY() - timedelta(days=10)
    _log(world, project, days_ago=2)
    assert _dates(project)[0] == TODAY() - timedelta(days=2)
    _log(world, project, days_ago=40)  # entered late, for an earlier day
    assert _dates(project)[0] == TODAY() - timedelta(days=2)


def test_a_refused_work_log_changes_no_date(world):
    project = _project(world)
    stranger = MembershipFactory(city=world["city"], role="enterprise").user

    with pytest.raises(NotAllowed):
        services.worklog_add(
            project=project, actor=stranger,
            data={"date": TODAY(), "hours": "4", "description": "x"},
        )  # fmt: skip

    assert _dates(project) == (None, None)


def test_the_next_due_date_is_the_earliest_open_milestone(world):
    # given: milestones from the creation form, one added later
    june, march, may = date(2026, 6, 30), date(2026, 3, 31), date(2026, 5, 15)
    project = _project(world, ("上线", june), ("联调", march))
    assert _dates(project)[1] == march
    services.milestone_add(project=project, actor=world["owner"],
                           data={"title": "培训", "due_date": may})  # fmt: skip
    assert _dates(project)[1] == march

    # when / then: each one done moves it to the next open one; all done clears it
    _done(world, project.milestones.get(due_date=march))
    assert _dates(project)[1] == may
    _done(world, project.milestones.get(due_date=june))  # out of order: may is still open
    assert _dates(project)[1] == may
    _done(world, project.milestones.get(due_date=may))
    assert _dates(project)[1] is None


def test_the_correction_path_recomputes_rows_written_around_the_services(world):
    # given: a project whose rows were written directly (a bulk load, an edit in the admin),
    # and kept dates that no longer match them
    project, other = _project(world), _project(world, ("上线", date(2026, 9, 1)))
    admin = world["owner"]
    WorkLog.objects.create(
        city=world["city"], project=project, date=TODAY() - timedelta(days=3), hours=Decimal(2),
        description="x", created_by=admin,
    )  # fmt: skip
    Milestone.objects.create(city=world["city"], project=project, title="验收",
                             due_date=date(2026, 8, 1))  # fmt: skip
    Milestone.objects.create(city=world["city"], project=project, title="已完成",
                             due_date=date(2026, 2, 1), done_at=timezone.now())  # fmt: skip
    Project.objects.filter(pk=other.pk).update(last_worklog_date=TODAY())  # wrong: no log

    # when
    touched = services.project_schedule_refresh(city=world["city"])

    # then
    assert touched == 2
    assert _dates(project) == (TODAY() - timedelta(days=3), date(2026, 8, 1))
    assert _dates(other) == (None, date(2026, 9, 1))


def test_the_correction_path_can_be_limited_to_some_projects(world):
    project, other = _project(world), _project(world)
    for made in (project, other):
        WorkLog.objects.create(
            city=world["city"], project=made, date=TODAY(), hours=Decimal(2), description="x",
            created_by=world["owner"],
        )  # fmt: skip

    services.project_schedule_refresh(project_ids=[project.pk])

    assert _dates(project)[0] == TODAY() and _dates(other)[0] is None
