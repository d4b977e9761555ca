"""Questionnaire editions as scoring templates: from the database (or a data file) to a
`rules.TemplateSpec`, the edition in force, and the JSON the API and pages show.

A template is built with a fixed number of queries and kept in-process once its edition is in
use: a used edition's tree is frozen (the admin makes a new version instead of editing it), and
a new version is a new row, so a cached template never goes stale. Editions nobody has used yet
may still be edited in the admin, so they are rebuilt on every call.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Q
from django.utils import timezone

from assessments.models import Dimension, Edition, Indicator, Option, Question
from assessments.rules import (
    DimensionSpec,
    IndicatorSpec,
    LevelSpec,
    OptionSpec,
    QuestionSpec,
    SceneSpec,
    TemplateSpec,
    edition_problems,
)

__all__ = [
    "current_edition",
    "edition_problems",
    "spec_from_data",
    "template_json",
    "template_spec",
    "template_spec_cache_clear",
]

# (edition pk, created_at) → TemplateSpec. created_at guards against a reused primary key
# (SQLite hands out a rolled-back pk again, e.g. between tests).
_cache: dict[tuple, TemplateSpec] = {}


def template_spec_cache_clear() -> None:
    _cache.clear()


def template_spec(edition: Edition) -> TemplateSpec:
    """The edition's tree as a TemplateSpec: 7 queries when built, none when cached."""
    key = (edition.pk, edition.created_at)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    spec = _build(edition)
    if edition.assessments.exists():  # frozen from now on: safe to keep
        _cache[key] = spec
    return spec


def _build(edition: Edition) -> TemplateSpec:
    # One query each: dimensions, indicators, questions, options, scenes, level rules.
    options = Prefetch("options", queryset=Option.objects.order_by("order", "pk"))
    questions = Prefetch(
        "questions", queryset=Question.objects.order_by("order", "pk").prefetch_related(options)
    )
    indicators = Prefetch(
        "indicators",
        queryset=Indicator.objects.order_by("order", "pk").prefetch_related(questions),
    )
    dimensions = list(
        Dimension.objects.filter(edition=edition)
        .order_by("order", "pk")
        .prefetch_related(indicators)
    )
    scenes = list(edition.scenes.order_by("order", "pk"))
    levels = list(edition.level_rules.order_by("-level"))
    return TemplateSpec(
        edition=edition.code,
        version=edition.version,
        name=edition.name,
        rule_kind=edition.level_rule_kind,
        note=edition.note,
        industry=edition.industry,
        dimensions=tuple(
            DimensionSpec(
                code=d.code,
                name=d.name,
                points=d.points,
                scored=d.scored,
                indicators=tuple(
                    IndicatorSpec(
                        code=i.code,
                        name=i.name,
                        points=i.points,
                        questions=tuple(
                            QuestionSpec(
                                code=q.code,
                                text=q.text,
                                kind=q.kind,
                                points=q.points,
                                indicator=i.code,
                                dimension=d.code,
                                options=tuple(
                                    OptionSpec(o.code, o.text, o.points, o.exclusive)
                                    for o in q.options.all()
                                ),
                            )
                            for q in i.questions.all()
                        ),
                    )
                    for i in d.indicators.all()
                ),
            )
            for d in dimensions
        ),
        scenes=tuple(SceneSpec(s.code, s.name, s.constraint, s.group) for s in scenes),
        levels=tuple(
            LevelSpec(r.level, r.min_score, r.min_scenes, r.min_constraint_scenes) for r in levels
        ),
    )


def spec_from_data(data: dict) -> TemplateSpec:
    """A TemplateSpec straight from an edition data file (assessments/data/edition-*.json)."""
    return TemplateSpec(
        edition=data["code"],
        version=data.get("version", 1),
        name=data["name"],
        rule_kind=data["level_rule_kind"],
        note=data.get("note", ""),
        industry=data.get("industry", ""),
        dimensions=tuple(
            DimensionSpec(
                code=d["code"],
                name=d["name"],
                points=Decimal(d["points"]),
                scored=d.get("scored", True),
                indicators=tuple(
                    IndicatorSpec(
                        code=i["code"],
                        name=i["name"],
                        points=Decimal(i["points"]),
                        questions=tuple(
                            QuestionSpec(
                                code=q["code"],
                                text=q["text"],
                                kind=q["kind"],
                                points=Decimal(q["points"]),
                                indicator=i["code"],
                                dimension=d["code"],
                                options=tuple(
                                    OptionSpec(
                                        o["code"],
                                        o["text"],
                                        Decimal(o["points"]),
                                        o.get("exclusive", False),
                                    )
                                    for o in q["options"]
                                ),
                            )
                            for q in i["questions"]
                        ),
                    )
                    for i in d["indicators"]
                ),
            )
            for d in data["dimensions"]
        ),
        scenes=tuple(
            SceneSpec(s["code"], s["name"], s.get("constraint", False), s.get("group", ""))
            for s in data.get("scenes", [])
        ),
        levels=tuple(
            LevelSpec(
                r["level"],
                Decimal(r["min_score"]),
                r.get("min_scenes", 0),
                r.get("min_constraint_scenes", 0),
            )
            for r in sorted(data.get("levels", []), key=lambda r: r["level"], reverse=True)
        ),
    )


def current_edition(city=None, *, on: date | None = None) -> Edition:
    """The default edition in force (highest version); pilot cities use the 2024 edition.

    `city` is accepted so a city-specific choice can be added without touching callers; today
    every city uses the national default. Falls back to the newest default edition when none is
    in force on that day. Raises Edition.DoesNotExist when there is no default at all.
    """
    on = on or timezone.localdate()
    defaults = Edition.objects.filter(is_default=True).order_by("-effective_from", "-version")
    in_force = defaults.filter(effective_from__lte=on).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=on)
    )
    edition = in_force.first() or defaults.first()
    if edition is None:
        raise Edition.DoesNotExist("没有默认的评测版本 / there is no default questionnaire edition")
    return edition


def _points(value: Decimal) -> str:
    return format(value.normalize(), "f")


def template_json(spec: TemplateSpec) -> dict:
    """The API.md shape of `assessment-templates/current/` (points as strings)."""
    problems = edition_problems(spec)
    return {
        "edition": spec.edition,
        "version": spec.version,
        "name": spec.name,
        "industry": spec.industry,
        "rule_kind": spec.rule_kind,
        "note": spec.note,
        "max_total": _points(spec.scored_points()),
        "usable": not problems,
        "problems": problems,
        "dimensions": [
            {
                "code": d.code,
                "name": d.name,
                "scored": d.scored,
                "points": _points(d.points),
                "indicators": [
                    {
                        "code": i.code,
                        "name": i.name,
                        "points": _points(i.points),
                        "questions": [
                            {
                                "code": q.code,
                                "text": q.text,
                                "kind": q.kind,
                                "points": _points(q.points),
                                "options": [
                                    {
                                        "code": o.code,
                                        "text": o.text,
                                        "points": _points(o.points),
                                        "exclusive": o.exclusive,
                                    }
                                    for o in q.options
                                ],
                            }
                            for q in i.questions
                        ],
                    }
                    for i in d.indicators
                ],
            }
            for d in spec.dimensions
        ],
        "scenes": [
            {"code": s.code, "name": s.name, "group": s.group, "constraint": s.constraint}
            for s in spec.scenes
        ],
        "levels": [
            {
                "level": r.level,
                "min_score": format(r.min_score.quantize(Decimal("0.01")), "f"),
                "min_scenes": r.min_scenes,
                "min_constraint_scenes": r.min_constraint_scenes,
            }
            for r in spec.levels
        ],
    }
