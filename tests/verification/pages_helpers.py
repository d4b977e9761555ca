"""A city with two districts, enterprises in each, its officials, and verification runs with
findings and samples written directly (the pages read runs; how runs are made is tested with the
services)."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from enterprises.models import Enterprise, InvestmentLine, Project
from pilot_portal.verification.findings import FindingSpec
from pilot_portal.verification.models import (
    Finding,
    InspectionItem,
    InspectionSample,
    VerificationChunk,
    VerificationRun,
)
from tests.factories import (
    BatchFactory,
    CityFactory,
    DistrictFactory,
    EnterpriseFactory,
    MembershipFactory,
    ProviderFactory,
)


def pages_world():
    """City A (two districts, three enterprises, a batch and every role that reads runs) and a
    city B with an enterprise of its own."""
    city = CityFactory(name="核查市")
    north, south = DistrictFactory(city=city, name="北区"), DistrictFactory(city=city, name="南区")
    world = {
        "city": city,
        "north": north,
        "south": south,
        "batch": BatchFactory(city=city, name="第一批"),
        "alpha": EnterpriseFactory(city=city, name="甲智造有限公司", district=north),
        "beta": EnterpriseFactory(city=city, name="乙科技有限公司", district=north),
        "gamma": EnterpriseFactory(city=city, name="丙精工有限公司", district=south),
        "admin": MembershipFactory(city=city, role="city_admin").user,
        "auditor": MembershipFactory(city=city, role="auditor").user,
        "finance": MembershipFactory(city=city, role="finance_officer").user,
        "district": MembershipFactory(city=city, role="district_officer", district=north).user,
        "assessor": MembershipFactory(city=city, role="assessor").user,
    }
    world["owner"] = MembershipFactory(city=city, role="enterprise", enterprise=world["alpha"]).user
    other = CityFactory(name="他市")
    world["other_city"] = other
    world["other_enterprise"] = EnterpriseFactory(city=other, name="他市企业有限公司")
    world["other_admin"] = MembershipFactory(city=other, role="city_admin").user
    return world


def make_run(city, *, actor=None, batch=None, status="succeeded", findings=(), counts=None,
             chunks=(1, 1), created_at=None, job=None):  # fmt: skip
    """A run over every enterprise of the city (one chunk) with `findings`: (code, severity,
    enterprise, object_type, object_id) tuples or FindingSpecs. A finished run records its
    counts, as the services do."""
    ids = sorted(Enterprise.objects.filter(city=city).values_list("pk", flat=True))
    run = VerificationRun.objects.create(
        city=city, batch=batch, status=status, started_by=actor, job=job,
        enterprise_count=len(ids), chunks_done=chunks[0], chunks_total=chunks[1],
        finished_at=timezone.now() if status != "running" else None,
    )  # fmt: skip
    VerificationChunk.objects.create(
        city=city, run=run, index=0, enterprise_ids=ids, done=status != "running"
    )
    if created_at is not None:
        VerificationRun.objects.filter(pk=run.pk).update(created_at=created_at)
        run.refresh_from_db()
    rows = []
    for item in findings:
        spec = item if isinstance(item, FindingSpec) else spec_of(*item)
        rows.append(
            Finding(
                city=city, run=run, chunk=0, enterprise_id=spec.enterprise_id,
                severity=spec.severity, code=spec.code, message_zh=spec.message_zh,
                message_en=spec.message_en, object_type=spec.object_type,
                object_id=spec.object_id, details=spec.details, fingerprint=spec.fingerprint,
            )
        )  # fmt: skip
    Finding.objects.bulk_create(rows)
    if status != "running":
        run.counts = counts if counts is not None else stored_counts(rows)
        run.save(update_fields=["counts"])
    return run


def spec_of(code, severity, enterprise, object_type="", object_id=None, details=None):
    name = enterprise.name if enterprise is not None else "城市级问题"
    return FindingSpec(
        code=code, severity=severity,
        enterprise_id=enterprise.pk if enterprise is not None else None,
        message_zh=f"{name}：{code} 的问题", message_en=f"{name}: a {code} problem",
        object_type=object_type or ("enterprises.enterprise" if enterprise is not None else ""),
        object_id=object_id if object_id is not None else getattr(enterprise, "pk", None),
        details=details or {},
    )  # fmt: skip


def stored_counts(rows) -> dict:
    counts = {"error": 0, "warning": 0, "info": 0}
    by_code: dict[str, int] = {}
    for row in rows:
        counts[row.severity] += 1
        by_code[row.code] = by_code.get(row.code, 0) + 1
    return {**counts, "total": len(rows), "by_code": by_code}


def make_project(world, enterprise=None):
    """A project of the enterprise (alpha) with one software investment line."""
    project = Project.objects.create(
        city=world["city"], enterprise=enterprise or world["alpha"], provider=ProviderFactory(),
        title="数字化改造", contract_amount=Decimal("100000.00"), planned_start=date(2026, 1, 1),
        planned_end=date(2026, 6, 30), created_by=world["admin"],
    )  # fmt: skip
    line = InvestmentLine.objects.create(
        city=world["city"], project=project, category="software", amount=Decimal("1000.00"),
        description="ERP", created_by=world["admin"],
    )  # fmt: skip
    return project, line


def make_sample(run, actor, enterprises, *, seed=20260101):
    sample = InspectionSample.objects.create(
        city=run.city, run=run, seed=seed, size=len(enterprises), created_by=actor
    )
    for rank, enterprise in enumerate(enterprises, start=1):
        InspectionItem.objects.create(
            city=run.city, sample=sample, enterprise=enterprise, rank=rank,
            weight=Decimal("3.5000") - rank, reasons=[["2 个错误", "2 errors"]],
        )  # fmt: skip
    return sample


def many_findings(world, n):
    """n findings spread over the city's enterprises and codes."""
    enterprises = [world["alpha"], world["beta"], world["gamma"]]
    codes = [("uscc_check_digit", "error"), ("district_missing", "warning"),
             ("exclusion_overridden", "info")]  # fmt: skip
    return [spec_of(*codes[i % 3], enterprises[i % 3], details={"i": i}) for i in range(n)]
