"""Reads for projects: lists with their investment totals computed in the database, one project
with everything on its page, and the attention filter the monitoring page and the list share.
Fixed query counts whatever the size."""

import datetime
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from enterprises.projects.models import (
    ELIGIBLE_CATEGORIES,
    InvestmentLine,
    Milestone,
    Project,
    ProjectStatus,
    WorkLog,
)
from enterprises.projects.rules import Totals, investment_totals
from pilot_portal.tenancy import policy

MONEY = DecimalField(max_digits=16, decimal_places=2)
# A project with no work logged for this long is flagged on the monitoring page.
QUIET_DAYS = 30
RUNNING = (ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS)


def _sum(queryset, **filters):
    lines = (
        queryset.filter(project_id=OuterRef("pk"), **filters)
        .values("project_id")
        .annotate(value=Sum("amount"))
        .values("value")[:1]
    )
    return Coalesce(Subquery(lines, output_field=MONEY), Value(Decimal("0.00")), output_field=MONEY)


def overdue_milestone_count(today: datetime.date):
    """The project's open milestones due before `today` (a correlated COUNT)."""
    return Coalesce(
        Subquery(
            Milestone.objects.filter(
                project_id=OuterRef("pk"), done_at__isnull=True, due_date__lt=today
            )
            .values("project_id")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        Value(0),
    )


def with_figures(projects: QuerySet) -> QuerySet:
    """Annotate eligible and total investment, the last work log and overdue milestones."""
    return projects.annotate(
        eligible_investment=_sum(InvestmentLine.objects, category__in=list(ELIGIBLE_CATEGORIES)),
        total_investment=_sum(InvestmentLine.objects),
        last_worklog=F("last_worklog_date"),  # kept on the row by `services.worklog_add`
        overdue_milestones=overdue_milestone_count(timezone.localdate()),
    )


def project_list(*, city, user, filters: dict | None = None) -> QuerySet:
    """The projects this user sees (`policy.project_scope`), newest first, with figures."""
    filters = filters or {}
    rows = (
        Project.objects.for_city(city)
        .filter(policy.project_scope(user, city))
        .select_related("enterprise__district", "enterprise__sector", "provider")
    )
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    if filters.get("district"):
        rows = rows.filter(enterprise__district__code=filters["district"])
    if filters.get("sector"):
        rows = rows.filter(enterprise__sector__code=filters["sector"])
    if filters.get("provider"):
        rows = rows.filter(provider_id=filters["provider"])
    if filters.get("enterprise"):
        rows = rows.filter(enterprise_id=filters["enterprise"])
    if filters.get("q"):
        q = filters["q"]
        rows = rows.filter(Q(title__icontains=q) | Q(enterprise__name__icontains=q))
    if filters.get("attention"):  # overdue milestones or quiet for QUIET_DAYS
        rows = rows.filter(attention_q())
    return with_figures(rows).order_by("-updated_at", "-pk")


def attention_q() -> Q:
    """Running projects with an overdue milestone, or no work logged for QUIET_DAYS.

    Read from the dates the services keep on the project (`next_due_date`, the earliest open
    milestone; `last_worklog_date`), so the filter is a scan of the city's projects (indexed),
    not an aggregate over their milestones and logs."""
    today = timezone.localdate()
    quiet_since = today - datetime.timedelta(days=QUIET_DAYS)
    running = Q(status__in=RUNNING)
    overdue = Q(next_due_date__lt=today)
    quiet = Q(last_worklog_date__isnull=True) | Q(last_worklog_date__lt=quiet_since)
    return running & (overdue | quiet)


def project_detail(*, city, user, pk: int) -> Project:
    """One project this user sees (Project.DoesNotExist otherwise), with everything its page
    shows; `totals` are computed from the lines by `rules.investment_totals`."""
    project = (
        with_figures(
            Project.objects.for_city(city)
            .filter(policy.project_scope(user, city))
            .select_related("enterprise__city", "provider", "contract")
        )
        .prefetch_related(
            "products",
            Prefetch(
                "investments",
                queryset=InvestmentLine.objects.select_related("created_by", "evidence"),
            ),
            Prefetch(
                "milestones", queryset=Milestone.objects.select_related("evidence", "done_by")
            ),
            Prefetch("worklogs", queryset=WorkLog.objects.select_related("created_by")),
            "steps__actor",
        )
        .get(pk=pk)
    )
    project.totals = project_totals(project)
    return project


def project_totals(project: Project) -> Totals:
    return investment_totals((line.category, line.amount) for line in project.investments.all())
