"""The ministry's (and a province's) table of every pilot city: enterprises transformed against
the regional minimum, the per-sector 90 % target, SRDI and little giants, funds against the
award, the flags of a city falling behind, and its latest submitted figures beside the live
ones.

Fixed queries whatever the number of cities: the cities, `city_facts` once for all of them
(eleven), and one for the latest submitted figures.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from pilot_portal.reporting import rules
from pilot_portal.reporting.facts import CityFacts, city_facts
from pilot_portal.reporting.metrics import METRICS
from pilot_portal.reporting.models import (
    Indicator,
    PeriodFigure,
    PeriodKind,
    PeriodStatus,
    ReportingPeriod,
)
from pilot_portal.tenancy.models import City, Region

REGION_ORDER = {region: n for n, region in enumerate(Region.values)}
GROUPINGS = ("region", "batch")


@dataclass(frozen=True)
class SectorShare:
    name: str
    above: int
    at_level_2: int
    share: Decimal  # % of the sector's above-size enterprises at level >= 2

    @property
    def meets(self) -> bool:
        return bool(rules.sector_meets(self.share))


@dataclass(frozen=True)
class Submitted:
    """The city's latest submitted period, and two of its frozen figures."""

    kind: str
    year: int
    version: int
    submitted_at: datetime
    transformed: Decimal | None
    above_size_share: Decimal | None

    @property
    def kind_label(self) -> str:
        return PeriodKind(self.kind).label


@dataclass
class NationalRow:
    city: City
    transformed: int
    minimum: int | None  # the regional minimum (northeast: the city's own target)
    progress: Decimal | None  # transformed / minimum; 1.0000 = reached
    sectors: list[SectorShare]  # pilot sectors that have above-size enterprises
    above_size_share: Decimal | None  # over every pilot sector
    srdi_share: Decimal | None
    little_giant_share: Decimal | None
    approved: Decimal
    paid: Decimal
    enterprise_share: Decimal | None  # % of the approved money for enterprises (>= 80)
    elapsed: Decimal  # % of the implementation period passed
    flags: list[rules.Flag] = field(default_factory=list)
    submitted: Submitted | None = None

    @property
    def sectors_meeting(self) -> int:
        return sum(1 for sector in self.sectors if sector.meets)

    @property
    def lowest_sector(self) -> SectorShare | None:
        return min(self.sectors, key=lambda s: (s.share, s.name), default=None)

    @property
    def srdi_targets_apply(self) -> bool:
        """The 90 % SRDI and 100 % little-giant targets bind the 2024 batch onwards only."""
        return self.city.batch_year >= 2024

    @property
    def srdi_meets(self) -> bool | None:
        if not self.srdi_targets_apply or self.srdi_share is None:
            return None
        return self.srdi_share >= rules.SRDI_TARGET

    @property
    def little_giant_meets(self) -> bool | None:
        if not self.srdi_targets_apply or self.little_giant_share is None:
            return None
        return self.little_giant_share >= rules.LITTLE_GIANT_TARGET

    @property
    def paid_of_award(self) -> Decimal | None:
        return rules.percent(self.paid, self.city.award_cap)

    @property
    def approved_of_award(self) -> Decimal | None:
        return rules.percent(self.approved, self.city.award_cap)

    @property
    def progress_percent(self) -> Decimal | None:
        return rules.percent(self.transformed, self.minimum) if self.minimum else None


@dataclass
class Group:
    """A region's or a batch year's cities, with their totals."""

    key: str
    label: str
    rows: list[NationalRow]

    @property
    def transformed(self) -> int:
        return sum(row.transformed for row in self.rows)

    @property
    def minimum(self) -> int:
        return sum(row.minimum or 0 for row in self.rows)

    @property
    def flagged(self) -> int:
        return sum(1 for row in self.rows if row.flags)


def _value(key: str, facts: CityFacts):
    return METRICS[key].value(facts)


def _sectors(facts: CityFacts) -> list[SectorShare]:
    return [
        SectorShare(s.name, s.above, s.above_at_level_2, rules.percent(s.above_at_level_2, s.above))
        for s in facts.sectors.values()
        if s.above  # a sector without above-size enterprises can neither meet nor miss 90 %
    ]


