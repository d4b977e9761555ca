"""The city's monitoring page: projects by status, district, sector and provider; the projects
that need attention and why; overdue milestones.

Every figure is an aggregate in the database, over the projects the user sees
(`policy.project_scope`: a district officer sees their district). The page runs a fixed number
of queries whatever the number of projects, and each costs little at 50,000 projects: the
counts come from two grouped scans of the projects; the attention list filters and sorts on
the dates the services keep on each project (`last_worklog_date`, `next_due_date`); overdue
milestones are read through a partial index of open milestones; both long lists are paged.
"""

import datetime

from django.core.paginator import Paginator
from django.db.models import Case, Count, DateField, F, QuerySet, When
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.projects import selectors
from enterprises.projects.models import Milestone, Project, ProjectStatus
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.views import CityPageMixin
from providers.models import Provider

# The provider breakdown shows this many providers at most; the attention list and the
# overdue milestones are paged, PAGE_SIZE a page (the counts above each table are exact).
LIST_LIMIT = 100
PAGE_SIZE = 50
RUNNING = selectors.RUNNING


def _scoped(*, city, user) -> QuerySet:
    """The projects this user sees: the same scope as `selectors.project_list`."""
    return Project.objects.for_city(city).filter(policy.project_scope(user, city))


def _rows(groups: dict, names: dict) -> list[dict]:
    """{id: {status: n}} → breakdown rows, largest first, then by name (none last)."""
    rows = [
        {
            "id": key,
            "name": names.get(key),
            "total": sum(counts.values()),
            "counts": [counts.get(status, 0) for status in ProjectStatus.values],
        }
        for key, counts in groups.items()
    ]
    rows.sort(key=lambda row: (-row["total"], row["name"] is None, row["name"] or ""))
    return rows


def monitoring_figures(*, city, user, provider_limit: int | None = LIST_LIMIT) -> dict:
    """Projects per status, and per status for each district, sector and provider.

    Two scans of the projects the user sees, grouped in the database: by (district, sector,
    status) — a few hundred cells at most, folded here into the district and sector rows and
    the status counts — and by (provider, status); then the providers' names. Returns
    {"statuses": {status: n}, "district": rows, "sector": rows, "provider": rows}, each row
    {"id", "name", "total", "counts"} with counts in `ProjectStatus` order, largest first;
    projects with no district or sector make a row with id None.
    """
    scoped = _scoped(city=city, user=user).order_by()
    statuses = dict.fromkeys(ProjectStatus.values, 0)
    groups = {"district": {}, "sector": {}}
    names = {"district": {}, "sector": {}}
    cells = scoped.values(
        "enterprise__district_id", "enterprise__district__name",
        "enterprise__sector_id", "enterprise__sector__name", "status",
    ).annotate(n=Count("pk"))  # fmt: skip
    for cell in cells:
        statuses[cell["status"]] += cell["n"]
        for dimension in ("district", "sector"):
            key = cell[f"enterprise__{dimension}_id"]
            names[dimension][key] = cell[f"enterprise__{dimension}__name"]
            counts = groups[dimension].setdefault(key, {})
            counts[cell["status"]] = counts.get(cell["status"], 0) + cell["n"]
    by_provider = {}
    for cell in scoped.values("provider_id", "status").annotate(n=Count("pk")):
        counts = by_provider.setdefault(cell["provider_id"], {})
        counts[cell["status"]] = cell["n"]
    provider_names = dict(
        Provider.objects.filter(pk__in=list(by_provider)).values_list("pk", "name")
    )
    providers = _rows(by_provider, provider_names)
    return {
        "statuses": statuses,
        "district": _rows(groups["district"], names["district"]),
        "sector": _rows(groups["sector"], names["sector"]),
        "provider": providers[:provider_limit] if provider_limit else providers,
    }


def monitoring_breakdown(*, city, user, by: str, limit: int | None = None) -> list[dict]:
    """One breakdown of `monitoring_figures`: "district", "sector" or "provider"."""
    rows = monitoring_figures(city=city, user=user, provider_limit=None)[by]
    return rows[:limit] if limit else rows


