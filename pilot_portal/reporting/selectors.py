"""Reads for home pages, overviews and exports: reporting reads every app, nothing imports it."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from enterprises.models import Enterprise
from pilot_portal.reporting import rules
from pilot_portal.reporting.facts import CityFacts, city_facts
from pilot_portal.reporting.metrics import METRICS
from pilot_portal.reporting.models import (
    Indicator,
    IndicatorSource,
    ManualStatus,
    ManualValue,
    ReportingPeriod,
)
from pilot_portal.tenancy.models import Batch, City, District, Membership, Role, Sector


def _count_per_city(model, **filters):
    """Rows of `model` per city as a correlated subquery (joins would multiply the rows)."""
    counts = (
        model.objects.filter(city=OuterRef("pk"), **filters)
        .order_by()
        .values("city")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def city_list_for_overview(*, cities):
    """Cities with the counts an overseer's table shows, in one query."""
    return (
        cities.select_related("province")
        .annotate(
            district_count=_count_per_city(District),
            sector_count=_count_per_city(Sector),
            enterprise_count=_count_per_city(Enterprise),
        )
        .order_by("province__code", "code")
    )


def city_home_counts(*, city: City, membership: Membership | None) -> dict:
    """The counts a member's home page leads with: two queries, whatever the city's size."""
    enterprises = Enterprise.objects.for_city(city)
    if membership is not None and membership.role == Role.DISTRICT_OFFICER:
        enterprises = enterprises.filter(district_id=membership.district_id)
    counts = enterprises.aggregate(
        enterprises=Count("pk"),
        above_size=Count("pk", filter=Q(size="above")),
        level_2_plus=Count("pk", filter=Q(current_level__gte=2)),
    )
    per_city = (
        City.objects.filter(pk=city.pk)
        .annotate(
            n_districts=_count_per_city(District),
            n_sectors=_count_per_city(Sector),
            n_batches=_count_per_city(Batch),
            n_members=_count_per_city(Membership, is_active=True),
        )
        .values("n_districts", "n_sectors", "n_batches", "n_members")
        .get()
    )
    counts.update({name.removeprefix("n_"): value for name, value in per_city.items()})
    return counts


def city_export_sheets(*, city: City):
    """(title, header, rows) for each sheet of the city export; rows are lazy iterables."""
    facts = [
        ("代码 code", city.code),
        ("名称 name", city.name),
        ("省份 province", city.province.name),
        ("区域 region", city.get_region_display()),
        ("层级 tier", city.get_tier_display()),
        ("批次年份 batch year", city.batch_year),
        ("中央奖补上限 award cap", str(city.award_cap)),
        ("实施期 period", f"{city.period_start} – {city.period_end}"),
    ]
    return [
        ("城市", ["项目", "值"], facts),
        ("区县", ["代码", "名称"], District.objects.for_city(city).values_list("code", "name")),
        (
            "细分行业",
            ["代码", "名称", "GB/T 4754"],
            Sector.objects.for_city(city).values_list("code", "name", "gbt_code"),
        ),
        (
            "批次",
            ["名称", "年份", "开始", "截止"],
            Batch.objects.for_city(city).values_list("name", "year", "opens", "closes"),
        ),
        (
            "企业",
            ["统一社会信用代码", "企业名称", "所属区县", "细分行业", "规模", "数字化水平"],
            Enterprise.objects.for_city(city)
            .order_by("uscc")
            .values_list("uscc", "name", "district__name", "sector__name", "size", "current_level"),
        ),
    ]


def city_factsheet_context(*, city: City) -> dict:
    return {
        "city": city,
        "districts": list(District.objects.for_city(city)),
        "sectors": list(Sector.objects.for_city(city)),
        "batches": list(Batch.objects.for_city(city)),
        "counts": city_home_counts(city=city, membership=None),
    }


# --- Performance indicators (issue 9) ---------------------------------------------------------


@dataclass
class IndicatorRow:
    indicator: Indicator
    target: Decimal | None  # to reach by the end of the year asked for (the total without one)
    actual: Decimal | None
    progress: Decimal | None  # actual / target; 1.0000 = reached
    explanation: str  # the metric's definition, or the accepted value's evidence and reviewer
    pending: ManualValue | None = None  # a manual value waiting for review

    @property
    def code(self):
        return self.indicator.code

    @property
    def reached(self) -> bool:
        return self.progress is not None and self.progress >= 1


