"""Writes for transformation projects: creation, steps, investment lines, milestones, work logs.

Each names its actor and runs in a transaction; refusals are 400 / 403 / 409 and change
nothing. Evidence uploads follow the enterprise file's upload rules (size, type, content).
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from enterprises.models import ApplicationStatus, Enterprise
from enterprises.projects.models import (
    InvestmentCategory,
    InvestmentLine,
    Milestone,
    Project,
    ProjectStatus,
    ProjectStep,
    WorkLog,
)
from enterprises.projects.rules import MAX_AMOUNT
from enterprises.projects.workflow import PROJECT_TRANSITIONS
from pilot_portal.audit.services import audit_record, with_actor
from pilot_portal.documents.services import document_upload
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Role
from pilot_portal.workflow import check_transition
from providers.catalogue import check_pooled
from providers.models import Product, Provider, Scenario

PURPOSE = "project_evidence"


def _amount(value, field: str, *, allow_negative: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
        if amount != amount.quantize(Decimal("0.01")):  # more than two places: refused
            amount = None
        else:
            amount = amount.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        amount = None
    low = -MAX_AMOUNT if allow_negative else Decimal("0.01")
    if amount is None or amount == 0 or not low <= amount <= MAX_AMOUNT:
        raise InvalidInput(
            f"金额须为 0.01 至 {MAX_AMOUNT:,} 元的两位小数 / the amount must be 0.01 to "
            f"{MAX_AMOUNT:,} CNY with at most two decimals",
            field=field,
        )
    return amount


def _roles(user, project_or_enterprise) -> frozenset:
    """The user's roles that reach this project: as for its enterprise, plus its provider's."""
    enterprise = getattr(project_or_enterprise, "enterprise", project_or_enterprise)
    # A provider reaches only the projects it serves, not every enterprise's.
    roles = set(policy.roles_for_enterprise(user, enterprise)) - {Role.PROVIDER}
    provider_id = getattr(project_or_enterprise, "provider_id", None)
    if provider_id and provider_id in policy.provider_ids_in(user, enterprise.city):
        roles.add(Role.PROVIDER)
    return frozenset(roles)


@transaction.atomic
def project_create(*, enterprise: Enterprise, actor, data: dict) -> Project:
    """The enterprise (or the city for it) starts a project with a pooled provider."""
    roles = _roles(actor, enterprise)
    if not roles & {Role.ENTERPRISE, Role.CITY_ADMIN}:
        raise NotAllowed("只有企业本身或市工信局可以创建项目 / only the enterprise or the city")
    if not enterprise.applications.filter(status=ApplicationStatus.APPROVED).exists():
        raise Conflict(
            "企业的试点申报尚未通过，不能创建项目 / the enterprise's application is not approved",
            status="not_approved",
        )
    provider = Provider.objects.filter(pk=data.get("provider")).first()
    if provider is None:
        raise InvalidInput("请选择服务商 / choose a provider", field="provider")
    check_pooled(enterprise.city, provider)
    title = (data.get("title") or "").strip()
    if not title:
        raise InvalidInput("请填写项目名称 / the title is required", field="title")
    scenarios = list(data.get("scenarios") or [])
    unknown = set(scenarios) - set(Scenario.values)
    if unknown:
        raise InvalidInput(f"未知场景：{sorted(unknown)} / unknown scenarios", field="scenarios")
    start, end = data.get("planned_start"), data.get("planned_end")
    if not isinstance(start, datetime.date) or not isinstance(end, datetime.date) or end < start:
        raise InvalidInput(
            "请填写计划开始和结束日期，结束不早于开始 / planned start and end are required, the "
            "end on or after the start",
            field="planned_end",
        )
    products = list(
        Product.objects.for_city(enterprise.city).filter(
            pk__in=list(data.get("products") or []), provider=provider
        )
    )
    if len(products) != len(set(data.get("products") or [])):
        raise InvalidInput(
            "方案须为所选服务商在本市目录中的方案 / solutions must be the provider's, in this city",
            field="products",
        )
    project = Project(
        city=enterprise.city, enterprise=enterprise, provider=provider, title=title,
        scenarios=sorted(set(scenarios)),
        contract_amount=_amount(data.get("contract_amount"), "contract_amount"),
        planned_start=start, planned_end=end, created_by=actor,
    )  # fmt: skip
    with_actor(project, actor).save()
    project.products.set(products)
    for milestone in data.get("milestones") or []:
        milestone_add(project=project, actor=actor, data=milestone)
    audit_record(actor=actor, action="project.create", city=project.city, obj=project,
                 data={"enterprise": enterprise.uscc, "provider": provider.uscc})  # fmt: skip
    return project


@transaction.atomic
def project_transition(*, project: Project, actor, action: str, comment: str = "") -> Project:
    project = (
        Project.objects.select_for_update(of=("self",))
        .select_related("city", "enterprise__city")
        .get(pk=project.pk)
    )
    transition, role = check_transition(
        PROJECT_TRANSITIONS, action, project.status, _roles(actor, project), comment or ""
    )
    if action == "accept":
        _check_acceptance_locked(project)
    before = project.status
    project.status = transition.target
    project._change_reason = (comment or "")[:100]  # the history column holds 100
    with_actor(project, actor).save()
    ProjectStep.objects.create(
        project=project, action=action, actor=actor, actor_role=role, comment=comment or "",
        from_status=before, to_status=project.status,
    )  # fmt: skip
    audit_record(actor=actor, action=f"project.{action}", city=project.city, obj=project,
                 reason=comment or "", data={"from": before, "to": project.status})  # fmt: skip
    return project


def _check_acceptance_locked(project: Project) -> None:
    """Acceptance is decided by the acceptance assessment (assessments app): a project is
    accepted only once one naming it is locked. Read through the reverse relation, as the
    assessments app builds on this one and not the other way round."""
    if not project.assessments.filter(kind="acceptance", status="locked").exists():
        raise Conflict(
            "项目须有已锁定的验收评测才能验收 / a project is accepted once its acceptance "
            "assessment is locked",
            status=project.status,
        )


@transaction.atomic
def contract_attach(*, project: Project, actor, upload) -> Project:
    """The enterprise (or the city) attaches the signed contract; a new file replaces the old
    one, which stays in the project's history."""
    if not _roles(actor, project) & {Role.ENTERPRISE, Role.CITY_ADMIN}:
        raise NotAllowed("只有企业或市工信局可以上传合同 / only the enterprise or the city")
    if upload is None:
        raise InvalidInput("请选择合同文件 / choose the contract file", field="file")
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    if project.status in (ProjectStatus.ACCEPTED, ProjectStatus.FAILED):
        raise Conflict("项目已结束 / the project has ended", status=project.status)
    project.contract = _evidence(project, actor, upload)
    with_actor(project, actor).save()
    return project