def attention_projects(*, city, user) -> QuerySet:
    """Running projects with an overdue milestone or no work logged for QUIET_DAYS: the most
    overdue first (earliest open due date), then the longest quiet; each row carries its
    `overdue_milestones`. Filter and order read only the project's own columns (the dates
    the services keep on it), never its milestones or logs, and the overdue count is computed
    for the page's rows only (PostgreSQL evaluates it after the LIMIT).
    """
    today = timezone.localdate()
    overdue_since = Case(
        When(next_due_date__lt=today, then=F("next_due_date")),
        default=None,
        output_field=DateField(),
    )
    return (
        _scoped(city=city, user=user)
        .filter(selectors.attention_q())
        .select_related("enterprise__district", "provider")
        .annotate(overdue_milestones=selectors.overdue_milestone_count(today))
        .order_by(
            overdue_since.asc(nulls_last=True),
            F("last_worklog_date").asc(nulls_first=True),
            "pk",
        )
    )


def with_reasons(projects) -> list[Project]:
    """The projects of a page, each with `reasons` (why it is listed)."""
    projects = list(projects)
    today = timezone.localdate()
    quiet_since = today - datetime.timedelta(days=selectors.QUIET_DAYS)
    for project in projects:
        project.reasons = []
        if project.overdue_milestones:
            project.reasons.append(
                _("%(n)s overdue milestone(s)") % {"n": project.overdue_milestones}
            )
        last = project.last_worklog_date
        if last is None:
            project.reasons.append(_("no work logged yet"))
        elif last < quiet_since:
            project.reasons.append(
                _("no work logged for %(days)s days (last on %(date)s)")
                % {"days": (today - last).days, "date": last}
            )
    return projects


def attention_list(*, city, user, limit: int = PAGE_SIZE) -> list[Project]:
    """The first `limit` projects needing attention, with their reasons."""
    return with_reasons(attention_projects(city=city, user=user)[:limit])


def overdue_milestones(*, city, user) -> QuerySet:
    """Milestones not done and past due, on running projects the user sees, oldest first.

    Read through the partial index of open milestones by due date, so counting and paging
    them costs what the overdue ones do, not the city's 100,000s of milestones."""
    rows = Milestone.objects.for_city(city).filter(
        done_at__isnull=True, due_date__lt=timezone.localdate(), project__status__in=RUNNING
    )
    scope = policy.project_scope(user, city)
    if scope:  # narrower than the whole city (a district officer): only its projects
        rows = rows.filter(project__in=_scoped(city=city, user=user).values("pk"))
    return rows.select_related("project__enterprise", "project__provider").order_by(
        "due_date", "pk"
    )


def _page(request, queryset, param: str):
    """One page of `queryset` by the query parameter `param` (a bad number: the first or
    last page), and the query string of the other parameters for the pager's links."""
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get(param))
    query = request.GET.copy()
    query.pop(param, None)
    return page, query.urlencode()


class ProjectMonitoringPage(CityPageMixin):
    action_required = "project.monitor"

    def get(self, request, city_code):
        city, user = request.city, request.user
        today = timezone.localdate()
        figures = monitoring_figures(city=city, user=user)  # 1-3
        attention, attention_query = _page(  # 4 (count), 5 (the page's rows)
            request, attention_projects(city=city, user=user), "attention_page"
        )
        overdue, overdue_query = _page(  # 6 (count), 7 (the page's rows)
            request, overdue_milestones(city=city, user=user), "overdue_page"
        )
        counts = figures["statuses"]
        context = {
            "statuses": [(s.value, s.label, counts[s.value]) for s in ProjectStatus],
            "total": sum(counts.values()),
            "breakdowns": [
                (_("By district"), figures["district"], "by-district"),
                (_("By sector"), figures["sector"], "by-sector"),
                (_("By provider"), figures["provider"], "by-provider"),
            ],
            "attention": with_reasons(attention),
            "attention_page": attention,
            "attention_query": attention_query,
            "attention_count": attention.paginator.count,
            "overdue": [(m, (today - m.due_date).days) for m in overdue],
            "overdue_page": overdue,
            "overdue_query": overdue_query,
            "overdue_count": overdue.paginator.count,
            "quiet_days": selectors.QUIET_DAYS,
            "limit": LIST_LIMIT,
            "status_values": ProjectStatus.values,
        }
        return render(request, "enterprises/projects/monitoring.html", context)
