"""The self-evaluation report (绩效自评报告, PDF) and the indicator table export (xlsx), as jobs
started from the performance dashboard.

`performance_report` params: {"kind": "mid_term" | "final" | "yearly", "year": 2025} or
{"period": id}. When that reporting period is submitted the indicator table is its frozen figures
(latest version); otherwise the live figures, said as such. `indicator_export` params: {} (this
year), {"year": 2025} or {"period": id}.

Params are checked when the job is started (`report_start`, `export_start`: the page shows the
refusal) and again when it runs, since the jobs API starts kinds with any params. The jobs app
discovers only modules named `job_kinds`: `reporting.job_kinds` imports this one.
"""

import re
from dataclasses import dataclass
from io import BytesIO

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from pilot_portal.documents.pdf import render_pdf
from pilot_portal.errors import InvalidInput, NotAllowed
from pilot_portal.jobs.registry import JobOutput, job_kind
from pilot_portal.jobs.services import job_start
from pilot_portal.reporting.charts import LEVEL_NAMES
from pilot_portal.reporting.dashboard import city_dashboard, default_year, period_years
from pilot_portal.reporting.models import PeriodKind, ReportingPeriod
from pilot_portal.reporting.selectors import NOT_FOUND_PERIOD
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.policy import RULES

REPORT_JOB, EXPORT_JOB = "performance_report", "indicator_export"
ACTION = "indicator.report"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_ZH = {PeriodKind.MID_TERM: "中期评估", PeriodKind.FINAL: "终期评估", PeriodKind.YEARLY: "年度"}
NOT_ALLOWED = "您的角色不能生成绩效报告 / your role may not generate performance reports"
EITHER = (
    "请指定报告期（period），或报告类型（kind）和年份（year），二者择一 / give either a "
    "reporting period (period), or a kind and a year"
)


@dataclass(frozen=True)
class Choice:
    """What a report or an export is of: a year, and the period when there is one."""

    year: int
    kind: str = ""
    period: ReportingPeriod | None = None


def _whole(raw, field: str, what: str) -> int:
    """An id or a year, as JSON (2025) or as a form posts it ("2025")."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    raise InvalidInput(f"{what}无效：{raw!r} / not a valid {field}: {raw!r}", field=field)


def _period(city, raw) -> ReportingPeriod:
    pk = _whole(raw, "period", "报告期编号")
    period = ReportingPeriod.objects.for_city(city).filter(pk=pk).first()
    if period is None:
        raise InvalidInput(NOT_FOUND_PERIOD, field="period")
    return period


def _year(city, raw) -> int:
    year, years = _whole(raw, "year", "年份"), period_years(city)
    if year not in years:
        raise InvalidInput(
            f"年份须在实施期 {years[0]}–{years[-1]} 内 / the year must fall in the period "
            f"{years[0]}–{years[-1]}",
            field="year",
        )
    return year


def _known(params, allowed) -> dict:
    params = params or {}
    if not isinstance(params, dict):
        raise InvalidInput("参数必须是对象 / params must be an object", field="params")
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        names = ", ".join(unknown)
        raise InvalidInput(f"未知参数：{names} / unknown parameters: {names}", field="params")
    if "period" in params and len(params) > 1:
        raise InvalidInput(EITHER, field="params")
    return params


def report_choice(city, params) -> Choice:
    """The report's period (or kind and year) from its params, or a bilingual refusal."""
    params = _known(params, ("kind", "year", "period"))
    if "period" in params:
        period = _period(city, params["period"])
        return Choice(year=period.year, kind=period.kind, period=period)
    kind = params.get("kind")
    if kind not in PeriodKind.values:
        raise InvalidInput(
            f"报告类型须为 mid_term（中期评估）、final（终期评估）或 yearly（年度） / kind must be "
            f"mid_term, final or yearly, not {kind!r}",
            field="kind",
        )
    if "year" not in params:
        raise InvalidInput("请指定年份 / give the year", field="year")
    year = _year(city, params["year"])
    period = ReportingPeriod.objects.for_city(city).filter(kind=kind, year=year).first()
    return Choice(year=year, kind=kind, period=period)


def export_choice(city, params) -> Choice:
    params = _known(params, ("year", "period"))
    if "period" in params:
        period = _period(city, params["period"])
        return Choice(year=period.year, kind=period.kind, period=period)
    if "year" in params:
        return Choice(year=_year(city, params["year"]))
    return Choice(year=default_year(city))


def _allowed(user, city) -> None:
    if user is None or not policy.can(user, ACTION, city=city):
        raise NotAllowed(NOT_ALLOWED)


