"""Load a shipped edition data file into the database (used by migration 0002).

Takes an app registry (`apps` in a migration, `django.apps.apps` elsewhere) so the migration
works on its historical models. Idempotent: an edition (code, version) already present is left
alone, whatever an admin has changed in it since.
"""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
SHIPPED = ("2022", "2024")


def edition_file(code: str) -> dict:
    return json.loads((DATA_DIR / f"edition-{code}.json").read_text(encoding="utf-8"))


def _date(value):
    return date.fromisoformat(value) if value else None


def edition_load(apps, data: dict):
    """Create the edition and its whole tree; return it (or the existing row, untouched)."""
    Edition = apps.get_model("assessments", "Edition")
    existing = Edition.objects.filter(code=data["code"], version=data.get("version", 1)).first()
    if existing is not None:
        return existing
    Dimension = apps.get_model("assessments", "Dimension")
    Indicator = apps.get_model("assessments", "Indicator")
    Question = apps.get_model("assessments", "Question")
    Option = apps.get_model("assessments", "Option")
    Scene = apps.get_model("assessments", "Scene")
    LevelRule = apps.get_model("assessments", "LevelRule")

    edition = Edition.objects.create(
        code=data["code"],
        version=data.get("version", 1),
        name=data["name"],
        industry=data.get("industry", ""),
        effective_from=_date(data["effective_from"]),
        effective_to=_date(data.get("effective_to")),
        level_rule_kind=data["level_rule_kind"],
        is_default=data.get("is_default", False),
        note=data.get("note", ""),
    )
    for d_order, d in enumerate(data["dimensions"], start=1):
        dimension = Dimension.objects.create(
            edition=edition,
            code=d["code"],
            name=d["name"],
            scored=d.get("scored", True),
            points=Decimal(d["points"]),
            order=d_order,
        )
        for i_order, i in enumerate(d["indicators"], start=1):
            indicator = Indicator.objects.create(
                dimension=dimension,
                code=i["code"],
                name=i["name"],
                points=Decimal(i["points"]),
                order=i_order,
            )
            for q_order, q in enumerate(i["questions"], start=1):
                question = Question.objects.create(
                    edition=edition,
                    indicator=indicator,
                    code=q["code"],
                    text=q["text"],
                    kind=q["kind"],
                    points=Decimal(q["points"]),
                    order=q_order,
                )
                Option.objects.bulk_create(
                    Option(
                        question=question,
                        code=o["code"],
                        text=o["text"],
                        points=Decimal(o["points"]),
                        exclusive=o.get("exclusive", False),
                        order=o_order,
                    )
                    for o_order, o in enumerate(q["options"], start=1)
                )
    Scene.objects.bulk_create(
        Scene(
            edition=edition,
            code=s["code"],
            name=s["name"],
            group=s.get("group", ""),
            constraint=s.get("constraint", False),
            order=s_order,
        )
        for s_order, s in enumerate(data.get("scenes", []), start=1)
    )
    LevelRule.objects.bulk_create(
        LevelRule(
            edition=edition,
            level=r["level"],
            min_score=Decimal(r["min_score"]),
            min_scenes=r.get("min_scenes", 0),
            min_constraint_scenes=r.get("min_constraint_scenes", 0),
        )
        for r in data.get("levels", [])
    )
    return edition


def edition_unload(apps, data: dict) -> None:
    """Delete the shipped version of the edition (its tree goes with it)."""
    Edition = apps.get_model("assessments", "Edition")
    Edition.objects.filter(code=data["code"], version=data.get("version", 1)).delete()


def shipped_editions_load(apps) -> None:
    for code in SHIPPED:
        edition_load(apps, edition_file(code))


def shipped_editions_unload(apps) -> None:
    for code in reversed(SHIPPED):
        edition_unload(apps, edition_file(code))
