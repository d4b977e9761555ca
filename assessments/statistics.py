"""Statistics of digital levels, aggregated in the database (a fixed number of queries).

Every figure counts each enterprise once, by its latest *locked* assessment of the kinds in
question (a draft or a submitted assessment is not yet a level; a revision, once locked, is
the latest). The basis chooses the kinds:

* ``current``: the latest locked diagnosis or acceptance, whichever was locked last — the
  enterprise's level as the city knows it now;
* ``diagnosis`` / ``acceptance``: that kind alone (before / after the transformation).

A district officer counts only their district's enterprises (`policy.enterprise_scope`);
another city's assessments never enter a figure.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from assessments.models import Assessment, AssessmentKind, AssessmentStatus
from enterprises.models import Enterprise, Size
from pilot_portal.tenancy import policy

LEVELS = (None, 1, 2, 3, 4)  # "no level" first: the columns of every distribution
BASES = {
    "current": (AssessmentKind.DIAGNOSIS, AssessmentKind.ACCEPTANCE),
    "diagnosis": (AssessmentKind.DIAGNOSIS,),
    "acceptance": (AssessmentKind.ACCEPTANCE,),
}
# The national target: 90 % of above-size enterprises in the pilot sectors at level 2 or more.
TARGET_SHARE = Decimal("0.90")
TARGET_LEVEL = 2
GROUPINGS = ("sector", "district")


def _latest_locked(kinds, *, enterprise=None):
    """The latest locked assessment of `kinds` of the enterprise in `enterprise` (an OuterRef)."""
    return Assessment.objects.filter(
        enterprise=enterprise if enterprise is not None else OuterRef("enterprise"),
        status=AssessmentStatus.LOCKED,
        kind__in=kinds,
    ).order_by("-locked_at", "-pk")


def latest_locked_assessments(*, city, user, basis: str = "current") -> QuerySet[Assessment]:
    """One row per enterprise the user sees: its latest locked assessment of the basis' kinds."""
    kinds = BASES[basis]
    return (
        Assessment.objects.for_city(city)
        .filter(policy.enterprise_scope(user, city, prefix="enterprise__"))
        .filter(
            status=AssessmentStatus.LOCKED,
            kind__in=kinds,
            pk=Subquery(_latest_locked(kinds).values("pk")[:1]),
        )
    )


def _level_counts() -> dict:
    """One Count(…) per level column: no level, 1, 2, 3, 4."""
    return {
        "level_none": Count("pk", filter=Q(level__isnull=True)),
        **{f"level_{n}": Count("pk", filter=Q(level=n)) for n in LEVELS[1:]},
    }


@dataclass
class DistributionRow:
    key: int | None  # sector or district id; None: not recorded
    name: str | None
    counts: list[int]  # per LEVELS: none, 1, 2, 3, 4
    # Sector rows only: above-size enterprises assessed, and of them at level >= 2.
    above_assessed: int = 0
    above_at_target: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts)


def level_distribution(*, city, user, by: str, basis: str = "current") -> list[DistributionRow]:
    """Enterprises by level (none, 1–4) per sector or district, in code order (one query).

    Per sector the same query also counts the above-size enterprises and those at level ≥ 2.
    """
    if by not in GROUPINGS:
        raise ValueError(by)
    rows = (
        latest_locked_assessments(city=city, user=user, basis=basis)
        .values(f"enterprise__{by}_id", f"enterprise__{by}__name", f"enterprise__{by}__code")
        .annotate(
            **_level_counts(),
            above=Count("pk", filter=Q(enterprise__size=Size.ABOVE)),
            above_at_target=Count(
                "pk", filter=Q(enterprise__size=Size.ABOVE, level__gte=TARGET_LEVEL)
            ),
        )
        .order_by(f"enterprise__{by}__code")
    )
    return [
        DistributionRow(
            key=row[f"enterprise__{by}_id"],
            name=row[f"enterprise__{by}__name"],
            counts=[row["level_none"], *(row[f"level_{n}"] for n in LEVELS[1:])],
            above_assessed=row["above"],
            above_at_target=row["above_at_target"],
        )
        for row in rows
    ]


def distribution_totals(rows: list[DistributionRow]) -> list[int]:
    return [sum(row.counts[i] for row in rows) for i in range(len(LEVELS))]


