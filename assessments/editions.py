"""Edition versions: is one in use, and making a new version to edit.

An assessment records the edition version it was scored with, so a used version's tree must
never change under it: to change questions, points or the level rule of a used edition, staff
create a new version (a deep copy) and edit that. Old assessments keep their version.
"""

from django.db import transaction
from django.db.models import Max

from assessments.models import (
    Assessment,
    Dimension,
    Edition,
    Indicator,
    LevelRule,
    Option,
    Question,
    Scene,
)
from pilot_portal.audit.services import audit_record, with_actor


def edition_in_use(edition: Edition) -> bool:
    """True once any assessment (of any city, in any status) has used this version."""
    return Assessment.objects.filter(edition=edition).exists()


def _copy(instance, **changes):
    """An unsaved copy of a row with a new pk and the given fields replaced."""
    values = {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if not f.primary_key
    }
    values.update(changes)
    return type(instance)(**values)


@transaction.atomic
def edition_new_version(edition: Edition, *, actor) -> Edition:
    """Copy the edition's whole tree into version max+1 that supersedes it (in bulk).

    The default flag moves to the new version when the old one had it, so new assessments use
    the new version from now on; the old version and its assessments stay as they are.
    """
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    latest = Edition.objects.filter(code=edition.code).aggregate(v=Max("version"))["v"]
    new = _copy(edition, version=latest + 1, supersedes_id=edition.pk, created_at=None)
    with_actor(new, actor).save()
    if edition.is_default:
        edition.is_default = False
        with_actor(edition, actor).save(update_fields=["is_default"])

    dimensions = list(edition.dimensions.order_by("order", "pk"))
    indicators = list(Indicator.objects.filter(dimension__edition=edition).order_by("pk"))
    questions = list(edition.questions.order_by("pk"))
    options = list(Option.objects.filter(question__edition=edition).order_by("pk"))

    new_dimensions = Dimension.objects.bulk_create(_copy(d, edition_id=new.pk) for d in dimensions)
    dimension_map = {old.pk: copy.pk for old, copy in zip(dimensions, new_dimensions, strict=True)}
    new_indicators = Indicator.objects.bulk_create(
        _copy(i, dimension_id=dimension_map[i.dimension_id]) for i in indicators
    )
    indicator_map = {old.pk: copy.pk for old, copy in zip(indicators, new_indicators, strict=True)}
    new_questions = Question.objects.bulk_create(
        _copy(q, edition_id=new.pk, indicator_id=indicator_map[q.indicator_id]) for q in questions
    )
    question_map = {old.pk: copy.pk for old, copy in zip(questions, new_questions, strict=True)}
    Option.objects.bulk_create(_copy(o, question_id=question_map[o.question_id]) for o in options)
    Scene.objects.bulk_create(_copy(s, edition_id=new.pk) for s in edition.scenes.all())
    LevelRule.objects.bulk_create(_copy(r, edition_id=new.pk) for r in edition.level_rules.all())

    audit_record(
        actor=actor,
        action="edition.new_version",
        obj=new,
        data={
            "code": new.code,
            "version": new.version,
            "supersedes": edition.pk,
            "supersedes_version": edition.version,
            "default": new.is_default,
        },
    )
    return new