def report_start(*, actor, city, params: dict):
    """Queue the self-evaluation report (after checking the params: the page shows why not)."""
    _allowed(actor, city)
    report_choice(city, params)
    return job_start(city=city, kind=REPORT_JOB, params=params, actor=actor)


def export_start(*, actor, city, params: dict):
    _allowed(actor, city)
    export_choice(city, params)
    return job_start(city=city, kind=EXPORT_JOB, params=params, actor=actor)


# -- the report ---------------------------------------------------------------------------------


def report_title(city, choice: Choice) -> str:
    label = f"{choice.year}年度" if choice.kind == PeriodKind.YEARLY else KIND_ZH[choice.kind]
    return f"{city.name} 中小企业数字化转型城市试点 绩效自评报告（{label}）"


def report_pdf(*, city, user, choice: Choice) -> tuple[bytes, dict]:
    with translation.override("zh-hans"):
        dashboard = city_dashboard(city=city, user=user, year=choice.year, period=choice.period)
        context = {
            "title": report_title(city, choice),
            "city": city,
            "choice": choice,
            "d": dashboard,
            "level_names": LEVEL_NAMES,
            "movement_rows": list(zip(LEVEL_NAMES, dashboard.movement.matrix, strict=True)),
            "generated_at": timezone.localtime(),
        }
        return render_pdf("documents/performance_report.html", context), context


@job_kind(
    REPORT_JOB,
    label=_("Self-evaluation report (PDF)"),
    roles=RULES[ACTION].roles,
    start_url_name="performance-dashboard",
)
def performance_report(job, progress) -> JobOutput:
    """params: {"kind": "mid_term|final|yearly", "year": 2025} or {"period": id}."""
    _allowed(job.started_by, job.city)
    choice = report_choice(job.city, job.params)
    progress(10)
    pdf, context = report_pdf(city=job.city, user=job.started_by, choice=choice)
    dashboard = context["d"]
    kind = choice.kind
    return JobOutput(
        result={
            "kind": kind,
            "year": choice.year,
            "period": choice.period.pk if choice.period else None,
            "version": dashboard.version,
            "frozen": dashboard.frozen,
            "indicators": len(dashboard.rows),
            "pages": len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)),
        },
        file=(
            f"{job.city.code}-绩效自评报告-{KIND_ZH[kind]}-{choice.year}-{job.pk}.pdf",
            pdf,
            "application/pdf",
        ),
    )


# -- the xlsx -----------------------------------------------------------------------------------


def indicator_workbook(dashboard) -> bytes:
    """The seeds' table shape: 序号, 指标名称, 单位, a target per year, 合计目标, then the actual,
    the progress, where it comes from and how it is counted."""
    years = sorted({y for row in dashboard.rows for y in row.targets})
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "绩效指标"
    header = ["序号", "指标名称", "单位", *(f"{y}年目标" for y in years), "合计目标"]
    sheet.append([*header, "实际完成", "完成进度", "数据来源", "口径说明"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in dashboard.rows:
        sheet.append([
            row.code, row.name, row.unit, *(row.targets.get(y) for y in years), row.total_target,
            row.actual, row.progress, row.source_zh, row.explanation,
        ])  # fmt: skip
        sheet.cell(sheet.max_row, len(header) + 2).number_format = "0.0%"
    for letter, width in (("A", 6), ("B", 48), ("C", 6)):
        sheet.column_dimensions[letter].width = width
    for column in range(4, len(header) + 5):
        sheet.column_dimensions[sheet.cell(1, column).column_letter].width = 12
    about = workbook.create_sheet("说明")
    for line in (
        ("城市", dashboard.city.name),
        ("年度", dashboard.year),
        ("数据状态", dashboard.status_zh),
        ("完成进度", f"实际完成 ÷ 截至 {dashboard.year} 年的累计目标"),
        ("生成时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ):
        about.append(list(line))
    about.column_dimensions["B"].width = 40
    for cells in sheet.iter_rows(min_row=2):
        cells[-1].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@job_kind(
    EXPORT_JOB,
    label=_("Indicator table (xlsx)"),
    roles=RULES[ACTION].roles,
    start_url_name="performance-dashboard",
)
def indicator_export(job, progress) -> JobOutput:
    """params: {}, {"year": 2025} or {"period": id}."""
    _allowed(job.started_by, job.city)
    choice = export_choice(job.city, job.params)
    dashboard = city_dashboard(
        city=job.city, user=job.started_by, year=choice.year, period=choice.period
    )
    progress(60)
    return JobOutput(
        result={"year": choice.year, "rows": len(dashboard.rows), "frozen": dashboard.frozen},
        file=(
            f"{job.city.code}-绩效指标-{choice.year}-{job.pk}.xlsx",
            indicator_workbook(dashboard),
            XLSX,
        ),
    )
