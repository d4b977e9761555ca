"""The assessment pages: who sees what and who gets the questionnaire, the score preview (the
same figures as `rules.score`), saving and submitting, refusals that change nothing, the
read-only page with its explanation, steps, revisions and weak scenes, and fixed query counts
on the list."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from assessments import rules, services
from assessments.models import Assessment, AssessmentEvidence
from assessments.templates import current_edition, template_spec
from enterprises.models import Demand
from tests.factories import (
    CityFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NOT_ANSWERED = "此题未作答 / this question is not answered"


@pytest.fixture
def world():
    city = CityFactory()
    enterprise = EnterpriseFactory(city=city, name="沈阳精密轴承有限公司")
    other_city = CityFactory()
    return {
        "city": city, "enterprise": enterprise,
        "other_enterprise": EnterpriseFactory(city=city, name="沈阳重型机械有限公司"),
        "owner": MembershipFactory(city=city, role="enterprise", enterprise=enterprise).user,
        "admin": MembershipFactory(city=city, role="city_admin").user,
        "auditor": MembershipFactory(city=city, role="auditor").user,
        "assessor": MembershipFactory(
            city=city, role="assessor", user=UserFactory(first_name="第三方评测甲")
        ).user,
        "other_assessor": MembershipFactory(city=city, role="assessor").user,
        "expert": MembershipFactory(city=city, role="expert").user,
        "elsewhere": MembershipFactory(city=other_city, role="assessor").user,
    }  # fmt: skip


def _diagnosis(world, enterprise=None, **kwargs):
    return services.assessment_create(
        world["admin"], world["city"], enterprise=enterprise or world["enterprise"],
        kind="diagnosis", assessor=world["assessor"], **kwargs,
    )  # fmt: skip


def _spec():
    return template_spec(current_edition())


def _best(spec) -> dict:
    """Every question at its best: the top option, or every non-exclusive tick."""
    answers = {}
    for code, question in spec.questions().items():
        if question.kind == "single":
            answers[code] = max(question.options, key=lambda o: o.points).code
        else:
            answers[code] = [o.code for o in question.options if not o.exclusive]
    return answers


def _post_data(answers: dict, scenes: dict, **extra) -> dict:
    """The questionnaire form as the browser sends it."""
    data = {f"q.{code}": value for code, value in answers.items()}
    data.update({f"s.{code}": str(level) for code, level in scenes.items()})
    data.update(extra)
    return data


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(world, name, **kwargs):
    return reverse(name, kwargs={"city_code": world["city"].code, **kwargs})


def _state(assessment):
    """Everything a refused request must leave as it was."""
    assessment.refresh_from_db()
    return (
        assessment.status, assessment.answers, assessment.scenes, assessment.total_score,
        assessment.level, assessment.assessor_id, assessment.findings,
        AssessmentEvidence.objects.filter(assessment=assessment).count(),
        Assessment.objects.count(),
    )  # fmt: skip


# -- the list ----------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status, sees",
    [
        ("admin", 200, True),
        ("auditor", 200, True),
        ("assessor", 200, True),
        ("owner", 200, True),  # its own enterprise's diagnosis
        ("other_assessor", 200, False),  # not assigned: the page, not the row
        ("expert", 403, False),
        ("elsewhere", 404, False),  # a city the user is not in
    ],
)
def test_it_lists_the_assessments_each_role_sees(world, who, status, sees):
    # given
    _diagnosis(world)
    # when
    response = _client(world[who]).get(_url(world, "assessment-list"))
    # then
    assert response.status_code == status
    assert ("沈阳精密轴承有限公司" in response.content.decode()) is sees


def test_the_list_filters_and_offers_what_each_role_may_start(world):
    # given
    spec = _spec()
    done = _diagnosis(world, answers=_best(spec), scenes=dict.fromkeys(_scene_codes(spec), 4))
    _diagnosis(world, enterprise=world["other_enterprise"])
    client = _client(world["admin"])
    # when
    by_name = client.get(_url(world, "assessment-list") + "?q=重型").content.decode()
    by_level = client.get(_url(world, "assessment-list") + "?level=4").content.decode()
    no_level = client.get(_url(world, "assessment-list") + "?level=none").content.decode()
    # then
    assert "沈阳重型机械有限公司" in by_name and "沈阳精密轴承有限公司" not in by_name
    assert f'data-assessment="{done.pk}"' in by_level and "沈阳重型机械有限公司" not in by_level
    assert "沈阳重型机械有限公司" in no_level and f'data-assessment="{done.pk}"' not in no_level
    assert "100.00" in by_level
    assert 'data-testid="new-assessment"' in by_name
    owner_page = _client(world["owner"]).get(_url(world, "assessment-list")).content.decode()
    assert f"?kind=self&amp;enterprise={world['enterprise'].pk}" in owner_page
    auditor_page = _client(world["auditor"]).get(_url(world, "assessment-list")).content.decode()
    assert 'data-testid="new-assessment"' not in auditor_page


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_runs_a_fixed_number_of_queries(world, size, django_assert_max_num_queries):
    # given
    for n in range(size):
        _diagnosis(world, enterprise=EnterpriseFactory(city=world["city"], name=f"企业{n}"))
    client = _client(world["admin"])
    # when: session, user, city, memberships, the assessors (filter), count, rows
    with django_assert_max_num_queries(7):
        response = client.get(_url(world, "assessment-list"))
    # then
    assert response.status_code == 200
    assert response.content.decode().count("data-assessment=") == size


# -- a new assessment ------------------------------------------------------------


def test_the_city_admin_creates_a_diagnosis_with_an_assessor(world):
    # when
    response = _client(world["admin"]).post(
        _url(world, "assessment-create"),
        {"enterprise": world["enterprise"].pk, "kind": "diagnosis",
         "assessor": world["assessor"].pk},
    )  # fmt: skip
    # then: the admin does not answer it, so lands on the read-only page
    assessment = Assessment.objects.get(enterprise=world["enterprise"])
    assert response.status_code == 302
    assert response["Location"] == _url(world, "assessment-detail", pk=assessment.pk)
    assert (assessment.kind, assessment.assessor) == ("diagnosis", world["assessor"])


def test_the_enterprise_starts_its_self_assessment_and_lands_on_the_questionnaire(world):
    # given
    client = _client(world["owner"])
    form = client.get(_url(world, "assessment-create") + "?kind=self").content.decode()
    # when
    response = client.post(
        _url(world, "assessment-create"), {"enterprise": world["enterprise"].pk, "kind": "self"}
    )
    # then
    assessment = Assessment.objects.get(enterprise=world["enterprise"])
    assert "沈阳重型机械有限公司" not in form  # only its own enterprise is offered
    assert response["Location"] == _url(world, "assessment-edit", pk=assessment.pk)
    assert assessment.kind == "self"


def test_an_enterprise_cannot_order_a_diagnosis(world):
    # when
    response = _client(world["owner"]).post(
        _url(world, "assessment-create"), {"enterprise": world["enterprise"].pk,
                                           "kind": "diagnosis"},
    )  # fmt: skip
    # then
    assert response.status_code == 400
    assert not Assessment.objects.filter(enterprise=world["enterprise"]).exists()


# -- the questionnaire ----------------------------------------------------------


def _scene_codes(spec):
    return [scene.code for scene in spec.scenes]


def test_only_the_assigned_assessor_gets_the_questionnaire(world):
    # given
    assessment = _diagnosis(world)
    edit = _url(world, "assessment-edit", pk=assessment.pk)
    # when
    mine = _client(world["assessor"]).get(edit)
    admins = _client(world["admin"]).get(edit)
    owners = _client(world["owner"]).get(edit)
    strangers = _client(world["other_assessor"]).get(edit)
    # then
    spec = _spec()
    page = mine.content.decode()
    assert mine.status_code == 200 and 'data-testid="questionnaire"' in page
    assert page.count('class="question unanswered"') == len(spec.questions())
    for code, question in spec.questions().items():
        kind = "checkbox" if question.kind == "multiple" else "radio"
        assert f'type="{kind}" name="q.{code}"' in page
    assert page.count('<select name="s.') == 16
    assert 'data-level="none"' in page  # the server's score, with no script
    assert admins.status_code == 302 and admins["Location"].endswith(f"/{assessment.pk}/")
    assert owners.status_code == 302
    assert strangers.status_code == 404  # not theirs: as if it did not exist


@pytest.mark.parametrize("who, status", [("admin", 403), ("owner", 403), ("other_assessor", 404)])
def test_others_cannot_post_answers(world, who, status):
    # given
    assessment = _diagnosis(world)
    before = _state(assessment)
    # when
    response = _client(world[who]).post(
        _url(world, "assessment-edit", pk=assessment.pk),
        _post_data(_best(_spec()), {}, intent="save"),
    )
    # then
    assert response.status_code == status
    assert _state(assessment) == before


def test_another_city_is_not_found(world):
    # given
    assessment = _diagnosis(world)
    client = _client(world["elsewhere"])
    # when / then
    for name in ("assessment-detail", "assessment-edit", "assessment-score-preview"):
        url = _url(world, name, pk=assessment.pk)
        assert client.get(url).status_code == 404
        assert client.post(url, {"intent": "save"}).status_code == 404


def test_a_draft_saves_partial_answers_and_shows_the_stored_score(world):
    # given
    assessment = _diagnosis(world)
    spec = _spec()
    answers = {"equipment_digitisation": "e", "network": ["b", "c"]}
    client = _client(world["assessor"])
    # when
    response = client.post(
        _url(world, "assessment-edit", pk=assessment.pk),
        _post_data(answers, {"quality": 3}, intent="save", findings="质检靠人工"),
    )
    # then
    assessment.refresh_from_db()
    expected = rules.score(spec, answers, {"quality": 3})
    assert response.status_code == 302
    assert (assessment.answers, assessment.scenes) == (answers, {"quality": 3})
    assert assessment.total_score == expected.total == rules.Decimal("10.00")
    assert assessment.findings == "质检靠人工"
    page = client.get(response["Location"]).content.decode()
    assert 'data-total="10.00"' in page
    unanswered = len(spec.questions()) - 2
    assert f'data-testid="unanswered-count" data-count="{unanswered}"' in page
    assert "checked data-exclusive" not in page and 'value="b" id="q-network-b" checked' in page


def test_submitting_an_incomplete_questionnaire_names_each_question_and_saves_nothing(world):
    # given
    assessment = _diagnosis(world)
    before = _state(assessment)
    # when
    response = _client(world["assessor"]).post(
        _url(world, "assessment-edit", pk=assessment.pk),
        _post_data({"funding": "c"}, {}, intent="submit"),
    )
    # then
    page = response.content.decode()
    assert response.status_code == 400
    assert page.count(NOT_ANSWERED) == len(_spec().questions()) - 1
    assert 'data-testid="error-network"' in page and 'data-testid="error-funding"' not in page
    assert "此场景未评定等级 / this scene has no level yet" in page
    assert 'value="c" id="q-funding-c" checked' in page  # what was typed is kept
    assert _state(assessment) == before


@pytest.mark.parametrize(
    "answers, scenes, message",
    [
        ({"network": ["a", "b"]}, {}, "cannot be ticked together with other options"),
        ({"funding": "z"}, {}, "unknown option “z”"),
        ({"no_such_question": "a"}, {}, "unknown question “no_such_question”"),
        ({}, {"quality": "7"}, "the scene level must be a whole number from 1 to 4"),
    ],
)
def test_bad_input_is_named_in_both_languages_and_changes_nothing(world, answers, scenes, message):
    # given
    assessment = _diagnosis(world)
    services.assessment_update(world["assessor"], assessment, answers={"funding": "b"})
    before = _state(assessment)
    # when
    response = _client(world["assessor"]).post(
        _url(world, "assessment-edit", pk=assessment.pk),
        _post_data(answers, scenes, intent="save"),
    )
    # then
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page and " / " in page.split(message)[0].rsplit(">", 1)[-1]
    assert _state(assessment) == before


def test_a_complete_questionnaire_is_submitted_with_its_evidence(world):
    # given
    assessment = _diagnosis(world)
    spec = _spec()
    answers, scenes = _best(spec), dict.fromkeys(_scene_codes(spec), 4)
    upload = SimpleUploadedFile("设备台账.pdf", PDF, content_type="application/pdf")
    # when
    response = _client(world["assessor"]).post(
        _url(world, "assessment-edit", pk=assessment.pk),
        {**_post_data(answers, scenes, intent="submit"), "evidence.equipment_systems": upload},
    )
    # then
    assessment.refresh_from_db()
    assert response.status_code == 302
    assert (assessment.status, assessment.level) == ("submitted", 4)
    assert assessment.total_score == rules.Decimal("100.00")
    evidence = AssessmentEvidence.objects.get(assessment=assessment)
    assert evidence.indicator_code == "equipment_systems"
    assert evidence.document.name == "设备台账.pdf"
    page = _client(world["admin"]).get(response["Location"]).content.decode()
    assert "设备台账.pdf" in page and f"/documents/{evidence.document_id}/download/" in page


def test_a_rejected_evidence_file_is_named_at_its_indicator_and_saves_nothing(world):
    # given
    assessment = _diagnosis(world)
    before = _state(assessment)
    upload = SimpleUploadedFile("假的.pdf", b"not a pdf", content_type="application/pdf")
    # when
    response = _client(world["assessor"]).post(
        _url(world, "assessment-edit", pk=assessment.pk),
        {**_post_data({"funding": "c"}, {}, intent="save"), "evidence.resources": upload},
    )
    # then
    assert response.status_code == 400
    assert 'data-testid="error-evidence-resources"' in response.content.decode()
    assert _state(assessment) == before


# -- the score preview ----------------------------------------------------------


def test_the_preview_scores_what_rules_score_and_saves_nothing(world):
    # given
    assessment = _diagnosis(world)
    before = _state(assessment)
    spec = _spec()
    answers = _best(spec)
    answers.update({"funding": "a", "talent": ["a"]})
    scenes = dict.fromkeys(_scene_codes(spec)[:8], 3)
    # when
    response = _client(world["assessor"]).post(
        _url(world, "assessment-score-preview", pk=assessment.pk), _post_data(answers, scenes)
    )
    # then
    body = response.json()
    expected = rules.score(spec, answers, scenes)
    assert response.status_code == 200
    assert body["total"] == str(expected.total) == "85.00"
    assert body["level"] == expected.level
    assert body["explanation"] == json.loads(json.dumps(expected.explanation()))
    assert body["unanswered"] == [] and len(body["unjudged"]) == 8
    assert f'data-level="{expected.level}"' in body["html"]
    assert escape(expected.explanation()["summary_zh"]) in body["html"]  # the reason
    assert _state(assessment) == before


def test_the_preview_names_bad_input(world):
    # given
    assessment = _diagnosis(world)
    # when
    response = _client(world["assessor"]).post(
        _url(world, "assessment-score-preview", pk=assessment.pk),
        _post_data({"network": ["a", "c"]}, {}),
    )
    # then
    assert response.status_code == 400
    assert "answers.network" in response.json()["errors"]


# -- the read-only page and its actions -----------------------------------------


def _submitted(world):
    spec = _spec()
    assessment = _diagnosis(world, answers=_best(spec), scenes=dict.fromkeys(_scene_codes(spec), 4))
    return services.assessment_transition(world["assessor"], assessment, "submit")


def test_the_detail_page_explains_the_level(world):
    # given: 100 points but only 7 scenes at level 4 (≥ 10 needed): level 3
    spec = _spec()
    codes = _scene_codes(spec)
    scenes = {**dict.fromkeys(codes[:7], 4), **dict.fromkeys(codes[7:], 3)}
    assessment = _diagnosis(world, answers=_best(spec), scenes=scenes)
    # when
    page = _client(world["auditor"]).get(_url(world, "assessment-detail", pk=assessment.pk))
    # then
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-level="3"' in html
    assert escape(assessment.explanation["summary_zh"]) in html
    assert escape("但四级场景 7 个 < 10") in html
    assert 'data-testid="edition-note"' in html and "第三方" in html
    assert 'data-testid="points-funding">7.5 / 7.5' in html
    assert 'data-testid="actions"' not in html  # the auditor only reads
    assert 'data-testid="open-questionnaire"' not in html


def test_the_city_admin_returns_with_a_comment_and_locks(world):
    # given
    assessment = _submitted(world)
    client = _client(world["admin"])
    action = _url(world, "assessment-action", pk=assessment.pk)
    # when
    no_comment = client.post(action, {"action": "return", "comment": ""})
    returned = client.post(action, {"action": "return", "comment": "请补充设备台账"})
    locked = client.post(action, {"action": "lock"})
    # then
    assert no_comment.status_code == 400 and "请填写理由 / a comment is required" in (
        no_comment.content.decode()
    )
    assert returned.status_code == 302 and locked.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == "locked"
    page = client.get(_url(world, "assessment-detail", pk=assessment.pk)).content.decode()
    assert "请补充设备台账" in page and 'data-testid="revise-form"' in page


def test_a_locked_assessment_is_read_only_and_its_revision_is_linked_both_ways(world):
    # given
    assessment = _submitted(world)
    services.assessment_transition(world["admin"], assessment, "lock")
    before = _state(assessment)
    # when: the assessor tries to change it, then the admin opens a revision
    refused = _client(world["assessor"]).post(
        _url(world, "assessment-edit", pk=assessment.pk), _post_data({}, {}, intent="save")
    )
    assert _state(assessment) == before
    revise = _client(world["admin"]).post(
        _url(world, "assessment-revise", pk=assessment.pk), {"reason": "场景等级录入有误"}
    )
    # then
    revision = Assessment.objects.get(revision_of=assessment)
    assert refused.status_code == 409
    assert "评测已锁定" in refused.content.decode()
    assert revise["Location"] == _url(world, "assessment-detail", pk=revision.pk)
    client = _client(world["auditor"])
    old_page = client.get(_url(world, "assessment-detail", pk=assessment.pk)).content.decode()
    new_page = client.get(revise["Location"]).content.decode()
    assert 'data-testid="corrected-by"' in old_page
    assert _url(world, "assessment-detail", pk=revision.pk) in old_page
    assert 'data-testid="revision-of"' in new_page
    assert _url(world, "assessment-detail", pk=assessment.pk) in new_page


def test_the_admin_reassigns_and_the_new_assessor_gets_the_questionnaire(world):
    # given
    assessment = _diagnosis(world)
    # when
    response = _client(world["admin"]).post(
        _url(world, "assessment-assign", pk=assessment.pk),
        {"assessor": world["other_assessor"].pk},
    )
    # then
    assert response.status_code == 302
    edit = _url(world, "assessment-edit", pk=assessment.pk)
    assert _client(world["other_assessor"]).get(edit).status_code == 200
    assert _client(world["assessor"]).get(edit).status_code == 404


def test_the_enterprise_adds_its_diagnosis_weak_scenes_to_its_demand(world):
    # given: quality judged 1, warehouse 1, the rest 3
    spec = _spec()
    scenes = {**dict.fromkeys(_scene_codes(spec), 3), "quality": 1, "warehouse": 1}
    assessment = _diagnosis(world, answers=_best(spec), scenes=scenes)
    client = _client(world["owner"])
    page = client.get(_url(world, "assessment-detail", pk=assessment.pk)).content.decode()
    # when
    response = client.post(_url(world, "assessment-demand", pk=assessment.pk))
    # then
    assert 'data-testid="add-demand"' in page and 'data-scene="warehouse"' in page
    assert response.status_code == 302
    demanded = set(
        Demand.objects.filter(enterprise=world["enterprise"]).values_list("scenario", flat=True)
    )
    assert demanded == {"quality", "warehouse"}
    admin_page = _client(world["admin"]).get(_url(world, "assessment-detail", pk=assessment.pk))
    assert 'data-testid="add-demand"' not in admin_page.content.decode()


def test_the_enterprise_answers_and_submits_its_own_self_assessment(world):
    # given
    spec = _spec()
    assessment = services.assessment_create(
        world["owner"], world["city"], enterprise=world["enterprise"], kind="self"
    )
    client = _client(world["owner"])
    # when
    form = client.get(_url(world, "assessment-edit", pk=assessment.pk))
    response = client.post(
        _url(world, "assessment-edit", pk=assessment.pk),
        _post_data(_best(spec), dict.fromkeys(_scene_codes(spec), 2), intent="submit"),
    )
    # then
    assessment.refresh_from_db()
    assert form.status_code == 200 and 'data-testid="submit"' in form.content.decode()
    assert response.status_code == 302
    assert (assessment.status, assessment.level) == ("submitted", 2)
    admin_page = _client(world["admin"]).get(response["Location"]).content.decode()
    assert 'data-action="return"' in admin_page
    assert 'data-action="lock"' not in admin_page  # a self-assessment is never official
    assert _client(world["assessor"]).get(response["Location"]).status_code == 404
