"""Changing a project after it was created.

While it is planned, its enterprise (or the city) edits the title, dates, contract amount,
scenarios and provider directly (API PATCH `projects/{id}/`). Once it has started, the provider
and the main content (title, scenarios, contract amount) change only through the enterprise
registry's change request (DOMAIN.md step 6): `project_changes_clean` checks what a request
carries, and `project_change_apply` applies it when the city records the request.
"""

import datetime

from django.db import transaction

from enterprises.projects.models import Project, ProjectStatus, ProjectStep
from enterprises.projects.services import _amount, _roles
from pilot_portal.audit.services import audit_record, with_actor
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from pilot_portal.tenancy.models import Role
from providers.catalogue import check_pooled
from providers.models import Provider, Scenario

EDITABLE = ("title", "planned_start", "planned_end", "contract_amount", "scenarios", "provider")
# What a change request may change: the provider, and the main content.
CHANGEABLE = ("provider", "title", "scenarios", "contract_amount")
ENDED = (ProjectStatus.ACCEPTED, ProjectStatus.FAILED)


def _title(value) -> str:
    title = (value or "").strip()
    if not title:
        raise InvalidInput("请填写项目名称 / the title is required", field="title")
    return title[:200]


def _scenarios(value) -> list[str]:
    scenarios = list(value or [])
    unknown = set(scenarios) - set(Scenario.values)
    if unknown:
        raise InvalidInput(f"未知场景：{sorted(unknown)} / unknown scenarios", field="scenarios")
    return sorted(set(scenarios))


def _pooled_provider(city, value) -> Provider:
    """The provider of id `value`, in the city's pool; bad input (400) otherwise."""
    provider = Provider.objects.filter(pk=value).first() if str(value).isdigit() else None
    if provider is None:
        raise InvalidInput("请选择服务商 / choose a provider", field="provider")
    try:
        check_pooled(city, provider)
    except Conflict as error:  # chosen here, so it is the input that is wrong
        raise InvalidInput(error.message, field="provider") from None
    return provider


def _keep_products_of(project: Project, provider: Provider) -> None:
    """Light solutions are the provider's: a new provider's project keeps only its own."""
    stale = [p for p in project.products.all() if p.provider_id != provider.pk]
    if stale:
        project.products.remove(*stale)


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
        changed["title"] = _title(data.get("title"))
    if "contract_amount" in data:
        changed["contract_amount"] = _amount(data.get("contract_amount"), "contract_amount")
    if "scenarios" in data:
        changed["scenarios"] = _scenarios(data.get("scenarios"))
    if "provider" in data:
        changed["provider"] = _pooled_provider(project.city, data.get("provider"))
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
    if "provider" in changed:
        _keep_products_of(project, changed["provider"])
    after = {k: str(v) for k, v in changed.items()}
    audit_record(
        actor=actor, action="project.update", city=project.city, obj=project,
        data={"before": before, "after": after},
    )  # fmt: skip
    return project


def project_changes_clean(*, enterprise, project_id, changes: dict) -> tuple[Project, dict]:
    """What a change request carries for one of `enterprise`'s projects, checked.

    Returns the project and the changes as stored on the request (JSON: the provider's id,
    the amount as text), only those that differ from the project. Refusals are 400 naming the
    field (a project not the enterprise's, a provider not in the city's pool, nothing that
    changes), or 409 for a project that has ended.
    """
    project = (
        Project.objects.for_city(enterprise.city)
        .filter(enterprise=enterprise, pk=project_id)
        .select_related("city")
        .first()
        if str(project_id).isdigit()
        else None
    )
    if project is None:
        raise InvalidInput(
            "项目须为本企业的改造项目 / the project must be one of the enterprise's",
            field="project",
        )
    if project.status in ENDED:
        raise Conflict(
            "项目已结束，不能再变更 / the project has ended and cannot change",
            status=project.status,
        )
    changes = changes or {}
    cleaned = {}
    if changes.get("provider") not in (None, ""):
        provider = _pooled_provider(enterprise.city, changes["provider"])
        if provider.pk != project.provider_id:
            cleaned["provider"] = provider.pk
    if (changes.get("title") or "").strip():
        title = _title(changes["title"])
        if title != project.title:
            cleaned["title"] = title
    if changes.get("scenarios"):
        scenarios = _scenarios(changes["scenarios"])
        if scenarios != sorted(project.scenarios):
            cleaned["scenarios"] = scenarios
    if changes.get("contract_amount") not in (None, ""):
        amount = _amount(changes["contract_amount"], "contract_amount")
        if amount != project.contract_amount:
            cleaned["contract_amount"] = str(amount)
    if not cleaned:
        raise InvalidInput(
            "请填写至少一项与现状不同的变更：服务商、项目名称、场景或合同金额 / name at least one "
            "change: a new provider, title, scenarios or contract amount",
            field="changes",
        )
    return project, cleaned


def project_change_apply(*, change, actor, role: str) -> Project:
    """Apply a recorded change request to its project, in the caller's transaction.

    The project is locked and changed (its history names the request), a `change` step says
    "changed by change request #N" with what changed, and the audit log has the before and
    after. A provider that left the pool meanwhile, or a project that has ended, is a 409
    and the recording is refused with it.
    """
    project = (
        Project.objects.select_for_update(of=("self",))
        .select_related("city", "provider")
        .get(pk=change.project_id)
    )
    if project.status in ENDED:
        raise Conflict(
            "项目已结束，变更不能再生效 / the project has ended: the change cannot apply",
            status=project.status,
        )
    changes = change.project_changes or {}
    before, after, lines = {}, {}, []
    provider = None
    if "provider" in changes:
        provider = Provider.objects.get(pk=changes["provider"])
        check_pooled(project.city, provider)
        before["provider"], after["provider"] = project.provider.name, provider.name
        project.provider = provider
        lines.append(f"服务商 / provider: {before['provider']} → {after['provider']}")
    if "title" in changes:
        before["title"], after["title"] = project.title, changes["title"]
        project.title = changes["title"]
        lines.append(f"项目名称 / title: {before['title']} → {after['title']}")
    if "scenarios" in changes:
        before["scenarios"], after["scenarios"] = list(project.scenarios), changes["scenarios"]
        project.scenarios = changes["scenarios"]
        lines.append(
            f"场景 / scenarios: {'、'.join(before['scenarios']) or '–'} → "
            f"{'、'.join(after['scenarios'])}"
        )
    if "contract_amount" in changes:
        amount = _amount(changes["contract_amount"], "contract_amount")
        before["contract_amount"], after["contract_amount"] = (
            str(project.contract_amount),
            str(amount),
        )
        project.contract_amount = amount
        lines.append(
            f"合同金额 / contract amount: {before['contract_amount']} → {after['contract_amount']}"
        )
    project._change_reason = f"变更申请 #{change.pk} / change request #{change.pk}"
    with_actor(project, actor).save()
    if provider is not None:
        _keep_products_of(project, provider)
    ProjectStep.objects.create(
        project=project, action="change", actor=actor, actor_role=role,
        from_status=project.status, to_status=project.status, change_request=change,
        comment="\n".join(
            [f"由变更申请 #{change.pk} 变更 / changed by change request #{change.pk}", *lines]
        ),
    )  # fmt: skip
    audit_record(
        actor=actor, action="project.change", city=project.city, obj=project,
        reason=f"change request #{change.pk}",
        data={"change_request": change.pk, "before": before, "after": after},
    )  # fmt: skip
    return project
