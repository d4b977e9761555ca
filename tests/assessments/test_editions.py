"""Edition versions: a used edition is frozen; editing it means a new version, in bulk, and old
assessments keep the version they were scored with. In the admin too."""

import dataclasses

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from assessments.admin import EditionAdmin, IndicatorAdmin, QuestionAdmin
from assessments.editions import edition_in_use, edition_new_version
from assessments.models import Edition, Indicator, LevelRule, Option, Question, Scene
from assessments.templates import current_edition, template_spec
from pilot_portal.audit.models import AuditEntry
from tests.factories import AssessmentFactory, UserFactory


def shipped(code: str) -> Edition:
    return Edition.objects.get(code=code, version=1)


def unused(code: str) -> Edition:
    """A version of the shipped edition nobody used yet (the demo, once loaded, uses v1)."""
    return edition_new_version(shipped(code), actor=UserFactory())


def tree_size(edition):
    return (
        edition.dimensions.count(),
        Indicator.objects.filter(dimension__edition=edition).count(),
        Question.objects.filter(edition=edition).count(),
        Option.objects.filter(question__edition=edition).count(),
        Scene.objects.filter(edition=edition).count(),
        LevelRule.objects.filter(edition=edition).count(),
    )


def test_an_edition_is_in_use_once_any_assessment_used_it(db):
    edition = unused("2024")
    assert not edition_in_use(edition)

    AssessmentFactory(edition=edition)

    assert edition_in_use(edition)
    assert not edition_in_use(shipped("2022"))


def test_a_new_version_copies_the_whole_tree(db, django_assert_max_num_queries):
    # given
    old = shipped("2024")
    actor = UserFactory()

    # when: in bulk, a fixed number of queries for 15 questions and 79 options
    with django_assert_max_num_queries(25):
        new = edition_new_version(old, actor=actor)

    # then
    assert (new.code, new.version, new.supersedes_id) == ("2024", 2, old.pk)
    assert tree_size(new) == tree_size(old) == (4, 9, 15, 79, 16, 4)
    assert template_spec(new) == dataclasses.replace(template_spec(old), version=2)
    assert new.note == old.note and new.effective_from == old.effective_from
    entry = AuditEntry.objects.get(action="edition.new_version")
    assert entry.actor == actor and entry.object_id == str(new.pk)
    assert entry.data["supersedes_version"] == 1


def test_the_default_flag_moves_to_the_new_version(db):
    old = shipped("2024")

    new = edition_new_version(old, actor=UserFactory())

    old.refresh_from_db()
    assert (old.is_default, new.is_default) == (False, True)
    assert current_edition() == new
    assert Edition.objects.filter(is_default=True).count() == 1


def test_a_new_version_of_a_non_default_edition_stays_non_default(db):
    new = edition_new_version(shipped("2022"), actor=UserFactory())

    assert not new.is_default
    assert current_edition() == shipped("2024")


def test_old_assessments_keep_their_version_and_its_tree(db):
    # given: an assessment scored on 2024 v1
    old = shipped("2024")
    assessment = AssessmentFactory(edition=old)
    before = template_spec(old)

    # when: a new version is made and its points edited
    new = edition_new_version(old, actor=UserFactory())
    Option.objects.filter(question__edition=new, question__code="network", code="b").update(
        points=1
    )

    # then
    assessment.refresh_from_db()
    assert assessment.edition == old
    assert template_spec(old) == before
    assert template_spec(new).questions()["network"].option("b").points == 1


def test_the_next_version_is_after_the_newest_one(db):
    old = shipped("2024")
    edition_new_version(old, actor=UserFactory())

    third = edition_new_version(old, actor=UserFactory())

    assert (third.version, third.supersedes_id) == (3, old.pk)
    assert Edition.objects.filter(code="2024").count() == 3


# -- the admin ---------------------------------------------------------------------------------


@pytest.fixture
def staff_request(admin_user):
    request = RequestFactory().get("/")
    request.user = admin_user
    return request


def test_a_used_edition_and_its_tree_are_read_only_in_the_admin(db, staff_request):
    # given
    edition = unused("2024")
    indicator = Indicator.objects.get(dimension__edition=edition, code="planning")
    question = edition.questions.get(code="funding")
    editions, indicators = EditionAdmin(Edition, site), IndicatorAdmin(Indicator, site)
    questions = QuestionAdmin(Question, site)
    assert editions.has_change_permission(staff_request, edition)

    # when
    AssessmentFactory(edition=edition)

    # then
    assert not editions.has_change_permission(staff_request, edition)
    assert not editions.has_delete_permission(staff_request, edition)
    assert not indicators.has_change_permission(staff_request, indicator)
    assert not questions.has_change_permission(staff_request, question)
    for inline in editions.get_inline_instances(staff_request) + questions.get_inline_instances(
        staff_request
    ):
        parent = edition if inline.model._meta.model_name != "option" else question
        assert not inline.has_add_permission(staff_request, parent)
        assert not inline.has_change_permission(staff_request, parent)
        assert not inline.has_delete_permission(staff_request, parent)
    assert editions.has_change_permission(staff_request, shipped("2022"))


