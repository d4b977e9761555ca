"""Editing a planned project's title, dates and contract amount (API PATCH `projects/{id}/`).

Once the project has started its main content changes only through the enterprise registry's
change request, so an edit then is a 409.
"""

import datetime

from django.db import transaction

from enterprises.projects.models import Project, ProjectStatus
from enterprises.projects.services import _amount, _roles
from pilot_portal.audit.services import audit_record, with_actor
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from pilot_portal.tenancy.models import Role

EDITABLE = ("title", "planned_start", "planned_end", "contract_amount")


@transaction.atomic
def project_update(*, project: Project, actor, data: dict) -> Project:
    """The enterprise (or the city admin) corrects a planned project; other keys are ignored."""
    if not _roles(actor, project) & {Role.ENTERPRISE, Role.CITY_ADMIN}:
        raise NotAllowed("只有企业本身或市工信局可以修改项目 / only the enterprise or the city")
    project = (
        Project.objects.select_for_update(of=("self",))
        .select_related("city", "enterprise__city")
        .get(pk=project.pk)
    )
    if project.status != ProjectStatus.PLANNED:
        raise Conflict(
            "项目已开始，不能再修改；如需变更请提交变更申请 / the project has started: changes go "
            "through a change request",
            status=project.status,
        )
    changed = {}
    if "title" in data:
        title = (data.get("title") or "").strip()
        if not title:
            raise InvalidInput("请填写项目名称 / the title is required", field="title")
        changed["title"] = title[:200]
    if "contract_amount" in data:
        changed["contract_amount"] = _amount(data.get("contract_amount"), "contract_amount")
    start = data.get("planned_start", project.planned_start)
    end = data.get("planned_end", project.planned_end)
    if "planned_start" in data or "planned_end" in data:
        dates = isinstance(start, datetime.date) and isinstance(end, datetime.date)
        if not dates or end < start:
            raise InvalidInput(
                "请填写计划开始和结束日期，结束不早于开始 / planned start and end are required, "
                "the end on or after the start",
                field="planned_end",
            )
        changed.update(planned_start=start, planned_end=end)
    changed = {k: v for k, v in changed.items() if getattr(project, k) != v}
    if not changed:
        return project
    before = {k: str(getattr(project, k)) for k in changed}
    for key, value in changed.items():
        setattr(project, key, value)
    with_actor(project, actor).save()
    after = {k: str(v) for k, v in changed.items()}
    audit_record(
        actor=actor, action="project.update", city=project.city, obj=project,
        data={"before": before, "after": after},
    )  # fmt: skip
    return project