def _evidence(project: Project, actor, upload):
    if upload is None:
        return None
    return document_upload(city=project.city, upload=upload, actor=actor, purpose=PURPOSE)


@transaction.atomic
def investment_add(*, project: Project, actor, data: dict, upload=None) -> InvestmentLine:
    """Record a spending line (enterprise or provider). Once the project is accepted its lines
    are frozen: only corrections, with a reason, are added."""
    if not _roles(actor, project) & {Role.ENTERPRISE, Role.PROVIDER, Role.CITY_ADMIN}:
        raise NotAllowed("只有项目双方可以登记投资 / only the project's parties record lines")
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    reason = (data.get("reason") or "").strip()
    corrects = None
    if data.get("corrects"):
        corrects = InvestmentLine.objects.filter(project=project, pk=data["corrects"]).first()
        if corrects is None:
            raise InvalidInput("被更正的明细不属于本项目 / no such line here", field="corrects")
    correction = bool(reason) or corrects is not None
    if correction and not reason:
        raise InvalidInput("更正须填写理由 / a correction needs a reason", field="reason")
    if project.status == ProjectStatus.ACCEPTED and not correction:
        raise Conflict(
            "项目已验收，投资明细已冻结；如需更正，请新增带理由的更正明细 / the project is "
            "accepted and its lines are frozen: add a correction with a reason",
            status=project.status,
        )
    if project.status == ProjectStatus.FAILED:
        raise Conflict("项目已终止 / the project failed", status=project.status)
    category = data.get("category")
    if category not in InvestmentCategory.values:
        raise InvalidInput(
            f"类别须为 {', '.join(InvestmentCategory.values)} / category must be one of "
            f"{', '.join(InvestmentCategory.values)}",
            field="category",
        )
    description = (data.get("description") or "").strip()
    if not description:
        raise InvalidInput("请填写说明 / a description is required", field="description")
    line = InvestmentLine.objects.create(
        city=project.city, project=project, category=category,
        amount=_amount(data.get("amount"), "amount", allow_negative=correction),
        description=description[:300], invoice_number=(data.get("invoice_number") or "")[:64],
        invoice_issuer=(data.get("invoice_issuer") or "")[:200],
        evidence=_evidence(project, actor, upload), corrects=corrects, reason=reason,
        created_by=actor,
    )  # fmt: skip
    if correction:
        audit_record(actor=actor, action="investment.correct", city=project.city, obj=line,
                     reason=reason, data={"amount": str(line.amount)})  # fmt: skip
    return line