def _share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@dataclass
class TargetRow:
    key: int | None
    name: str | None
    above_enterprises: int  # above-size enterprises the user sees in the sector
    assessed: int  # of them with a locked assessment of the basis
    at_target: int  # of those at level >= 2
    share: Decimal | None  # at_target / assessed (None: none assessed)

    @property
    def not_assessed(self) -> int:
        return self.above_enterprises - self.assessed

    @property
    def meets_target(self) -> bool:
        return self.share is not None and self.share >= TARGET_SHARE

    @property
    def percent(self) -> Decimal | None:
        return None if self.share is None else (self.share * 100).quantize(Decimal("0.1"))


def above_size_target(
    *, city, user, sector_rows: list[DistributionRow] | None = None, basis: str = "current"
) -> list[TargetRow]:
    """Per sector: the share of assessed above-size enterprises at level ≥ 2, against 90 %.

    The share is over the *assessed* above-size enterprises; those not yet assessed are
    counted beside it (`not_assessed`), so a sector can't pass by leaving its weak ones out
    unseen. Pass the sector distribution when it is already at hand (saves its query).
    """
    if sector_rows is None:
        sector_rows = level_distribution(city=city, user=user, by="sector", basis=basis)
    above = (
        Enterprise.objects.for_city(city)
        .filter(policy.enterprise_scope(user, city), size=Size.ABOVE)
        .values("sector_id", "sector__name", "sector__code")
        .annotate(n=Count("pk"))
        .order_by("sector__code")
    )
    assessed = {row.key: row for row in sector_rows}
    result = []
    for row in above:
        sector = assessed.get(row["sector_id"])
        done = sector.above_assessed if sector else 0
        at_target = sector.above_at_target if sector else 0
        result.append(
            TargetRow(
                key=row["sector_id"],
                name=row["sector__name"],
                above_enterprises=row["n"],
                assessed=done,
                at_target=at_target,
                share=_share(at_target, done),
            )
        )
    return result


@dataclass
class Movement:
    """Diagnosis level → acceptance level, for enterprises with both locked."""

    matrix: list[list[int]]  # [diagnosis index][acceptance index], index 0 = no level

    @property
    def total(self) -> int:
        return sum(map(sum, self.matrix))

    def _count(self, test) -> int:
        size = len(LEVELS)
        return sum(self.matrix[b][a] for b in range(size) for a in range(size) if test(b, a))

    @property
    def improved(self) -> int:
        return self._count(lambda before, after: after > before)

    @property
    def same(self) -> int:
        return self._count(lambda before, after: after == before)

    @property
    def worse(self) -> int:
        return self._count(lambda before, after: after < before)

    @property
    def rows(self) -> list[tuple[int | None, list[int]]]:
        return list(zip(LEVELS, self.matrix, strict=True))


def level_movement(*, city, user) -> Movement:
    """Each enterprise's latest locked diagnosis against its latest locked acceptance (one
    query). "No level" counts as below level 1."""
    diagnosis = _latest_locked((AssessmentKind.DIAGNOSIS,))
    rows = (
        latest_locked_assessments(city=city, user=user, basis="acceptance")
        .filter(Exists(diagnosis))
        .annotate(before=Subquery(diagnosis.values("level")[:1]))
        .values("before", "level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    matrix = [[0] * len(LEVELS) for _ in LEVELS]
    for row in rows:
        matrix[row["before"] or 0][row["level"] or 0] += row["n"]
    return Movement(matrix=matrix)


@dataclass
class Statistics:
    basis: str
    by_sector: list[DistributionRow]
    by_district: list[DistributionRow]
    target: list[TargetRow]
    movement: Movement

    @property
    def totals(self) -> list[int]:
        return distribution_totals(self.by_sector)

    @property
    def below_target(self) -> list[TargetRow]:
        return [row for row in self.target if row.share is not None and not row.meets_target]


def assessment_statistics(*, city, user, basis: str = "current") -> Statistics:
    """Everything the statistics page shows, in four queries whatever the city's size."""
    by_sector = level_distribution(city=city, user=user, by="sector", basis=basis)
    return Statistics(
        basis=basis,
        by_sector=by_sector,
        by_district=level_distribution(city=city, user=user, by="district", basis=basis),
        target=above_size_target(city=city, user=user, sector_rows=by_sector, basis=basis),
        movement=level_movement(city=city, user=user),
    )
