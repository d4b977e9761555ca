"""The city performance dashboard, and everything the self-evaluation report prints.

`city_dashboard` builds both from one code path: the page and the PDF show the same figures and
embed the same SVG charts (drawn here, once). Its queries are fixed whatever the city's size:
the city's facts (`facts.city_facts`, 11), the indicators and their manual values (2), the
levels per sector and the before/after movement (`assessments.statistics`, 2), the reporting
periods (1), a submitted period's frozen figures (1), the exemplary projects (1), the chain cases
(1) and the latest verification run (1): 19, or 20 for a submitted period.

Which figures: the live ones, or — for a submitted period — the frozen `PeriodFigure` rows of
its latest version (with today's figure beside each). The level distribution follows the
user's enterprise scope (a district officer's is the district's, as on the statistics page);
every other figure is the city's.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString

from assessments.statistics import LEVELS, Movement, level_distribution, level_movement
from enterprises.projects.models import ChainCase, Project, ProjectStatus
from pilot_portal.errors import InvalidInput
from pilot_portal.reporting import rules
from pilot_portal.reporting.charts import (
    funds_chart,
    funnel_chart,
    progress_chart,
    stacked_levels_chart,
)
from pilot_portal.reporting.facts import ZERO, city_facts
from pilot_portal.reporting.metrics import METRICS
from pilot_portal.reporting.models import IndicatorSource, PeriodStatus, ReportingPeriod
from pilot_portal.reporting.selectors import NOT_FOUND_PERIOD, indicator_rows
from pilot_portal.tenancy import policy
from pilot_portal.verification.models import RunStatus, VerificationRun

LIST_LIMIT = 200  # exemplary projects and chain cases listed; the rest are counted
TOP_CODES = 5
TENTH = Decimal("0.1")
ECOSYSTEM_SHARE_MAX = rules.HUNDRED - rules.ENTERPRISE_SHARE_MIN  # 20 % of the central award
# Each funnel step counts the projects that reached it or went further (a funnel, not a tally).
FUNNEL = (
    ("全部项目", (ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS, ProjectStatus.COMPLETED,
              ProjectStatus.ACCEPTED)),
    ("已开工", (ProjectStatus.IN_PROGRESS, ProjectStatus.COMPLETED, ProjectStatus.ACCEPTED)),
    ("已完工", (ProjectStatus.COMPLETED, ProjectStatus.ACCEPTED)),
    ("已验收", (ProjectStatus.ACCEPTED,)),
)  # fmt: skip
FUND_USES = (
    ("enterprise", "企业数字化改造"),
    ("ecosystem", "平台与服务生态"),
    ("none", "不计入 80/20"),
)


def figure_text(value: Decimal | None, unit: str = "") -> str:
    """A figure as the tables print it: 1,200 · 85.71 · money with two decimals."""
    if value is None:
        return "–"
    if unit == "元":
        return format(value.quantize(Decimal("0.01"), ROUND_HALF_UP), ",f")
    return format(value.normalize(), ",f")


def percent_text(fraction: Decimal | None) -> str:
    if fraction is None:
        return "–"
    return f"{(fraction * 100).quantize(TENTH, ROUND_HALF_UP)} %"


@dataclass
class DashboardRow:
    code: str
    name: str
    unit: str
    source: str  # computed | manual
    targets: dict[str, Decimal]  # the indicator's yearly targets (increments)
    target: Decimal | None  # to reach by the end of the year shown
    total_target: Decimal | None
    actual: Decimal | None
    progress: Decimal | None  # fraction; 1 = reached
    explanation: str
    pending: bool = False  # a manual value waits for review (live figures only)
    live_actual: Decimal | None = None  # beside a frozen figure: today's

    @property
    def computed(self) -> bool:
        return self.source == IndicatorSource.COMPUTED

    @property
    def reached(self) -> bool:
        return self.progress is not None and self.progress >= 1

    target_text = property(lambda self: figure_text(self.target, self.unit))
    total_text = property(lambda self: figure_text(self.total_target, self.unit))
    actual_text = property(lambda self: figure_text(self.actual, self.unit))
    live_text = property(lambda self: figure_text(self.live_actual, self.unit))
    progress_text = property(lambda self: percent_text(self.progress))

    @property
    def source_zh(self) -> str:
        if self.computed:
            return "系统计算"
        return "填报（有待审核的新值）" if self.pending else "填报"


@dataclass
class SectorRow:
    code: str
    name: str
    counts: list[int]  # enterprises by latest locked level: none, 1, 2, 3, 4
    above: int = 0  # every above-size enterprise of the sector, assessed or not
    above_at_level_2: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def share(self) -> Decimal | None:
        """% of the sector's above-size enterprises at level ≥ 2 (over all of them)."""
        return rules.percent(self.above_at_level_2, self.above)

    @property
    def below(self) -> bool:
        return rules.sector_meets(self.share) is False