@transaction.atomic
def milestone_add(*, project: Project, actor, data: dict) -> Milestone:
    if not _roles(actor, project) & {Role.ENTERPRISE, Role.CITY_ADMIN}:
        raise NotAllowed("只有企业或市工信局可以设置里程碑 / only the enterprise or the city")
    if project.status in (ProjectStatus.ACCEPTED, ProjectStatus.FAILED):
        raise Conflict("项目已结束，不能新增里程碑 / the project has ended", status=project.status)
    title = (data.get("title") or "").strip()
    due = data.get("due_date")
    if not title or not isinstance(due, datetime.date):
        raise InvalidInput(
            "里程碑须有名称和到期日 / a milestone needs a title and a due date", field="milestones"
        )
    milestone = Milestone(city=project.city, project=project, title=title, due_date=due)
    with_actor(milestone, actor).save()
    # The earliest open due date, in one statement (a concurrent write cannot be lost).
    Project.objects.filter(pk=project.pk).update(
        next_due_date=Least(Coalesce(F("next_due_date"), Value(due)), Value(due))
    )
    return milestone


@transaction.atomic
def milestone_done(*, milestone: Milestone, actor, upload=None) -> Milestone:
    """The project's provider marks a milestone done, with evidence."""
    project = milestone.project
    if Role.PROVIDER not in _roles(actor, project):
        raise NotAllowed("只有项目的服务商可以完成里程碑 / only the project's provider may")
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.done_at is not None:
        raise Conflict("里程碑已完成 / the milestone is already done", status="done")
    if upload is None:
        raise InvalidInput("请上传完成证明 / evidence is required", field="file")
    milestone.evidence = _evidence(project, actor, upload)
    milestone.done_at, milestone.done_by = timezone.now(), actor
    with_actor(milestone, actor).save()
    project_schedule_refresh(project_ids=[project.pk], fields=("next_due_date",))
    return milestone


@transaction.atomic
def worklog_add(*, project: Project, actor, data: dict, upload=None) -> WorkLog:
    """Only the project's provider logs work on it, while the project runs."""
    if Role.PROVIDER not in _roles(actor, project):
        raise NotAllowed("只有项目的服务商可以填写服务记录 / only the project's provider logs work")
    if project.status not in (ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS):
        raise Conflict(
            "项目已结束，不能再填写服务记录 / the project has ended", status=project.status
        )
    day = data.get("date")
    if not isinstance(day, datetime.date) or day > timezone.localdate():
        raise InvalidInput("日期不能晚于今天 / the date cannot be in the future", field="date")
    try:
        hours = Decimal(str(data.get("hours"))).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        hours = None
    if hours is None or not Decimal(0) < hours <= 24:
        raise InvalidInput("工时须在 0 到 24 之间 / hours must be above 0 and at most 24",
                           field="hours")  # fmt: skip
    description = (data.get("description") or "").strip()
    if not description:
        raise InvalidInput("请填写工作内容 / say what was done", field="description")
    log = WorkLog.objects.create(
        city=project.city, project=project, date=day, hours=hours, description=description,
        attachment=_evidence(project, actor, upload), created_by=actor,
    )  # fmt: skip
    # A log dated before the latest one (entered late) leaves the date where it is.
    Project.objects.filter(pk=project.pk).update(
        last_worklog_date=Greatest(Coalesce(F("last_worklog_date"), Value(day)), Value(day))
    )
    return log


def project_schedule_refresh(
    *, project_ids=None, city=None, fields=("last_worklog_date", "next_due_date")
) -> int:
    """Recompute `last_worklog_date` and `next_due_date` from the work logs and milestones.

    The services keep both as they write; this is the correction path for rows written
    around them (bulk loads, the demo's back-dated milestones, an edit in the admin) and what
    the migration backfilled with. One UPDATE; returns the number of projects it touched.
    """
    projects = Project.objects.all()
    if project_ids is not None:
        projects = projects.filter(pk__in=list(project_ids))
    if city is not None:
        projects = projects.filter(city=city)
    values = {}
    if "last_worklog_date" in fields:
        latest = WorkLog.objects.filter(project_id=OuterRef("pk")).order_by("-date")
        values["last_worklog_date"] = Subquery(latest.values("date")[:1])
    if "next_due_date" in fields:
        open_ = Milestone.objects.filter(project_id=OuterRef("pk"), done_at__isnull=True)
        values["next_due_date"] = Subquery(open_.order_by("due_date").values("due_date")[:1])
    return projects.update(**values)
