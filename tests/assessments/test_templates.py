"""The shipped editions in the database, templates built from them, the edition in force."""

from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps

from assessments.data.loader import edition_file, edition_unload, shipped_editions_load
from assessments.models import Assessment, Edition, Indicator, Option, Question, Scene
from assessments.rules import score
from assessments.templates import (
    current_edition,
    edition_problems,
    spec_from_data,
    template_json,
    template_spec,
    template_spec_cache_clear,
)
from tests.factories import AssessmentFactory

D = Decimal


def shipped(code: str) -> Edition:
    return Edition.objects.get(code=code, version=1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    template_spec_cache_clear()
    yield
    template_spec_cache_clear()


def test_the_data_migration_ships_the_2024_edition(db):
    edition = shipped("2024")

    assert edition.is_default
    assert edition.level_rule_kind == "score_and_scenes"
    assert edition.effective_from == date(2024, 9, 4)
    assert [d.code for d in edition.dimensions.all()] == [
        "foundation",
        "operations",
        "management",
        "effectiveness",
    ]
    assert edition.questions.count() == 15
    assert Option.objects.filter(question__edition=edition).count() == 79
    assert edition.scenes.count() == 16
    assert sorted(edition.scenes.filter(constraint=True).values_list("code", flat=True)) == [
        "energy", "equipment", "finance", "marketing", "procurement", "product_design",
        "production_control", "quality", "safety", "warehouse",
    ]  # fmt: skip
    assert sum(q.points for q in edition.questions.all()) == D("100")
    assert [(r.level, r.min_score, r.min_scenes, r.min_constraint_scenes)
            for r in edition.level_rules.all()] == [
        (4, D("80"), 10, 6), (3, D("60"), 8, 5), (2, D("40"), 6, 3), (1, D("20"), 6, 3),
    ]  # fmt: skip
    assert "第三方" in edition.note and "third-party" in edition.note


def test_the_scenes_are_the_provider_scenarios(db):
    from providers.models import Scenario

    codes = list(shipped("2024").scenes.values_list("code", flat=True))

    assert codes == list(Scenario.values)


def test_the_data_migration_ships_the_2022_edition_to_be_completed(db):
    edition = shipped("2022")
    spec = template_spec(edition)

    assert not edition.is_default
    assert edition.industry == "制造业"
    assert (edition.effective_from, edition.effective_to) == (date(2022, 11, 1), date(2024, 9, 3))
    assert [(d.name, d.scored) for d in edition.dimensions.all()] == [
        ("数字化基础", True), ("数字化经营", True), ("数字化管理", True), ("数字化成效", True),
    ]  # fmt: skip
    assert [(r.level, r.min_score, r.min_scenes) for r in edition.level_rules.all()] == [
        (4, D("80"), 0), (3, D("60"), 0), (2, D("40"), 0), (1, D("20"), 0),
    ]  # fmt: skip
    assert edition.questions.count() == 0
    assert "后台补全" in edition.note
    assert edition_problems(spec) == [
        "尚未录入任何题目 / the edition has no questions yet",
        "计分题目满分合计 0，应为 100 / the scored questions add up to 0 points, not 100",
    ]


def test_loading_the_shipped_editions_again_changes_nothing(db):
    before = (Edition.objects.count(), Question.objects.count(), Option.objects.count())

    shipped_editions_load(apps)

    assert (Edition.objects.count(), Question.objects.count(), Option.objects.count()) == before


def test_unloading_an_edition_removes_its_tree(db):
    Assessment.objects.all().delete()  # the demo's, when loaded: they protect the edition
    edition_unload(apps, edition_file("2024"))

    assert not Edition.objects.filter(code="2024").exists()
    assert not Scene.objects.filter(edition__code="2024").exists()
    shipped_editions_load(apps)
    assert template_spec(shipped("2024")) == spec_from_data(edition_file("2024"))


def test_the_template_from_the_database_is_the_data_file(db):
    assert template_spec(shipped("2024")) == spec_from_data(edition_file("2024"))
    assert template_spec(shipped("2022")) == spec_from_data(edition_file("2022"))


def _small_edition() -> Edition:
    edition = Edition.objects.create(
        code="tiny", name="tiny", effective_from=date(2024, 1, 1), level_rule_kind="score_only"
    )
    dimension = edition.dimensions.create(code="d", name="维度", points=100)
    indicator = dimension.indicators.create(code="i", name="指标", points=100)
    question = Question.objects.create(
        edition=edition, indicator=indicator, code="q", text="q", kind="single", points=100
    )
    question.options.create(code="a", text="a", points=0)
    question.options.create(code="b", text="b", points=100)
    edition.level_rules.create(level=1, min_score=20)
    return edition


def test_building_a_template_takes_the_same_queries_for_1_or_15_questions(
    db, django_assert_num_queries
):
    # given: a one-question edition and the 15-question 2024 edition
    small, large = _small_edition(), shipped("2024")

    # then: dimensions, indicators, questions, options, scenes, level rules, "in use?"
    with django_assert_num_queries(7):
        assert len(template_spec(small).questions()) == 1
    with django_assert_num_queries(7):
        assert len(template_spec(large).questions()) == 15


def test_a_used_edition_is_kept_in_process(db, django_assert_num_queries):
    edition = shipped("2024")
    AssessmentFactory(edition=edition)
    first = template_spec(edition)

    with django_assert_num_queries(0):
        assert template_spec(edition) is first


def test_an_unused_edition_is_rebuilt_so_admin_edits_show_at_once(db):
    # given: the 2022 edition, not used yet, as a template
    edition = shipped("2022")
    assert template_spec(edition).questions() == {}

    # when: a city admin adds a question
    indicator = Indicator.objects.create(
        dimension=edition.dimensions.get(code="foundation"), code="basics", name="基础", points=25
    )
    Question.objects.create(
        edition=edition, indicator=indicator, code="erp", text="ERP?", kind="single", points=25
    )

    # then
    assert list(template_spec(edition).questions()) == ["erp"]


def test_the_2022_edition_completed_in_the_database_scores_by_total_alone(db):
    # given: the 2022 edition completed with one 25-point question per dimension
    edition = shipped("2022")
    for dimension in edition.dimensions.all():
        dimension.points = 25
        dimension.save()
        indicator = dimension.indicators.create(code=f"{dimension.code}_i", name="指标", points=25)
        question = Question.objects.create(
            edition=edition, indicator=indicator, code=dimension.code, text="程度",
            kind="single", points=25,
        )  # fmt: skip
        for code, points in [("a", "0"), ("b", "10"), ("c", "19.995"), ("d", "20"), ("e", "25")]:
            question.options.create(code=code, text=code, points=D(points))
    spec = template_spec(edition)
    assert edition_problems(spec) == []

    def rated(*picks):
        return score(spec, dict(zip(["foundation", "operations", "management", "effectiveness"],
                                    picks, strict=True)), {})  # fmt: skip

    # then
    assert (rated("e", "e", "e", "e").total, rated("e", "e", "e", "e").level) == (D("100.00"), 4)
    assert (rated("a", "a", "a", "a").total, rated("a", "a", "a", "a").level) == (D("0.00"), None)
    assert rated("d", "a", "a", "a").level == 1
    assert rated("c", "a", "a", "a").level is None  # 19.995 shows as 20.00 but is below 20
    assert rated("d", "d", "a", "a").level == 2
    assert rated("c", "d", "a", "a").level == 1
    assert rated("d", "d", "d", "a").level == 3
    assert rated("d", "d", "d", "c").level == 3  # 79.995
    assert rated("d", "d", "d", "d").level == 4
    assert rated("c", "d", "d", "a").level == 2  # 59.995


def test_template_json_has_the_api_shape_with_points_as_strings(db):
    data = template_json(template_spec(shipped("2024")))

    assert data["version"] == 1
    assert data["usable"] is True and data["problems"] == []
    assert [d["code"] for d in data["dimensions"]] == [
        "foundation", "operations", "management", "effectiveness",
    ]  # fmt: skip
    network = data["dimensions"][0]["indicators"][0]["questions"][0]
    assert network == {
        "code": "network",
        "text": "企业网络建设连接情况",
        "kind": "multiple",
        "points": "8",
        "options": [
            {"code": "a", "text": "无", "points": "0", "exclusive": True},
            {"code": "b", "text": "工控网络", "points": "2", "exclusive": False},
            {"code": "c", "text": "应用系统网络", "points": "2", "exclusive": False},
            {"code": "d", "text": "5G工业网络", "points": "2", "exclusive": False},
            {"code": "e", "text": "网络全面覆盖生产现场", "points": "2", "exclusive": False},
        ],
    }
    assert data["scenes"][0] == {
        "code": "product_design", "name": "产品设计", "group": "产品生命周期数字化",
        "constraint": True,
    }  # fmt: skip
    assert data["levels"][0] == {
        "level": 4, "min_score": "80.00", "min_scenes": 10, "min_constraint_scenes": 6,
    }  # fmt: skip
    assert data["dimensions"][1]["scored"] is False


def test_the_current_edition_is_the_default_in_force(db):
    assert current_edition() == shipped("2024")
    # Before 2024-09-04 nothing default is in force: the newest default still answers.
    assert current_edition(on=date(2023, 1, 1)) == shipped("2024")


def test_the_current_edition_follows_the_default_flag(db):
    Edition.objects.filter(code="2024").update(is_default=False)
    newer = Edition.objects.create(
        code="2024", version=2, name="v2", effective_from=date(2024, 9, 4),
        level_rule_kind="score_and_scenes", is_default=True,
    )  # fmt: skip

    assert current_edition() == newer


def test_without_a_default_there_is_no_current_edition(db):
    Edition.objects.update(is_default=False)

    with pytest.raises(Edition.DoesNotExist):
        current_edition()


def test_a_template_carries_the_editions_note(db):
    spec = template_spec(shipped("2024"))

    assert "reconstructed" in spec.note
    assert "reconstructed" in template_json(spec)["note"]