def test_the_admin_shows_a_used_edition_read_only_with_a_new_version_button(admin_client):
    edition = shipped("2024")
    AssessmentFactory(edition=edition)

    page = admin_client.get(reverse("admin:assessments_edition_change", args=[edition.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_new_version"' in html
    assert "此版本已被评测使用，只读" in html
    assert 'name="name"' not in html  # no editable field


def test_the_admin_button_creates_a_new_version_to_edit(admin_client):
    # given
    edition = shipped("2024")
    AssessmentFactory(edition=edition)
    url = reverse("admin:assessments_edition_change", args=[edition.pk])

    # when
    response = admin_client.post(url, {"_new_version": "1"})

    # then
    new = Edition.objects.get(code="2024", version=2)
    assert response.status_code == 302
    assert response.url == reverse("admin:assessments_edition_change", args=[new.pk])
    page = admin_client.get(response.url)
    assert 'name="name"' in page.content.decode()  # the copy is editable


def test_a_refused_admin_edit_of_a_used_edition_changes_nothing(admin_client):
    edition = shipped("2024")
    AssessmentFactory(edition=edition)
    url = reverse("admin:assessments_edition_change", args=[edition.pk])

    response = admin_client.post(url, {"name": "改过的名字", "code": "2024"})

    assert response.status_code == 403
    edition.refresh_from_db()
    assert edition.name == "中小企业数字化水平评测指标（2024年版）"


def test_the_admin_action_creates_new_versions(admin_client):
    edition = shipped("2022")

    response = admin_client.post(
        reverse("admin:assessments_edition_changelist"),
        {"action": "new_version", "_selected_action": [edition.pk]},
    )

    assert response.status_code == 302
    assert Edition.objects.filter(code="2022", version=2, supersedes=edition).exists()


def test_the_admin_lists_render_with_edition_filters(admin_client):
    edition = unused("2024")
    for name in ["edition", "indicator", "question"]:
        page = admin_client.get(reverse(f"admin:assessments_{name}_changelist"))
        assert page.status_code == 200, name
    page = admin_client.get(
        reverse("admin:assessments_question_changelist") + f"?edition__id__exact={edition.pk}"
    )
    assert "企业的生产设备联网率" in page.content.decode()
    page = admin_client.get(reverse("admin:assessments_edition_change", args=[edition.pk]))
    assert "可以用于评测" in page.content.decode()
    page = admin_client.get(reverse("admin:assessments_edition_change", args=[shipped("2022").pk]))
    assert "尚未录入任何题目" in page.content.decode()


def test_a_city_admin_completes_the_2022_edition_in_the_admin(admin_client):
    # given: the 2022 edition as shipped (no questions)
    edition = shipped("2022")
    dimension = edition.dimensions.get(code="foundation")

    # when: an indicator with one question, then the question's options
    response = admin_client.post(
        reverse("admin:assessments_indicator_add"),
        {
            "dimension": dimension.pk, "code": "systems", "name": "信息系统", "points": "25",
            "order": "1",
            "questions-TOTAL_FORMS": "1", "questions-INITIAL_FORMS": "0",
            "questions-MIN_NUM_FORMS": "0", "questions-MAX_NUM_FORMS": "1000",
            "questions-0-order": "1", "questions-0-code": "erp",
            "questions-0-text": "企业是否使用ERP系统", "questions-0-kind": "single",
            "questions-0-points": "25",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    question = Question.objects.get(code="erp")
    response = admin_client.post(
        reverse("admin:assessments_question_change", args=[question.pk]),
        {
            "indicator": question.indicator_id, "code": "erp", "text": "企业是否使用ERP系统",
            "kind": "single", "points": "25", "order": "1",
            "options-TOTAL_FORMS": "2", "options-INITIAL_FORMS": "0",
            "options-MIN_NUM_FORMS": "0", "options-MAX_NUM_FORMS": "1000",
            "options-0-order": "1", "options-0-code": "a", "options-0-text": "否",
            "options-0-points": "0",
            "options-1-order": "2", "options-1-code": "b", "options-1-text": "是",
            "options-1-points": "25",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]

    # then: the question belongs to the 2022 edition and the template shows it
    assert question.edition == edition
    spec = template_spec(edition)
    assert [(o.code, o.points) for o in spec.questions()["erp"].options] == [("a", 0), ("b", 25)]


def test_a_question_code_is_unique_within_its_edition_in_the_admin(admin_client):
    edition = unused("2024")
    indicator = Indicator.objects.get(dimension__edition=edition, code="planning")
    before = Question.objects.count()

    response = admin_client.post(
        reverse("admin:assessments_question_add"),
        {
            "indicator": indicator.pk, "code": "funding", "text": "重复", "kind": "single",
            "points": "1", "order": "9",
            "options-TOTAL_FORMS": "0", "options-INITIAL_FORMS": "0",
            "options-MIN_NUM_FORMS": "0", "options-MAX_NUM_FORMS": "1000",
        },
    )  # fmt: skip

    assert response.status_code == 200
    assert "本版本已有此题目代码" in response.content.decode()
    assert Question.objects.count() == before
