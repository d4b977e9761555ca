"""Loading the seed cities' facts from `seed-cities.json` (never retyped here)."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from pilot_portal.audit.services import with_actor
from pilot_portal.tenancy.models import Batch, City, District, Province, Sector


def load_seed_file(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


@transaction.atomic
def city_load_from_seed(*, data: dict, provinces: dict[str, str], actor=None) -> City:
    """Create or update one city and its districts, sectors and batches (idempotent)."""
    province, _ = Province.objects.update_or_create(
        code=data["province_code"],
        defaults={"name": provinces.get(data["province_code"], data["province"])},
    )
    city = City.objects.filter(code=data["code"]).first() or City(code=data["code"])
    ratio = data.get("local_matching_ratio")
    for field, value in {
        "name": data["name"],
        "name_en": data.get("name_en", ""),
        "province": province,
        "division_code": data.get("division_code", ""),
        "region": data["region"],
        "tier": data["tier"],
        "batch_year": data["batch_year"],
        "award_cap": Decimal(data["award_cap"]),
        "local_matching_ratio": Decimal(ratio) if ratio is not None else None,
        "period_start": date.fromisoformat(data["period_start"]),
        "period_end": date.fromisoformat(data["period_end"]),
        "enterprises_target": data.get("enterprises_target"),
    }.items():
        setattr(city, field, value)
    with_actor(city, actor).save()
    for code, name in data["districts"]:
        District.objects.update_or_create(city=city, code=code, defaults={"name": name})
    for code, name in data["sectors"]:
        Sector.objects.update_or_create(
            city=city, code=code, defaults={"name": name, "gbt_code": code}
        )
    for name, year, opens, closes in data["batches"]:
        Batch.objects.update_or_create(
            city=city,
            name=name,
            defaults={
                "year": year,
                "opens": date.fromisoformat(opens),
                "closes": date.fromisoformat(closes),
            },
        )
    return city