def _latest_manual_values(city_ids) -> tuple[dict, dict]:
    """{indicator_id: latest accepted value}, {indicator_id: latest pending value} (one query)."""
    accepted, pending = {}, {}
    values = (
        ManualValue.objects.filter(city_id__in=city_ids)
        .exclude(status=ManualStatus.REJECTED)
        .select_related("evidence", "reviewed_by", "entered_by")
        .order_by("indicator_id", "-entered_at", "-pk")
    )
    for value in values:
        target = accepted if value.status == ManualStatus.ACCEPTED else pending
        target.setdefault(value.indicator_id, value)
    return accepted, pending


def indicator_rows(
    *, city: City, year: int | None = None, facts: CityFacts | None = None
) -> list[IndicatorRow]:
    """Each of the city's indicators with its target, live actual and progress (fixed queries:
    the indicators, the manual values and, unless given, the city's facts)."""
    indicators = list(Indicator.objects.for_city(city))
    if facts is None and any(i.source == IndicatorSource.COMPUTED for i in indicators):
        facts = city_facts([city.pk])[city.pk]
    accepted, pending = _latest_manual_values([city.pk])
    rows = []
    for indicator in indicators:
        target = rules.target_through(indicator.targets, year, indicator.total_target)
        if indicator.source == IndicatorSource.COMPUTED:
            metric = METRICS[indicator.metric]
            actual, explanation = metric.value(facts), metric.definition
        else:
            value = accepted.get(indicator.pk)
            actual = value.value if value else None
            explanation = _manual_explanation(value)
        rows.append(
            IndicatorRow(
                indicator=indicator,
                target=target,
                actual=actual,
                progress=rules.progress(actual, target),
                explanation=explanation,
                pending=pending.get(indicator.pk),
            )
        )
    return rows


def _manual_explanation(value: ManualValue | None) -> str:
    if value is None:
        return "尚无审核通过的填报值 / no accepted value yet"
    reviewer = value.reviewed_by.get_full_name() or value.reviewed_by.username
    return (
        f"填报值，证明材料：{value.evidence.name}；{reviewer} 审核通过 / entered value, evidence: "
        f"{value.evidence.name}; accepted by {reviewer}" + (f"；{value.note}" if value.note else "")
    )


NOT_FOUND_INDICATOR = "指标不存在 / no such indicator"
NOT_FOUND_VALUE = "填报值不存在 / no such value"
NOT_FOUND_PERIOD = "报告期不存在 / no such reporting period"


def get_indicator(*, city: City, code: str) -> Indicator:
    indicator = Indicator.objects.for_city(city).filter(code=code).first()
    if indicator is None:
        raise Http404(NOT_FOUND_INDICATOR)
    return indicator


def indicator_values(*, indicator: Indicator):
    """The indicator's entered values, newest first, with who entered and reviewed them."""
    return indicator.values.select_related("evidence", "entered_by", "reviewed_by", "indicator")


def pending_values(*, city: City):
    return (
        ManualValue.objects.for_city(city)
        .filter(status=ManualStatus.PENDING)
        .select_related("indicator", "evidence", "entered_by")
        .order_by("indicator__order", "entered_at")
    )


def get_value(*, city: City, pk) -> ManualValue:
    value = ManualValue.objects.for_city(city).select_related("indicator").filter(pk=pk).first()
    if value is None:
        raise Http404(NOT_FOUND_VALUE)
    return value


def period_list(*, city: City):
    return ReportingPeriod.objects.for_city(city).select_related("submitted_by")


def period_detail(*, city: City, pk, version: int | None = None) -> ReportingPeriod:
    """The period with `latest_figures` (those of `version`, default the last submitted) and
    `step_list` attached (three queries)."""
    period = period_list(city=city).filter(pk=pk).first()
    if period is None:
        raise Http404(NOT_FOUND_PERIOD)
    shown = version or period.version
    period.shown_version = shown
    period.latest_figures = list(period.figures.filter(version=shown).order_by("pk"))
    period.step_list = list(period.steps.select_related("actor"))
    return period
