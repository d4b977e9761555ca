"""The facts every computed indicator is read from, for any number of cities at once.

`city_facts(city_ids)` runs a fixed number of grouped queries (eleven) whatever the number of
cities or enterprises: every count and sum is computed in the database, grouped by city (and by
sector, size and SRDI status for the enterprises). The ministry dashboard asks for every city
in one call; a city's dashboard asks for one.

Definitions (the README's glossary repeats them):
* an enterprise's *level* is that of its latest locked diagnosis or acceptance (an imported or
  typed-in level without an assessment is not evidence);
* *transformed*: it has an accepted project and its latest locked acceptance is at level ≥ 2;
* *on the platform*: someone holds an active enterprise account for it.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from assessments.models import Assessment, AssessmentKind, AssessmentStatus
from enterprises.models import SRDI, Enterprise, Size
from enterprises.projects.models import ChainCase, Project, ProjectStatus
from pilot_portal.tenancy.models import Membership, Role, Sector
from providers.models import Product, ProductStatus, ProviderSelection, SelectionStatus
from subsidies.models import (
    ClaimStatus,
    FundPool,
    LedgerEntry,
    LedgerKind,
    RulebookVersion,
    SubsidyClaim,
)
from subsidies.rulebooks import rulebook_of

ZERO = Decimal("0.00")
COMMITTED = (ClaimStatus.APPROVED, ClaimStatus.PARTIALLY_PAID, ClaimStatus.PAID)
ASSESSED_KINDS = (AssessmentKind.DIAGNOSIS, AssessmentKind.ACCEPTANCE)
SRDI_ANY = (SRDI.PROVINCIAL, SRDI.LITTLE_GIANT)


@dataclass
class Group:
    """Enterprise counts of one (sector, size, SRDI) group of a city."""

    enterprises: int = 0
    on_platform: int = 0
    diagnosed: int = 0
    assessed: int = 0
    at_level_2: int = 0  # latest locked level >= 2
    transformed: int = 0
    transformed_level_4: int = 0


@dataclass
class SectorFacts:
    code: str
    name: str
    above: int = 0
    above_at_level_2: int = 0


@dataclass
class CityFacts:
    groups: dict[tuple, Group] = field(default_factory=dict)  # (sector_id, size, srdi) -> Group
    sectors: dict[int, SectorFacts] = field(default_factory=dict)  # the city's pilot sectors
    assessment_reports: int = 0
    projects: dict[str, int] = field(default_factory=dict)  # status -> count
    exemplary_projects: int = 0
    providers: dict[str, int] = field(default_factory=dict)  # kind -> selected, in the pool
    light_solutions: int = 0
    chain_cases: int = 0
    pools: dict[str, Decimal] = field(default_factory=dict)  # central / local -> allocated
    approved_by_use: dict[str, Decimal] = field(default_factory=dict)
    paid_by_use: dict[str, Decimal] = field(default_factory=dict)
    computed_pending: Decimal = ZERO  # claims computed, not yet approved

    def count(self, attribute: str = "enterprises", **where) -> int:
        """Sum `attribute` over the groups matching `where` (size=…, srdi=…, srdi__in=…)."""
        total = 0
        for (_sector, size, srdi), group in self.groups.items():
            values = {"size": size, "srdi": srdi}
            if all(
                values[k.removesuffix("__in")] in v if k.endswith("__in") else values[k] == v
                for k, v in where.items()
            ):
                total += getattr(group, attribute)
        return total

    @property
    def approved(self) -> Decimal:
        return sum(self.approved_by_use.values(), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum(self.paid_by_use.values(), ZERO)


def _latest_level(kinds, city_ids):
    return Subquery(
        Assessment.objects.filter(
            city_id__in=city_ids,
            enterprise=OuterRef("pk"),
            status=AssessmentStatus.LOCKED,
            kind__in=kinds,
        )
        .order_by("-locked_at", "-pk")
        .values("level")[:1],
        output_field=IntegerField(),
    )


def _enterprise_groups(facts: dict[int, CityFacts], city_ids) -> None:
    # Every subquery names the cities too: without it PostgreSQL hashes the whole country's
    # assessments and projects for one city's page.
    locked = Assessment.objects.filter(
        city_id__in=city_ids, enterprise=OuterRef("pk"), status=AssessmentStatus.LOCKED
    )
    rows = (
        Enterprise.objects.filter(city_id__in=city_ids)
        .annotate(
            level=_latest_level(ASSESSED_KINDS, city_ids),
            after=_latest_level((AssessmentKind.ACCEPTANCE,), city_ids),
            accepted=Exists(
                Project.objects.filter(
                    city_id__in=city_ids, enterprise=OuterRef("pk"), status=ProjectStatus.ACCEPTED
                )
            ),
            has_account=Exists(
                Membership.objects.filter(
                    city_id__in=city_ids,
                    enterprise=OuterRef("pk"),
                    role=Role.ENTERPRISE,
                    is_active=True,
                )
            ),
            has_diagnosis=Exists(locked.filter(kind=AssessmentKind.DIAGNOSIS)),
            has_assessment=Exists(locked.filter(kind__in=ASSESSED_KINDS)),
        )
        .values("city_id", "sector_id", "size", "srdi")
        .annotate(
            n=Count("pk"),
            on_platform=Count("pk", filter=Q(has_account=True)),
            diagnosed=Count("pk", filter=Q(has_diagnosis=True)),
            assessed=Count("pk", filter=Q(has_assessment=True)),
            at_level_2=Count("pk", filter=Q(level__gte=2)),
            transformed=Count("pk", filter=Q(accepted=True, after__gte=2)),
            transformed_level_4=Count("pk", filter=Q(accepted=True, after__gte=4)),
        )
        .order_by()
    )
    for row in rows:
        facts[row["city_id"]].groups[(row["sector_id"], row["size"], row["srdi"])] = Group(
            enterprises=row["n"],
            on_platform=row["on_platform"],
            diagnosed=row["diagnosed"],
            assessed=row["assessed"],
            at_level_2=row["at_level_2"],
            transformed=row["transformed"],
            transformed_level_4=row["transformed_level_4"],
        )
    for sector in Sector.objects.filter(city_id__in=city_ids).order_by("code"):
        facts[sector.city_id].sectors[sector.pk] = SectorFacts(sector.code, sector.name)
    for city in facts.values():
        for (sector_id, size, _srdi), group in city.groups.items():
            if size == Size.ABOVE and sector_id in city.sectors:
                city.sectors[sector_id].above += group.enterprises
                city.sectors[sector_id].above_at_level_2 += group.at_level_2


def _per_city(queryset, facts, attribute, key=None):
    for row in queryset.order_by():
        target = facts[row["city_id"]]
        if key is None:
            setattr(target, attribute, row["n"])
        else:
            getattr(target, attribute)[row[key]] = row["n"]


def _funds(facts: dict[int, CityFacts], city_ids) -> None:
    today = timezone.localdate()
    fund_use: dict[int, dict[str, str]] = {}
    versions = RulebookVersion.objects.filter(
        city_id__in=city_ids, effective_from__lte=today
    ).order_by("city_id", "-effective_from", "-pk")
    for version in versions:
        if version.city_id not in fund_use:
            fund_use[version.city_id] = {
                line.code: line.fund_use for line in rulebook_of(version).lines
            }
    claims = (
        SubsidyClaim.objects.filter(city_id__in=city_ids)
        .exclude(status=ClaimStatus.VOID)
        .values("city_id", "kind", "status")
        .annotate(approved=Sum("approved_amount"), computed=Sum("computation__amount"))
        .order_by()
    )
    for row in claims:
        city = facts[row["city_id"]]
        use = fund_use.get(row["city_id"], {}).get(row["kind"], "enterprise")
        if row["status"] in COMMITTED:
            city.approved_by_use[use] = city.approved_by_use.get(use, ZERO) + (
                row["approved"] or ZERO
            )
        else:
            city.computed_pending += row["computed"] or ZERO
    ledger = (
        LedgerEntry.objects.filter(
            city_id__in=city_ids, kind__in=[LedgerKind.PAYMENT, LedgerKind.REFUND]
        )
        .values("city_id", "claim__kind", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in ledger:
        city = facts[row["city_id"]]
        use = fund_use.get(row["city_id"], {}).get(row["claim__kind"], "enterprise")
        sign = 1 if row["kind"] == LedgerKind.PAYMENT else -1
        city.paid_by_use[use] = city.paid_by_use.get(use, ZERO) + sign * (row["total"] or ZERO)
    for pool in FundPool.objects.filter(city_id__in=city_ids).values("city_id", "source", "amount"):
        facts[pool["city_id"]].pools[pool["source"]] = pool["amount"]


def city_facts(city_ids) -> dict[int, CityFacts]:
    """Facts of each city in `city_ids`, in eleven queries."""
    city_ids = list(city_ids)
    facts: dict[int, CityFacts] = defaultdict(CityFacts)
    for city_id in city_ids:
        facts[city_id] = CityFacts()
    if not city_ids:
        return dict(facts)
    _enterprise_groups(facts, city_ids)
    _per_city(
        Assessment.objects.filter(
            city_id__in=city_ids, status=AssessmentStatus.LOCKED, kind__in=ASSESSED_KINDS
        )
        .values("city_id")
        .annotate(n=Count("pk")),
        facts,
        "assessment_reports",
    )
    projects = (
        Project.objects.filter(city_id__in=city_ids)
        .values("city_id", "status")
        .annotate(n=Count("pk"), exemplary=Count("pk", filter=Q(exemplary=True)))
        .order_by()
    )
    for row in projects:
        facts[row["city_id"]].projects[row["status"]] = row["n"]
        facts[row["city_id"]].exemplary_projects += row["exemplary"]
    _per_city(
        ProviderSelection.objects.filter(city_id__in=city_ids, status=SelectionStatus.SELECTED)
        .values("city_id", "provider__kind")
        .annotate(n=Count("provider", distinct=True)),
        facts,
        "providers",
        key="provider__kind",
    )
    _per_city(
        Product.objects.filter(city_id__in=city_ids, status=ProductStatus.LISTED)
        .values("city_id")
        .annotate(n=Count("pk")),
        facts,
        "light_solutions",
    )
    _per_city(
        ChainCase.objects.filter(city_id__in=city_ids).values("city_id").annotate(n=Count("pk")),
        facts,
        "chain_cases",
    )
    _funds(facts, city_ids)
    return dict(facts)
