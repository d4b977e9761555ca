"""A city's rulebook versions in the database: installing the shipped ones, and which is in
effect on a day. The shape and its validation are `subsidies.rulebook` (pure)."""

import json
from datetime import date
from functools import lru_cache

from django.db import transaction
from django.utils import timezone

from pilot_portal.errors import Conflict
from subsidies.models import RulebookVersion
from subsidies.rulebook import DATA_DIR, Rulebook, validate


def rulebook_install_shipped(city, *, source: str | None = None) -> RulebookVersion | None:
    """Install the rulebook shipped for a seed city (idempotent); None for other cities.

    `source` names another seed city's file (tests and new cities start from one)."""
    path = DATA_DIR / f"{source or city.code}.json"
    if not path.exists():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    rulebook = validate(raw)
    with transaction.atomic():
        version, _created = RulebookVersion.objects.get_or_create(
            city=city,
            version=rulebook.version,
            defaults={
                "effective_from": rulebook.effective_from,
                "effective_to": rulebook.effective_to,
                "data": raw,
                "shipped": True,
                "note": raw.get("effective_note", ""),
            },
        )
    return version


def rulebook_in_effect(city, on: date | None = None) -> RulebookVersion:
    """The version in effect on `on` (today by default): the latest that started by then.

    A version past its `effective_to` still applies when no later one exists: claims of a
    pilot are settled after its period under the rules it ran by."""
    on = on or timezone.localdate()
    version = (
        RulebookVersion.objects.for_city(city)
        .filter(effective_from__lte=on)
        .order_by("-effective_from", "-pk")
        .first()
    )
    if version is None:
        raise Conflict(
            f"{city.name}尚无生效的补助规则 / {city.code} has no subsidy rulebook in effect on {on}"
        )
    return version


def rulebook_of(version: RulebookVersion) -> Rulebook:
    """The validated rulebook of a stored version (validated once per version and process)."""
    return _validated(version.pk, json.dumps(version.data, sort_keys=True))


@lru_cache(maxsize=256)
def _validated(pk: int, data: str) -> Rulebook:
    return validate(json.loads(data))