def _figure(metric: str):
    """The period's frozen actual of the city's indicator counted by `metric` (its first, by
    order). The indicator is picked by its city first: a join on the metric alone scans every
    city's indicators once per period (quadratic in the number of cities)."""
    indicator = (
        Indicator.objects.filter(city=OuterRef(OuterRef("city")), metric=metric)
        .order_by("order", "pk")
        .values("pk")[:1]
    )
    return Subquery(
        PeriodFigure.objects.filter(
            period=OuterRef("pk"), version=OuterRef("version"), indicator=Subquery(indicator)
        )
        .order_by()  # one row at most (unique per version); the default order joins 2 tables
        .values("actual")[:1]
    )


def _cents(value) -> Decimal | None:
    # SQLite returns a subquery's decimal unquantised (85, not 85.00); PostgreSQL keeps the scale.
    return None if value is None else Decimal(value).quantize(rules.PERCENT)


def latest_submitted(city_ids) -> dict[int, Submitted]:
    """{city_id: its latest submitted period with two figures}, in one query. A period
    reopened for correction is not submitted: the one submitted before it shows instead."""
    latest = (
        ReportingPeriod.objects.filter(city=OuterRef("city"), status=PeriodStatus.SUBMITTED)
        .order_by("-submitted_at", "-pk")
        .values("pk")[:1]
    )
    periods = (
        ReportingPeriod.objects.filter(city_id__in=list(city_ids), pk=Subquery(latest))
        .annotate(
            transformed=_figure("enterprises_transformed"),
            above_size_share=_figure("above_size_level2_share"),
        )
        .values(
            "city_id", "kind", "year", "version", "submitted_at", "transformed", "above_size_share"
        )
        .order_by()
    )
    return {
        p["city_id"]: Submitted(
            p["kind"],
            p["year"],
            p["version"],
            p["submitted_at"],
            _cents(p["transformed"]),
            _cents(p["above_size_share"]),
        )
        for p in periods
    }


def _row(city: City, facts: CityFacts, submitted: Submitted | None, today: date) -> NationalRow:
    transformed = int(_value("enterprises_transformed", facts))
    minimum = rules.regional_minimum(city.region, city.enterprises_target)
    sectors = _sectors(facts)
    row = NationalRow(
        city=city,
        transformed=transformed,
        minimum=minimum,
        progress=rules.progress(Decimal(transformed), minimum),
        sectors=sectors,
        above_size_share=_value("above_size_level2_share", facts),
        srdi_share=_value("srdi_level2_share", facts),
        little_giant_share=_value("little_giant_level2_share", facts),
        approved=facts.approved,
        paid=facts.paid,
        enterprise_share=_value("enterprise_funds_share", facts),
        elapsed=rules.elapsed_share(city.period_start, city.period_end, today),
        submitted=submitted,
    )
    row.flags = rules.city_flags(
        transformed=transformed,
        minimum=minimum,
        elapsed=row.elapsed,
        sectors_below=[s.name for s in sectors if not s.meets],
        period_over=today > city.period_end,
        enterprise_share=row.enterprise_share,
        little_giant_share=row.little_giant_share,
        batch_year=city.batch_year,
    )
    return row


def _worst_first(row: NationalRow):
    # No minimum to measure against (a northeast city without a target): last.
    return (row.progress is None, row.progress or 0, row.city.code)


def national_rows(*, cities, today: date | None = None) -> list[NationalRow]:
    """One row per city of `cities` (a queryset, e.g. `policy.visible_cities(user)`), by region
    then worst progress first."""
    today = today or timezone.localdate()
    city_list = list(cities.select_related("province").order_by("code"))
    ids = [city.pk for city in city_list]
    facts = city_facts(ids)
    submitted = latest_submitted(ids) if ids else {}
    rows = [_row(city, facts[city.pk], submitted.get(city.pk), today) for city in city_list]
    return sorted(rows, key=lambda r: (REGION_ORDER.get(r.city.region, 99), _worst_first(r)))


def national_groups(rows: list[NationalRow], *, by: str = "region") -> list[Group]:
    """`rows` grouped by region (east, central, west, northeast) or batch year (oldest first),
    each group worst progress first."""
    if by not in GROUPINGS:
        raise ValueError(f"group by region or batch, not {by!r}")
    groups: dict = {}
    for row in rows:
        key = row.city.region if by == "region" else row.city.batch_year
        groups.setdefault(key, []).append(row)
    if by == "region":
        ordered = sorted(groups, key=lambda k: REGION_ORDER.get(k, 99))
        labels = dict(Region.choices)
        return [
            Group(str(k), str(labels.get(k, k)), sorted(groups[k], key=_worst_first))
            for k in ordered
        ]
    return [Group(str(k), str(k), sorted(groups[k], key=_worst_first)) for k in sorted(groups)]
