"""The city's monitoring page: projects by status, district, sector and provider; the projects
that need attention and why; overdue milestones.

Every figure is an aggregate in the database, over the projects the user sees
(`policy.project_scope`: a district officer sees their district). The page runs a fixed number
of queries whatever the number of projects.
"""

import datetime

from django.db.models import Count, F, Q, QuerySet
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.projects import selectors
from enterprises.projects.models import Milestone, Project, ProjectStatus
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.views import CityPageMixin

# The page lists this many attention projects, overdue milestones and providers at most
# (the counts above each table are exact).
LIST_LIMIT = 100
RUNNING = (ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS)

# Breakdown dimensions: (key, label field, id field).
DIMENSIONS = {
    "district": ("enterprise__district__name", "enterprise__district_id"),
    "sector": ("enterprise__sector__name", "enterprise__sector_id"),
    "provider": ("provider__name", "provider_id"),
}


def _scoped(*, city, user) -> QuerySet:
    """The projects this user sees: the same scope as `selectors.project_list`."""
    return Project.objects.for_city(city).filter(policy.project_scope(user, city))


def monitoring_breakdown(*, city, user, by: str, limit: int | None = None) -> list[dict]:
    """Projects per status for each district / sector / provider (one query), largest first.

    Each row: {"id", "name", "total", "counts"} with counts in `ProjectStatus` order; the
    projects with no district or sector make a row with id None."""
    name_field, id_field = DIMENSIONS[by]
    per_status = {status: Count("pk", filter=Q(status=status)) for status in ProjectStatus.values}
    rows = (
        _scoped(city=city, user=user)
        .order_by()
        .values(id_field, name_field)
        .annotate(total=Count("pk"), **per_status)
        .order_by("-total", F(name_field).asc(nulls_last=True))
    )
    if limit:
        rows = rows[:limit]
    return [
        {
            "id": row[id_field],
            "name": row[name_field],
            "total": row["total"],
            "counts": [row[status] for status in ProjectStatus.values],
        }
        for row in rows
    ]


def attention_list(*, city, user, limit: int = LIST_LIMIT) -> list[Project]:
    """Running projects with an overdue milestone or no work logged for QUIET_DAYS, most overdue
    first; each carries `reasons` (why it is listed)."""
    projects = list(
        selectors.project_list(city=city, user=user, filters={"attention": True}).order_by(
            F("overdue_milestones").desc(), F("last_worklog").asc(nulls_first=True), "pk"
        )[:limit]
    )
    today = timezone.localdate()
    quiet_since = today - datetime.timedelta(days=selectors.QUIET_DAYS)
    for project in projects:
        project.reasons = []
        if project.overdue_milestones:
            project.reasons.append(
                _("%(n)s overdue milestone(s)") % {"n": project.overdue_milestones}
            )
        if project.last_worklog is None:
            project.reasons.append(_("no work logged yet"))
        elif project.last_worklog < quiet_since:
            project.reasons.append(
                _("no work logged for %(days)s days (last on %(date)s)")
                % {"days": (today - project.last_worklog).days, "date": project.last_worklog}
            )
    return projects


def attention_count(*, city, user) -> int:
    return _scoped(city=city, user=user).filter(selectors.attention_q()).count()


def overdue_milestones(*, city, user) -> QuerySet:
    """Milestones not done and past due, on running projects the user sees, oldest first."""
    return (
        Milestone.objects.for_city(city)
        .filter(
            done_at__isnull=True,
            due_date__lt=timezone.localdate(),
            project__status__in=RUNNING,
            project__in=_scoped(city=city, user=user).values("pk"),
        )
        .select_related("project__enterprise", "project__provider")
        .order_by("due_date", "pk")
    )


class ProjectMonitoringPage(CityPageMixin):
    action_required = "project.monitor"

    def get(self, request, city_code):
        city, user = request.city, request.user
        today = timezone.localdate()
        counts = selectors.status_counts(city=city, user=user)  # 1
        overdue = overdue_milestones(city=city, user=user)

        def by(**kwargs):
            return monitoring_breakdown(city=city, user=user, **kwargs)

        context = {
            "statuses": [(s.value, s.label, counts[s.value]) for s in ProjectStatus],
            "total": sum(counts.values()),
            "breakdowns": [
                (_("By district"), by(by="district"), "by-district"),  # 2
                (_("By sector"), by(by="sector"), "by-sector"),  # 3
                (_("By provider"), by(by="provider", limit=LIST_LIMIT), "by-provider"),  # 4
            ],
            "attention": attention_list(city=city, user=user),  # 5
            "attention_count": attention_count(city=city, user=user),  # 6
            "overdue": [  # 7
                (m, (today - m.due_date).days) for m in overdue[:LIST_LIMIT]
            ],
            "overdue_count": overdue.count(),  # 8
            "quiet_days": selectors.QUIET_DAYS,
            "limit": LIST_LIMIT,
            "status_values": ProjectStatus.values,
        }
        return render(request, "enterprises/projects/monitoring.html", context)