@dataclass
class Funds:
    award_cap: Decimal
    central_pool: Decimal
    local_pool: Decimal
    approved: Decimal
    paid: Decimal
    pending: Decimal  # computed, not yet approved
    by_use: list[tuple[str, str, Decimal, Decimal]]  # (use, label, approved, paid)
    enterprise_share: Decimal | None  # % of the approved money (none excluded)

    def approved_for(self, use: str) -> Decimal:
        return next((approved for u, _l, approved, _p in self.by_use if u == use), ZERO)

    @property
    def cap(self) -> Decimal:
        """What the programme can spend: the central award cap and the local matching pool."""
        return self.award_cap + self.local_pool

    @property
    def ecosystem_cap(self) -> Decimal:
        return (self.award_cap * ECOSYSTEM_SHARE_MAX / rules.HUNDRED).quantize(Decimal("0.01"))

    @property
    def share_below(self) -> bool:
        return rules.enterprise_share_short(self.enterprise_share)


@dataclass
class VerificationSummary:
    run_id: int
    finished_at: datetime
    enterprises: int
    error: int
    warning: int
    info: int
    top_codes: list[tuple[str, str, int]]  # (code, Chinese title, findings)

    @property
    def line_zh(self) -> str:
        return (
            f"{timezone.localtime(self.finished_at):%Y-%m-%d} 核查企业 {self.enterprises} 家："
            f"错误 {self.error} 项，警告 {self.warning} 项，提示 {self.info} 项"
        )


@dataclass
class Dashboard:
    city: object
    year: int
    years: list[int]
    periods: list[ReportingPeriod]  # the submitted ones, to view their frozen figures
    period: ReportingPeriod | None
    frozen: bool  # the indicator table is the period's submitted figures
    rows: list[DashboardRow]
    sectors: list[SectorRow]
    scoped: bool  # the level distribution covers only the user's district
    movement: Movement
    projects: dict[str, int]
    funnel: list[tuple[str, int]]
    funds: Funds
    exemplary: list[dict]
    exemplary_total: int
    chain_cases: list[dict]
    chain_total: int
    verification: VerificationSummary | None
    charts: dict[str, SafeString] = field(default_factory=dict)

    @property
    def version(self) -> int | None:
        return self.period.version if self.frozen else None

    @property
    def status_zh(self) -> str:
        if not self.frozen:
            return "实时数据，尚未报送"
        day = timezone.localtime(self.period.submitted_at)
        return f"已报送 第{self.period.version}版 {day:%Y-%m-%d}"

    @property
    def sectors_below(self) -> list[SectorRow]:
        return [s for s in self.sectors if s.below]

    @property
    def failed_projects(self) -> int:
        return self.projects.get(ProjectStatus.FAILED, 0)


def period_years(city) -> list[int]:
    return list(range(city.period_start.year, city.period_end.year + 1))


def default_year(city) -> int:
    years = period_years(city)
    return min(max(timezone.localdate().year, years[0]), years[-1])


def _pick_period(periods, period) -> ReportingPeriod | None:
    if period is None or isinstance(period, ReportingPeriod):
        return period
    found = next((p for p in periods if p.pk == period), None)
    if found is None:
        raise Http404(NOT_FOUND_PERIOD)
    return found


def _rows(city, year, period, facts) -> list[DashboardRow]:
    live = indicator_rows(city=city, year=year, facts=facts)
    rows = {
        r.indicator.pk: DashboardRow(
            code=r.indicator.code,
            name=r.indicator.name,
            unit=r.indicator.unit,
            source=r.indicator.source,
            targets={y: Decimal(v) for y, v in sorted(r.indicator.targets.items())},
            target=r.target,
            total_target=r.indicator.total_target,
            actual=r.actual,
            progress=r.progress,
            explanation=r.explanation,
            pending=r.pending is not None,
        )
        for r in live
    }
    if period is None:
        return list(rows.values())
    frozen = []
    for f in period.figures.filter(version=period.version).order_by("pk"):
        now = rows.get(f.indicator_id)
        frozen.append(
            DashboardRow(
                code=f.code, name=f.name, unit=f.unit, source=f.source,
                targets=now.targets if now else {}, target=f.target,
                total_target=now.total_target if now else None, actual=f.actual,
                progress=f.progress, explanation=f.explanation,
                live_actual=now.actual if now else None,
            )
        )  # fmt: skip
    return frozen


def _sectors(facts, by_sector) -> list[SectorRow]:
    levels = {row.key: row for row in by_sector}
    rows = []
    for sector_id, sector in facts.sectors.items():
        counts = levels.pop(sector_id).counts if sector_id in levels else [0] * len(LEVELS)
        rows.append(
            SectorRow(sector.code, sector.name, counts, sector.above, sector.above_at_level_2)
        )
    for rest in levels.values():  # enterprises with no (or another city's) sector
        rows.append(SectorRow("", rest.name or "未归类", rest.counts))
    return rows


