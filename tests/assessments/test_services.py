"""Assessment services: who may create, answer, assign, submit, return, lock and revise; the
stored scores are `rules.score`'s; every refusal changes nothing."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from assessments import rules, services
from assessments.models import Assessment, AssessmentEvidence, AssessmentStep
from enterprises.models import Enterprise
from pilot_portal.audit.models import AuditEntry
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from tests.factories import BatchFactory, ProviderFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def frozen(assessment) -> dict:
    """Everything a refused request must leave as it was."""
    row = Assessment.objects.filter(pk=assessment.pk).values().get()
    row.pop("updated_at")
    return {
        "row": row,
        "steps": AssessmentStep.objects.filter(assessment=assessment).count(),
        "audit": AuditEntry.objects.count(),
        "assessments": Assessment.objects.count(),
    }


def audit_actions(assessment) -> list[str]:
    return list(
        AuditEntry.objects.filter(
            object_type="assessments.assessment", object_id=str(assessment.pk)
        )
        .order_by("seq")
        .values_list("action", flat=True)
    )


def complete(make_assessment, answers, scenes, **kwargs):
    return make_assessment(answers=answers, scenes=scenes, complete=True, **kwargs)


# -- creating and scoring ----------------------------------------------------------------------


def test_it_stores_100_and_level_4_for_all_max_answers(
    make_assessment, assessor, answers_all_max, scenes_all_4
):
    assessment = complete(make_assessment, answers_all_max, scenes_all_4)

    assessment = Assessment.objects.get(pk=assessment.pk)
    assert assessment.total_score == Decimal("100.00")
    assert assessment.level == 4
    assert assessment.assessor == assessor
    assert assessment.status == "draft"
    assert assessment.dimension_scores == {
        "foundation": "50.00", "management": "30.00", "effectiveness": "20.00"
    }  # fmt: skip
    assert assessment.explanation["levels"][0]["held"] is True
    assert assessment.explanation["summary_en"].endswith("level 4")


def test_all_min_answers_score_zero_and_no_level(make_assessment, answers_all_min, scenes_all_1):
    assessment = complete(make_assessment, answers_all_min, scenes_all_1)

    assert assessment.total_score == Decimal("0.00")
    assert assessment.level is None


def test_stored_scores_are_what_the_rules_compute_for_a_partial_draft(
    make_assessment, template_2024, answers_all_max
):
    # given: the foundation dimension answered at full marks, eight scenes at level 3
    answers = {
        code: value
        for code, value in answers_all_max.items()
        if template_2024.questions()[code].dimension == "foundation"
    }
    scenes = {scene.code: 3 for scene in template_2024.scenes[:8]}

    # when
    assessment = make_assessment(answers=answers, scenes=scenes)

    # then
    expected = rules.score(template_2024, answers, scenes)
    assessment.refresh_from_db()
    assert assessment.total_score == expected.total == Decimal("50.00")
    assert assessment.level == expected.level == 2
    assert assessment.explanation == expected.explanation()
    assert assessment.answers == answers


def test_a_complete_assessment_refuses_gaps_naming_each_and_creates_nothing(
    make_assessment, template_2024, answers_all_max, scenes_all_4
):
    answers = dict(answers_all_max)
    gaps = list(answers)[:2]
    for code in gaps:
        del answers[code]
    count = Assessment.objects.count()

    with pytest.raises(services.AnswersInvalid) as refused:
        complete(make_assessment, answers, scenes_all_4)

    assert set(refused.value.errors) == {f"answers.{code}" for code in gaps}
    assert Assessment.objects.count() == count


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda a, s: a.update({"no_such_question": "a"}), "answers.no_such_question"),
        (lambda a, s: a.update({"network": ["a", "b"]}), "answers.network"),  # "none" + others
        (lambda a, s: a.update({"network": ["zz"]}), "answers.network"),
        (lambda a, s: s.update({"quality": 5}), "scenes.quality"),
        (lambda a, s: s.update({"teleportation": 2}), "scenes.teleportation"),
    ],
)
def test_bad_answers_are_refused_naming_the_field(
    make_assessment, answers_all_max, scenes_all_4, change, field
):
    answers, scenes = dict(answers_all_max), dict(scenes_all_4)
    change(answers, scenes)
    count = Assessment.objects.count()

    with pytest.raises(services.AnswersInvalid) as refused:
        make_assessment(answers=answers, scenes=scenes)

    assert field in refused.value.errors
    assert Assessment.objects.count() == count


def test_the_city_admin_assigns_at_creation_and_the_assessor_is_told(
    city, enterprise, city_admin, assessor, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assessment = services.assessment_create(
            city_admin, city, enterprise=enterprise, kind="acceptance", assessor=assessor
        )

    assert assessment.assessor == assessor
    assert [m.to for m in mailoutbox] == [["assessor@example.com"]]
    assert enterprise.name in mailoutbox[0].subject
    assert list(assessment.steps.values_list("action", flat=True)) == ["assign"]
    assert audit_actions(assessment) == ["assessment.create", "assessment.assign"]


def test_only_an_assessor_of_the_city_can_be_assigned(city, enterprise, city_admin, owner):
    count = Assessment.objects.count()

    with pytest.raises(InvalidInput) as refused:
        services.assessment_create(
            city_admin, city, enterprise=enterprise, kind="diagnosis", assessor=owner
        )

    assert refused.value.field == "assessor"
    assert Assessment.objects.count() == count


def test_an_assessor_creates_only_for_themself(city, enterprise, assessor, other_assessor):
    with pytest.raises(InvalidInput) as refused:
        services.assessment_create(
            assessor, city, enterprise=enterprise, kind="diagnosis", assessor=other_assessor
        )
    assert refused.value.field == "assessor"


def test_the_enterprise_runs_only_its_own_self_assessment(
    city, enterprise, neighbour, owner, answers_all_max, scenes_all_4
):
    own = services.assessment_create(
        owner, city, enterprise=enterprise, kind="self", answers=answers_all_max,
        scenes=scenes_all_4, complete=True,
    )  # fmt: skip
    assert own.kind == "self" and own.level == 4 and own.assessor is None

    with pytest.raises(NotAllowed):
        services.assessment_create(owner, city, enterprise=enterprise, kind="diagnosis")
    with pytest.raises(Http404):
        services.assessment_create(owner, city, enterprise=neighbour, kind="self")


def test_an_enterprise_outside_the_users_scope_is_not_found(
    city, neighbour, officer, other_city_admin
):
    with pytest.raises(Http404):  # another district's
        services.assessment_create(officer, city, enterprise=neighbour, kind="diagnosis")
    with pytest.raises(Http404):  # another city's
        services.assessment_create(other_city_admin, city, enterprise=neighbour, kind="diagnosis")


def test_an_acceptance_names_a_project_of_its_enterprise_only(
    city, enterprise, neighbour, city_admin
):
    from enterprises.models import Project

    BatchFactory(city=city)
    project = Project.objects.create(
        city=city, enterprise=neighbour, provider=ProviderFactory(), title="别家的项目",
        contract_amount=Decimal("1000.00"), planned_start="2026-01-01",
        planned_end="2026-12-31", created_by=city_admin,
    )  # fmt: skip

    with pytest.raises(InvalidInput) as refused:
        services.assessment_create(
            city_admin, city, enterprise=enterprise, kind="acceptance", project=project
        )
    assert refused.value.field == "project"

    accepted = services.assessment_create(
        city_admin, city, enterprise=neighbour, kind="acceptance", project=project.pk
    )
    assert accepted.project == project


def test_an_incomplete_edition_is_refused(city, enterprise, assessor, edition_2022):
    count = Assessment.objects.count()

    with pytest.raises(InvalidInput) as refused:
        services.assessment_create(
            assessor, city, enterprise=enterprise, kind="diagnosis", edition=edition_2022
        )

    assert refused.value.field == "edition"
    assert Assessment.objects.count() == count


# -- answering -----------------------------------------------------------------------------------


def test_only_the_assigned_assessor_edits(
    make_assessment, other_assessor, city_admin, answers_all_max
):
    assessment = make_assessment()
    before = frozen(assessment)

    for stranger in (other_assessor, city_admin):
        with pytest.raises(NotAllowed):
            services.assessment_update(stranger, assessment, answers=answers_all_max)

    assert frozen(assessment) == before


def test_an_update_rescores_and_keeps_what_is_not_given(
    make_assessment, assessor, answers_all_max, scenes_all_4
):
    assessment = make_assessment(scenes=scenes_all_4, findings="设备联网率低")

    services.assessment_update(assessor, assessment, answers=answers_all_max)

    assessment.refresh_from_db()
    assert assessment.total_score == Decimal("100.00")
    assert assessment.level == 4
    assert assessment.scenes == scenes_all_4
    assert assessment.findings == "设备联网率低"


def test_a_locked_assessment_never_changes(
    make_assessment, assessor, city_admin, answers_all_max, answers_all_min, scenes_all_4
):
    assessment = complete(make_assessment, answers_all_max, scenes_all_4)
    services.assessment_transition(city_admin, assessment, "lock")
    before = frozen(assessment)

    with pytest.raises(Conflict) as refused:
        services.assessment_update(assessor, assessment, answers=answers_all_min)
    assert refused.value.extra["status"] == "locked"
    with pytest.raises(Conflict):
        services.assessment_assign(city_admin, assessment, assessor)
    upload = SimpleUploadedFile("photo.pdf", PDF)
    with pytest.raises(Conflict):
        services.evidence_add(assessor, assessment, indicator_code="data_collection",
                              upload=upload)  # fmt: skip

    assert frozen(assessment) == before


# -- the workflow ------------------------------------------------------------------------------


def test_submit_return_and_lock_leave_steps_and_audit_entries(
    make_assessment, assessor, city_admin, enterprise, answers_all_max, scenes_all_4
):
    assessment = complete(make_assessment, answers_all_max, scenes_all_4)

    services.assessment_transition(assessor, assessment, "submit")
    services.assessment_transition(city_admin, assessment, "return", comment="场景证据不足")
    services.assessment_transition(assessor, assessment, "submit")
    locked = services.assessment_transition(city_admin, assessment, "lock")

    assert locked.status == "locked"
    assert locked.locked_by == city_admin and locked.locked_at is not None
    steps = list(locked.steps.values_list("action", "from_status", "to_status", "comment"))
    assert steps == [
        ("submit", "draft", "submitted", ""),
        ("return", "submitted", "draft", "场景证据不足"),
        ("submit", "draft", "submitted", ""),
        ("lock", "submitted", "locked", ""),
    ]
    assert audit_actions(locked) == [
        "assessment.create", "assessment.submit", "assessment.return", "assessment.submit",
        "assessment.lock",
    ]  # fmt: skip
    # The locked official level is the enterprise's digital level from now on.
    assert Enterprise.objects.get(pk=enterprise.pk).current_level == 4


def test_returning_needs_a_comment(make_assessment, assessor, city_admin, answers_all_max,
                                   scenes_all_4):  # fmt: skip
    assessment = complete(make_assessment, answers_all_max, scenes_all_4)
    services.assessment_transition(assessor, assessment, "submit")
    before = frozen(assessment)

    with pytest.raises(InvalidInput) as refused:
        services.assessment_transition(city_admin, assessment, "return", comment=" ")

    assert refused.value.field == "comment"
    assert frozen(assessment) == before


def test_submitting_and_locking_need_every_answer(
    make_assessment, assessor, city_admin, answers_all_max
):
    assessment = make_assessment(answers=dict(list(answers_all_max.items())[:3]))
    before = frozen(assessment)

    for actor, action in ((assessor, "submit"), (city_admin, "lock")):
        with pytest.raises(services.AnswersInvalid) as refused:
            services.assessment_transition(actor, assessment, action)
        assert len([f for f in refused.value.errors if f.startswith("answers.")]) == 12
        assert "scenes.quality" in refused.value.errors

    assert frozen(assessment) == before


def test_a_submitted_assessment_stays_complete(
    make_assessment, assessor, answers_all_max, scenes_all_4
):
    assessment = complete(make_assessment, answers_all_max, scenes_all_4)
    services.assessment_transition(assessor, assessment, "submit")
    partial = dict(list(answers_all_max.items())[1:])

    with pytest.raises(services.AnswersInvalid):
        services.assessment_update(assessor, assessment, answers=partial)

    assert Assessment.objects.get(pk=assessment.pk).answers == answers_all_max


def test_the_wrong_role_may_not_take_a_step(
    make_assessment, assessor, other_assessor, owner, answers_all_max, scenes_all_4
):
    assessment = complete(make_assessment, answers_all_max, scenes_all_4)
    before = frozen(assessment)

    with pytest.raises(NotAllowed):
        services.assessment_transition(other_assessor, assessment, "submit")
    with pytest.raises(NotAllowed):
        services.assessment_transition(owner, assessment, "submit")  # not its self-assessment
    with pytest.raises(NotAllowed):
        services.assessment_transition(assessor, assessment, "lock")

    assert frozen(assessment) == before


def test_a_self_assessment_is_never_locked(
    city, enterprise, owner, city_admin, answers_all_max, scenes_all_4
):
    own = services.assessment_create(
        owner, city, enterprise=enterprise, kind="self", answers=answers_all_max,
        scenes=scenes_all_4, complete=True,
    )  # fmt: skip
    services.assessment_transition(owner, own, "submit")
    before = frozen(own)

    with pytest.raises(Conflict) as refused:
        services.assessment_transition(city_admin, own, "lock")

    assert "self-assessment" in refused.value.message and "自评" in refused.value.message
    assert frozen(own) == before
    assert Enterprise.objects.get(pk=enterprise.pk).current_level is None


def test_locking_tells_the_enterprise_and_the_assessor(
    make_assessment, city_admin, owner, answers_all_max, scenes_all_4, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    assessment = complete(make_assessment, answers_all_max, scenes_all_4)

    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_transition(city_admin, assessment, "lock")

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["assessor@example.com", "owner@example.com"]
    assert "level 4" in mailoutbox[0].subject


# -- assigning ---------------------------------------------------------------------------------


def test_the_city_admin_reassigns_and_the_new_assessor_is_told(
    make_assessment, city_admin, assessor, other_assessor, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    assessment = make_assessment()

    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_assign(city_admin, assessment, other_assessor)

    assert Assessment.objects.get(pk=assessment.pk).assessor == other_assessor
    assert [m.to for m in mailoutbox] == [["other-assessor@example.com"]]
    entry = AuditEntry.objects.get(action="assessment.assign", object_id=str(assessment.pk))
    assert entry.data == {"from": assessor.username, "to": other_assessor.username}
    # From now on the new assessor edits, the old one may not.
    with pytest.raises(NotAllowed):
        services.assessment_update(assessor, assessment, findings="x")


def test_assigning_is_refused_to_others_and_to_non_assessors(
    make_assessment, city_admin, assessor, owner, officer
):
    assessment = make_assessment()
    before = frozen(assessment)

    with pytest.raises(NotAllowed):
        services.assessment_assign(assessor, assessment, assessor)
    with pytest.raises(InvalidInput) as refused:
        services.assessment_assign(city_admin, assessment, officer)
    assert refused.value.field == "assessor"

    assert frozen(assessment) == before


# -- revising ----------------------------------------------------------------------------------


def test_a_revision_copies_the_locked_one_which_stays_as_it_was(
    make_assessment, city_admin, assessor, answers_all_max, scenes_all_4, answers_all_min
):
    old = complete(make_assessment, answers_all_max, scenes_all_4, findings="原始结论")
    services.assessment_transition(city_admin, old, "lock")
    before = frozen(old)["row"]

    new = services.assessment_revise(city_admin, old, "场景等级录入有误")

    assert new.pk != old.pk and new.revision_of_id == old.pk
    assert new.status == "draft" and new.assessor == assessor
    assert new.answers == answers_all_max and new.scenes == scenes_all_4
    assert new.findings == "原始结论" and new.level == 4
    assert list(new.steps.values_list("action", "comment")) == [("revise", "场景等级录入有误")]
    assert audit_actions(new) == ["assessment.revise"]
    # The correction is made on the revision; the locked one is untouched and still there.
    services.assessment_update(assessor, new, answers=answers_all_min, complete=True)
    assert frozen(old)["row"] == before
    assert list(old.revisions.values_list("pk", flat=True)) == [new.pk]


def test_revising_is_refused_unless_locked_latest_and_reasoned(
    make_assessment, city_admin, assessor, answers_all_max, scenes_all_4
):
    assessment = complete(make_assessment, answers_all_max, scenes_all_4)
    with pytest.raises(Conflict):  # not locked
        services.assessment_revise(city_admin, assessment, "更正")
    services.assessment_transition(city_admin, assessment, "lock")
    with pytest.raises(NotAllowed):
        services.assessment_revise(assessor, assessment, "更正")
    with pytest.raises(InvalidInput) as refused:
        services.assessment_revise(city_admin, assessment, "  ")
    assert refused.value.field == "reason"
    count = Assessment.objects.count()
    services.assessment_revise(city_admin, assessment, "更正")

    with pytest.raises(Conflict):  # already revised: revise the revision
        services.assessment_revise(city_admin, assessment, "再更正")

    assert Assessment.objects.count() == count + 1


# -- evidence and weak scenes ------------------------------------------------------------------


def test_the_assessor_attaches_evidence_to_a_known_indicator(
    make_assessment, assessor, other_assessor
):
    assessment = make_assessment()

    evidence = services.evidence_add(
        assessor, assessment, indicator_code="data_collection",
        upload=SimpleUploadedFile("采集截图.pdf", PDF),
    )  # fmt: skip
    assert evidence.document.purpose == "assessment_evidence"
    assert evidence.document.name == "采集截图.pdf"

    with pytest.raises(InvalidInput) as refused:
        services.evidence_add(assessor, assessment, indicator_code="nope",
                              upload=SimpleUploadedFile("a.pdf", PDF))  # fmt: skip
    assert refused.value.field == "indicator"
    with pytest.raises(NotAllowed):
        services.evidence_add(other_assessor, assessment, indicator_code="data_collection",
                              upload=SimpleUploadedFile("a.pdf", PDF))  # fmt: skip
    assert AssessmentEvidence.objects.filter(assessment=assessment).count() == 1


def test_weak_scenes_of_a_diagnosis_are_those_below_level_2(make_assessment):
    assessment = make_assessment(scenes={"quality": 1, "energy": 1, "finance": 2, "hr": 4})

    assert services.diagnosis_weak_scenes(assessment) == ["quality", "energy"]
