"""A small pilot city with known figures, for exact metric tests (see `reporting_world`)."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from enterprises.models import Project
from enterprises.projects.models import ChainCase
from pilot_portal.reporting.services import indicators_install, shipped_metric_map
from subsidies.models import LedgerEntry, SubsidyClaim
from subsidies.rulebooks import rulebook_install_shipped
from tests.factories import (
    AssessmentFactory,
    CityFactory,
    EnterpriseFactory,
    MembershipFactory,
    ProductFactory,
    ProviderFactory,
    ProviderSelectionFactory,
    SectorFactory,
    UserFactory,
    acceptance_locked,
)

SEED_ROWS = {  # two rows of each seed city's table shape (code, name, unit, targets, total)
    "transformed": ["1", "拟改造数字化转型企业数量", "家", {"2025": "10", "2026": "20"}, "30"],
    "share": ["15", "规上企业达到二级及以上比例", "%", {"2025": "54", "2026": "36"}, "90"],
    "manual": ["4", "问题清单（目录）", "个", {"2025": "3", "2026": "3"}, "6"],
}


def _enterprise(city, sector, *, size="above", srdi="none", diagnosis=None, accepted=None, by=None):
    """An enterprise with an optional locked diagnosis at level `diagnosis` and an optional
    accepted project whose locked acceptance is at level `accepted` (locked later)."""
    enterprise = EnterpriseFactory(city=city, sector=sector, size=size, srdi=srdi)
    now = timezone.now()
    if diagnosis is not None:
        AssessmentFactory(
            city=city, enterprise=enterprise, kind="diagnosis", status="locked",
            level=diagnosis or None, locked_at=now - timezone.timedelta(days=30),
        )  # fmt: skip
    if accepted is not None:
        project = Project.objects.create(
            city=city, enterprise=enterprise, provider=ProviderFactory(), title="改造",
            contract_amount=Decimal("100000.00"), planned_start=date(2025, 1, 1),
            planned_end=date(2025, 6, 30), status="accepted", created_by=by or UserFactory(),
        )  # fmt: skip
        acceptance_locked(project, level=accepted, locked_at=now)
    return enterprise


def reporting_world(**city_fields):
    """A 2024-batch east city whose figures the tests know:

    * sector A, above-size: 9 at level >= 2 (one transformed to level 3, provincial SRDI) and 1
      at level 1 (provincial SRDI) -> 90 %;
    * sector B, above-size: 8 at level 2, 2 never assessed (one a little giant, one with only
      a *submitted* diagnosis at level 3, which is no level) -> 80 %;
    * below-size in sector A: transformed to level 2, transformed to level 4 (a little giant),
      and accepted at level 1 (not transformed);
    * 3 pool providers (2 integrators, 1 product), 1 applicant; 2 listed products, 1 waiting;
      1 chain case; 1 exemplary project;
    * claims: transformation approved 300,000.00 (paid 100,000.00), chain case (ecosystem)
      approved 100,000.00, a diagnosis computed and not yet approved.
    """
    city = CityFactory(**city_fields)
    a = SectorFactory(city=city, name="起重设备")
    b = SectorFactory(city=city, name="医疗器械")
    admin = MembershipFactory(city=city, role="city_admin").user
    transformed_above = _enterprise(city, a, srdi="provincial", diagnosis=2, accepted=3)
    for _ in range(8):
        _enterprise(city, a, diagnosis=2)
    _enterprise(city, a, srdi="provincial", diagnosis=1)
    for _ in range(8):
        _enterprise(city, b, diagnosis=2)
    _enterprise(city, b, srdi="little_giant")
    unassessed = _enterprise(city, b)
    AssessmentFactory(city=city, enterprise=unassessed, status="submitted", level=3)
    _enterprise(city, a, size="below", accepted=2)
    _enterprise(city, a, size="below", srdi="little_giant", accepted=4)
    _enterprise(city, a, size="below", accepted=1)

    for kind in ("integrator", "integrator", "product"):
        ProviderSelectionFactory(city=city, provider=ProviderFactory(kind=kind), status="selected")
    ProviderSelectionFactory(city=city, status="applied")
    ProductFactory(city=city)
    ProductFactory(city=city)
    ProductFactory(city=city, status="submitted")
    project = Project.objects.get(enterprise=transformed_above)
    project.exemplary = True
    project.save(update_fields=["exemplary"])
    chain = ChainCase.objects.create(
        city=city, title="起重链式改造", leader_enterprise=transformed_above, created_by=admin
    )

    rulebook_install_shipped(city, source="shenyang")
    claims = [
        SubsidyClaim.objects.create(
            city=city, kind="transformation", enterprise=transformed_above, project=project,
            status="partially_paid", approved_amount=Decimal("300000.00"),
            paid_amount=Decimal("100000.00"),
        ),
        SubsidyClaim.objects.create(
            city=city, kind="chain_case", chain_case=chain, status="approved",
            enterprise=transformed_above,
            approved_amount=Decimal("100000.00"),
        ),
        SubsidyClaim.objects.create(city=city, kind="diagnosis", enterprise=unassessed),
    ]  # fmt: skip
    LedgerEntry.objects.create(
        city=city, claim=claims[0], kind="payment", amount=Decimal("100000.00"), instalment=1,
        paid_on=date(2025, 12, 1), recorded_by=admin,
    )  # fmt: skip
    indicators_install(
        city=city,
        rows=list(SEED_ROWS.values()),
        metrics={"1": "enterprises_transformed", "15": "above_size_level2_share"},
    )
    return {"city": city, "admin": admin, "sectors": (a, b)}


def install_shipped_indicators(city, source: str):
    """Install a seed city's whole indicator table on `city` (as the demo does)."""
    import json

    from django.conf import settings

    data = json.loads((settings.SEED_DATA_DIR / "seed-cities.json").read_text(encoding="utf-8"))
    rows = next(c for c in data["cities"] if c["code"] == source)["indicators"]
    return indicators_install(city=city, rows=rows, metrics=shipped_metric_map()[source])