def _funds(city, facts) -> Funds:
    by_use = [
        (use, label, facts.approved_by_use.get(use, ZERO), facts.paid_by_use.get(use, ZERO))
        for use, label in FUND_USES
    ]
    return Funds(
        award_cap=city.award_cap,
        central_pool=facts.pools.get("central", ZERO),
        local_pool=facts.pools.get("local", ZERO),
        approved=facts.approved,
        paid=facts.paid,
        pending=facts.computed_pending,
        by_use=by_use,
        enterprise_share=METRICS["enterprise_funds_share"].value(facts),
    )


def _exemplary(city) -> list[dict]:
    return list(
        Project.objects.for_city(city)
        .filter(exemplary=True)
        .order_by("enterprise__name", "pk")
        .values("pk", "enterprise__name", "title", "exemplary_results")[:LIST_LIMIT]
    )


def _chain_cases(city) -> list[dict]:
    cases = (
        ChainCase.objects.for_city(city)
        .annotate(project_count=Count("projects"))
        .order_by("-created_at", "-pk")
        .values("pk", "title", "leader_provider__name", "leader_enterprise__name", "project_count")
    )
    return [
        {
            "title": c["title"],
            "leader": c["leader_provider__name"] or c["leader_enterprise__name"] or "–",
            "projects": c["project_count"],
        }
        for c in cases[:LIST_LIMIT]
    ]


def verification_summary(city) -> VerificationSummary | None:
    """The latest finished run of the city, from the counts it stored (one query)."""
    run = (
        VerificationRun.objects.for_city(city)
        .filter(status=RunStatus.SUCCEEDED, finished_at__isnull=False)
        .order_by("-finished_at", "-pk")
        .first()
    )
    if run is None:
        return None
    from pilot_portal.verification.selectors import code_titles  # reads the checks' registry

    counts, titles = run.counts or {}, code_titles(zh=True)
    by_code = sorted((counts.get("by_code") or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    return VerificationSummary(
        run_id=run.pk,
        finished_at=run.finished_at,
        enterprises=run.enterprise_count,
        error=counts.get("error", 0),
        warning=counts.get("warning", 0),
        info=counts.get("info", 0),
        top_codes=[
            (code, titles.get(code, {}).get("title_zh") or code, n)
            for code, n in by_code[:TOP_CODES]
        ],
    )


def _charts(d: Dashboard) -> dict[str, SafeString]:
    return {
        "progress": progress_chart(
            [(f"{r.code} {r.name}", r.actual, r.target, r.unit) for r in d.rows],
            title="指标完成进度 / progress against targets",
        ),
        "levels": stacked_levels_chart(
            [s.name for s in d.sectors],
            [s.counts for s in d.sectors],
            title="分行业数字化水平分布 / levels by sector",
        ),
        "funnel": funnel_chart(d.funnel, title="改造项目进展 / projects by status"),
        "funds": funds_chart(
            [
                ("中央奖补资金到位", d.funds.central_pool, d.funds.award_cap),
                ("已核定", d.funds.approved, d.funds.cap),
                ("已拨付", d.funds.paid, d.funds.cap),
                ("生态类已核定", d.funds.approved_for("ecosystem"), d.funds.ecosystem_cap),
            ],
            title="资金使用 / funds against caps",
        ),
    }


def city_dashboard(*, city, user, year: int | None = None, period=None) -> Dashboard:
    """The city's dashboard for `year` (default: this year, within the implementation period),
    or for `period` (a ReportingPeriod or its id; its year): frozen figures once submitted."""
    years = period_years(city)
    periods = list(ReportingPeriod.objects.for_city(city))  # a handful per city
    chosen = _pick_period(periods, period)
    if chosen is not None:
        year = chosen.year
    elif year is None:
        year = default_year(city)
    if year not in years:
        raise InvalidInput(
            f"年份须在实施期 {years[0]}–{years[-1]} 内 / the year must fall in the period "
            f"{years[0]}–{years[-1]}",
            field="year",
        )
    frozen = chosen is not None and chosen.status == PeriodStatus.SUBMITTED
    facts = city_facts([city.pk])[city.pk]
    by_sector = level_distribution(city=city, user=user, by="sector")
    projects = facts.projects
    dashboard = Dashboard(
        city=city,
        year=year,
        years=years,
        periods=[p for p in periods if p.status == PeriodStatus.SUBMITTED],
        period=chosen,
        frozen=frozen,
        rows=_rows(city, year, chosen if frozen else None, facts),
        sectors=_sectors(facts, by_sector),
        scoped=bool(policy.enterprise_scope(user, city)),
        movement=level_movement(city=city, user=user),
        projects=projects,
        funnel=[(label, sum(projects.get(s, 0) for s in states)) for label, states in FUNNEL],
        funds=_funds(city, facts),
        exemplary=_exemplary(city),
        exemplary_total=facts.exemplary_projects,
        chain_cases=_chain_cases(city),
        chain_total=facts.chain_cases,
        verification=verification_summary(city),
    )
    dashboard.charts = _charts(dashboard)
    return dashboard
