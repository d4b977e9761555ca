"""Worlds for the verification runs' tests (helper B): a city with enterprises, a batch, its
officials, and a stand-in for the checks that finds what an enterprise's name says."""

from enterprises.models import Application, Enterprise
from pilot_portal.verification.findings import FindingSpec
from tests.factories import (
    BatchFactory,
    CityFactory,
    DistrictFactory,
    EnterpriseFactory,
    MembershipFactory,
)


def fake_findings_for(city, enterprise_ids):
    """One query, whatever the number of enterprises: an error for a name with "BAD" in it, a
    warning for "WARN", and an info about every enterprise's district when it has "INFO"."""
    rows = (
        Enterprise.objects.filter(city=city, pk__in=enterprise_ids)
        .order_by("pk")
        .values_list("pk", "name", "district_id")
    )
    found = []
    for pk, name, district_id in rows:
        if "BAD" in name:
            found.append(
                FindingSpec(
                    "name_bad", "error", pk, f"名称有误：{name}", f"bad name: {name}",
                    object_type="enterprises.enterprise", object_id=pk, details={"name": name},
                )
            )  # fmt: skip
        if "WARN" in name:
            found.append(
                FindingSpec(
                    "name_warn", "warning", pk, "名称可疑", "suspicious name",
                    object_type="enterprises.enterprise", object_id=pk,
                )
            )  # fmt: skip
        if "INFO" in name:
            found.append(
                FindingSpec(
                    "district_info", "info", pk, "区县", "district",
                    object_type="tenancy.district", object_id=district_id,
                )
            )  # fmt: skip
    return found


def use_fake_checks(monkeypatch):
    """The checks' stand-in, for a test (the real checks have their own tests, and one run)."""
    monkeypatch.setattr("pilot_portal.verification.checks.findings_for", fake_findings_for)


def verification_world(names=("甲", "乙 BAD", "丙 WARN", "丁", "戊 BAD WARN", "己", "庚 INFO")):
    """A city with one enterprise per name, all applying in `batch`; its officials."""
    city = CityFactory()
    district = DistrictFactory(city=city)
    batch = BatchFactory(city=city)
    enterprises = [EnterpriseFactory(city=city, name=name, district=district) for name in names]
    Application.objects.bulk_create(
        Application(city=city, enterprise=e, batch=batch, status="approved") for e in enterprises
    )
    return {
        "city": city,
        "district": district,
        "batch": batch,
        "enterprises": enterprises,
        "admin": MembershipFactory(city=city, role="city_admin").user,
        "auditor": MembershipFactory(city=city, role="auditor").user,
        "finance": MembershipFactory(city=city, role="finance_officer").user,
        "district_officer": MembershipFactory(
            city=city, role="district_officer", district=district
        ).user,
    }
