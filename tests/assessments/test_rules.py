"""Scoring, exactly: worked examples for both editions, bad input named by field, properties.

Pure: the 2024 template comes straight from the shipped data file (test_templates proves the
database holds the same tree), the 2022 one is a small questionnaire built here.
"""

import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.data.loader import edition_file
from assessments.rules import (
    AnswerErrors,
    DimensionSpec,
    IndicatorSpec,
    LevelSpec,
    OptionSpec,
    QuestionSpec,
    TemplateSpec,
    edition_problems,
    score,
    validate,
)
from assessments.templates import spec_from_data

D = Decimal
T2024 = spec_from_data(edition_file("2024"))
CONSTRAINT = [s.code for s in T2024.scenes if s.constraint]
FREE = [s.code for s in T2024.scenes if not s.constraint]


def best(template):
    answers = {}
    for code, q in template.questions().items():
        if q.kind == "multiple":
            answers[code] = [o.code for o in q.options if not o.exclusive]
        else:
            answers[code] = max(q.options, key=lambda o: o.points).code
    return answers


def worst(template):
    return {
        code: ["a"] if q.kind == "multiple" else "a" for code, q in template.questions().items()
    }


MAX, MIN = best(T2024), worst(T2024)


def answers(base, **changes):
    return {**base, **changes}


def scenes(level4=(), level3=(), rest=None):
    """Scenes at 4 and 3 as named; every other scene at `rest` (unjudged when None)."""
    judged = {code: rest for code in CONSTRAINT + FREE if rest is not None}
    judged.update({code: 3 for code in level3})
    judged.update({code: 4 for code in level4})
    return judged


ALL_4 = scenes(rest=4)

# Exact totals from the real questionnaire (the rest of the answers at their minimum).
S20 = answers(MIN, data_collection=MAX["data_collection"], information_systems="e")
S40 = answers(S20, network=MAX["network"], equipment_digitisation="e", equipment_networking="e")
S60 = answers(
    S40,
    network_security=MAX["network_security"],
    data_security=MAX["data_security"],
    energy_intensity="c",
    revenue_per_employee="c",
)
S80 = answers(MAX, information_systems="a", energy_intensity="a", revenue_per_employee="a")


def one_link_less(base):
    """The same answers with one data-collection link (0.7 points) unticked."""
    return answers(base, data_collection=[*base["data_collection"][:-2], "o"])


# -- 2024 worked examples ----------------------------------------------------------------------


def test_all_max_scores_100_and_level_4_with_every_scene_at_4():
    result = score(T2024, MAX, ALL_4)

    assert result.total == D("100.00")
    assert result.dimension_scores == {
        "foundation": D("50"),
        "management": D("30"),
        "effectiveness": D("20"),
    }
    assert result.indicator_points["data_collection"] == D("10.000")
    assert result.indicator_points["planning"] == D("15.000")
    assert result.level == 4
    assert result.unanswered == ()
    explanation = result.explanation()
    assert explanation["total"] == "100.00"
    assert explanation["summary_zh"] == (
        "总分 100.00 ≥ 80，四级场景 16 个 ≥ 10，其中约束性场景 10 个 ≥ 6，评为四级"
    )
    assert explanation["summary_en"] == (
        "score 100.00 ≥ 80, 16 scenes at level 4 ≥ 10, 10 constraint scenes at level 4 ≥ 6: level 4"
    )
    json.dumps(explanation)  # stored as JSON with the assessment


def test_all_min_scores_0_and_no_level():
    result = score(T2024, MIN, ALL_4)

    assert result.total == D("0.00")
    assert set(result.dimension_scores.values()) == {D("0")}
    assert result.level is None
    assert result.explanation()["summary_zh"] == "总分 0.00 < 20，未达到一级"
    assert result.explanation()["summary_en"] == "score 0.00 < 20: no level"
    assert [check.held for check in result.checks] == [False, False, False, False]


def test_the_score_alone_does_not_make_a_level_without_the_scenes():
    result = score(T2024, MAX, scenes(rest=1))

    assert result.total == D("100.00")
    assert result.level == 1
    assert result.explanation()["summary_zh"].startswith(
        "总分 100.00 ≥ 80，但四级场景 0 个 < 10；其中约束性场景 0 个 < 6；三级及以上场景 0 个 < 8"
    )


@pytest.mark.parametrize(
    ("given_answers", "total", "level"),
    [
        (one_link_less(S20), "19.30", None),
        (S20, "20.00", 1),
        (one_link_less(S40), "39.30", 1),
        (S40, "40.00", 2),
        (one_link_less(S60), "59.30", 2),
        (S60, "60.00", 3),
        (one_link_less(S80), "79.30", 3),
        (S80, "80.00", 4),
    ],
)
def test_the_score_boundaries_with_every_scene_at_4(given_answers, total, level):
    result = score(T2024, given_answers, ALL_4)

    assert result.total == D(total)
    assert result.level == level


def test_a_score_just_under_a_boundary_says_which_condition_failed():
    result = score(T2024, one_link_less(S60), ALL_4)

    levels = {row["level"]: row for row in result.explanation()["levels"]}
    assert levels[3]["held"] is False
    assert levels[3]["conditions"][0] == {
        "name": "score",
        "required": "60.00",
        "actual": "59.300",
        "held": False,
        "zh": "总分 59.30 < 60",
        "en": "score 59.30 < 60",
    }
    assert result.explanation()["summary_zh"] == (
        "总分 59.30 ≥ 40，二级及以上场景 16 个 ≥ 6，其中约束性场景 10 个 ≥ 3，评为二级"
    )


# 62.5: full marks except 数字化管理 (0 of 30) and 1.25 of 5 in each security question.
S62_5 = answers(
    MAX,
    planning_execution="a",
    management_mechanisms=["a"],
    talent=["a"],
    funding="a",
    network_security=["b"],
    data_security=["b"],
)


def test_62_5_with_7_scenes_at_3_is_level_2_and_says_why():
    # given: 7 scenes at level 3 (5 of them constraints), the other 9 at level 2
    judged = scenes(level3=CONSTRAINT[:5] + FREE[:2], rest=2)

    # when
    result = score(T2024, S62_5, judged)

    # then
    assert result.total == D("62.50")
    assert result.level == 2
    assert (
        result.explanation()["summary_zh"] == "总分 62.50 ≥ 60，但三级及以上场景 7 个 < 8，评为二级"
    )
    assert result.explanation()["summary_en"] == (
        "score 62.50 ≥ 60 but 7 scenes at level ≥ 3 < 8: level 2"
    )


def test_62_5_with_8_scenes_at_3_is_level_3():
    result = score(T2024, S62_5, scenes(level3=CONSTRAINT[:5] + FREE[:3], rest=2))

    assert result.level == 3


def test_8_scenes_at_3_but_only_4_constraint_scenes_is_level_2():
    result = score(T2024, S62_5, scenes(level3=CONSTRAINT[:4] + FREE[:4], rest=2))

    assert result.level == 2
    assert "其中约束性场景 4 个 < 5" in result.explanation()["summary_zh"]


@pytest.mark.parametrize(
    ("level4", "level"),
    [
        (CONSTRAINT[:6] + FREE[:4], 4),  # 10 scenes at 4, 6 constraint
        (CONSTRAINT[:6] + FREE[:3], 3),  # 9 at 4
        (CONSTRAINT[:5] + FREE[:5], 3),  # 10 at 4, only 5 constraint
    ],
)
def test_the_level_4_scene_counts(level4, level):
    assert score(T2024, MAX, scenes(level4=level4, rest=3)).level == level


def test_level_2_needs_6_scenes_at_2_with_3_constraints():
    total_45 = answers(S40, network_security=MAX["network_security"])
    six = {code: 2 for code in CONSTRAINT[:3] + FREE[:3]}
    five = {code: 2 for code in CONSTRAINT[:3] + FREE[:2]}
    others_at_1 = {code: 1 for code in CONSTRAINT + FREE}

    assert score(T2024, total_45, {**others_at_1, **six}).level == 2
    assert score(T2024, total_45, {**others_at_1, **five}).level == 1


def test_level_1_needs_6_judged_scenes_with_3_constraints():
    total_25 = answers(S20, network_security=MAX["network_security"])
    six = {code: 1 for code in CONSTRAINT[:3] + FREE[:3]}
    two_constraints = {code: 1 for code in CONSTRAINT[:2] + FREE[:4]}

    assert score(T2024, total_25, six).level == 1
    result = score(T2024, total_25, {code: 1 for code in CONSTRAINT[:3] + FREE[:2]})
    assert result.level is None
    assert (
        result.explanation()["summary_zh"]
        == "总分 25.00 ≥ 20，但一级及以上场景 5 个 < 6，未达到一级"
    )
    assert score(T2024, total_25, two_constraints).level is None


def test_partial_answers_score_what_is_answered_and_list_the_rest():
    result = score(T2024, {"information_systems": "c", "network": ["b", "d"]}, {})

    assert result.total == D("9.00")
    assert result.answered == 2
    assert "data_collection" in result.unanswered
    assert len(result.unanswered) == 13


def test_data_collection_scores_0_7_per_link_and_0_9_for_hr():
    result = score(T2024, {"data_collection": ["b", "c", "o"]}, {})

    assert result.question_points["data_collection"] == D("2.300")


def test_a_multiple_choice_question_is_capped_at_its_points():
    capped = TemplateSpec(
        "t", 1, "t", "score_only",
        (DimensionSpec("d", "d", D("5"), True, (IndicatorSpec("i", "i", D("5"), (
            QuestionSpec("q", "q", "multiple", D("5"), (
                OptionSpec("a", "无", D("0"), True),
                OptionSpec("b", "b", D("3")),
                OptionSpec("c", "c", D("3")),
            ), "i", "d"),
        )),)),),
        (), (LevelSpec(1, D("1")),),
    )  # fmt: skip

    assert score(capped, {"q": ["b", "c"]}, {}).total == D("5.00")


# -- 2022: score only --------------------------------------------------------------------------

DIMENSIONS_2022 = [
    ("foundation", "数字化基础"),
    ("operations", "数字化经营"),
    ("management", "数字化管理"),
    ("effectiveness", "数字化成效"),
]


def _dimension_2022(code, name):
    single = QuestionSpec(
        f"{code}_single", "单选", "single", D("15"),
        (OptionSpec("a", "低", D("0")), OptionSpec("b", "较低", D("4.995")),
         OptionSpec("c", "中", D("5")), OptionSpec("d", "高", D("15"))),
        f"{code}_i", code,
    )  # fmt: skip
    multiple = QuestionSpec(
        f"{code}_multi", "多选", "multiple", D("10"),
        (OptionSpec("a", "无", D("0"), True), OptionSpec("b", "措施一", D("5")),
         OptionSpec("c", "措施二", D("5"))),
        f"{code}_i", code,
    )  # fmt: skip
    indicator = IndicatorSpec(f"{code}_i", name, D("25"), (single, multiple))
    return DimensionSpec(code, name, D("25"), True, (indicator,))


T2022 = TemplateSpec(
    edition="2022",
    version=1,
    name="中小企业数字化水平评测指标（2022年版）",
    rule_kind="score_only",
    dimensions=tuple(_dimension_2022(code, name) for code, name in DIMENSIONS_2022),
    scenes=(),
    levels=tuple(LevelSpec(level, D(level * 20)) for level in (4, 3, 2, 1)),
)


def answers_2022(**points_per_dimension):
    """Each dimension's answers by how many of its 25 points to score (0, 5, 10, 15, 20, 25)."""
    picks = {
        0: ("a", ["a"]), 5: ("c", ["a"]), 10: ("c", ["b"]), 15: ("d", ["a"]), 20: ("d", ["b"]),
        25: ("d", ["b", "c"]),
    }  # fmt: skip
    result = {}
    for code, _name in DIMENSIONS_2022:
        single, multiple = picks[points_per_dimension.get(code, 0)]
        result[f"{code}_single"], result[f"{code}_multi"] = single, multiple
    return result


def test_2022_template_is_complete():
    assert edition_problems(T2022) == []


def test_2022_all_max_is_100_and_level_4_without_scenes():
    result = score(T2022, best(T2022), {})

    assert result.total == D("100.00")
    assert result.dimension_scores == {code: D("25") for code, _ in DIMENSIONS_2022}
    assert result.level == 4
    assert result.explanation()["summary_zh"] == "总分 100.00 ≥ 80，评为四级"
    assert all(len(check.conditions) == 1 for check in result.checks)  # no scene conditions


def test_2022_all_min_is_0_and_no_level():
    result = score(T2022, worst(T2022), {})

    assert result.total == D("0.00")
    assert result.level is None


@pytest.mark.parametrize(
    ("points", "total", "level"),
    [
        ({"foundation": 15}, "15.00", None),
        ({"foundation": 20}, "20.00", 1),
        ({"foundation": 25, "operations": 10}, "35.00", 1),
        ({"foundation": 25, "operations": 15}, "40.00", 2),
        ({"foundation": 25, "operations": 25, "management": 5}, "55.00", 2),
        ({"foundation": 25, "operations": 25, "management": 10}, "60.00", 3),
        ({"foundation": 25, "operations": 25, "management": 25, "effectiveness": 0}, "75.00", 3),
        ({"foundation": 25, "operations": 25, "management": 25, "effectiveness": 5}, "80.00", 4),
    ],
)
def test_2022_level_is_by_total_score_alone(points, total, level):
    result = score(T2022, answers_2022(**points), {})

    assert result.total == D(total)
    assert result.level == level


@pytest.mark.parametrize(("boundary", "below"), [(20, 1), (40, 2), (60, 3), (80, 4)])
def test_2022_a_total_that_rounds_up_to_a_boundary_does_not_reach_it(boundary, below):
    # given: boundary − 0.005 points: shown rounded as the boundary, decided on the exact sum
    full = boundary // 25
    points = {code: 25 for code, _ in DIMENSIONS_2022[:full]}
    given_answers = answers_2022(**points)
    rest = boundary - 25 * full  # 20, 15, 10 or 5 points still to find, minus 0.005
    code = DIMENSIONS_2022[full][0]
    given_answers[f"{code}_single"] = "b"  # 4.995
    given_answers[f"{code}_multi"] = {5: ["a"], 10: ["b"], 15: ["b", "c"], 20: ["b", "c"]}[rest]
    if rest == 20:  # 4.995 + 10 + (next dimension) 5
        given_answers[f"{DIMENSIONS_2022[full + 1][0]}_single"] = "c"

    # when
    result = score(T2022, given_answers, {})

    # then
    assert result.total_exact == D(boundary) - D("0.005")
    assert result.total == D(boundary)  # as shown, two places, half-up
    assert result.level == (below - 1 or None)
    assert result.checks[4 - below].conditions[0].zh == f"总分 {boundary - 1}.995 < {boundary}"


# -- bad input, named by field -----------------------------------------------------------------


def errors_of(answers_given, scenes_given=None, *, complete=False):
    with pytest.raises(AnswerErrors) as raised:
        validate(T2024, answers_given, scenes_given or {}, complete=complete)
    return raised.value.errors


def test_an_unknown_question_is_named():
    assert errors_of({"telepathy": "a"}) == {
        "answers.telepathy": "未知的题目“telepathy” / unknown question “telepathy”"
    }


def test_an_unknown_option_is_named():
    assert errors_of({"information_systems": "z"}) == {
        "answers.information_systems": "未知的选项“z” / unknown option “z”"
    }
    assert "answers.network" in errors_of({"network": ["b", "zz"]})


def test_none_ticked_with_other_options_is_refused():
    errors = errors_of({"network": ["a", "b"]})

    assert errors == {
        "answers.network": "“无”不能与其他选项同时勾选 / “无” (none) cannot be ticked together "
        "with other options"
    }


def test_an_option_ticked_twice_is_refused():
    assert "重复" in errors_of({"network": ["b", "b"]})["answers.network"]


def test_the_shape_of_an_answer_must_match_the_kind_of_question():
    errors = errors_of({"information_systems": ["b"], "network": "b"})

    assert set(errors) == {"answers.information_systems", "answers.network"}
    assert "single-choice" in errors["answers.information_systems"]
    assert "list of option codes" in errors["answers.network"]


@pytest.mark.parametrize("level", [0, 5, "x", "3", 2.0, True, [3]])
def test_a_scene_level_must_be_a_whole_number_from_1_to_4(level):
    errors = errors_of({}, {"quality": level})

    assert errors == {
        "scenes.quality": "场景等级应为 1 至 4 的整数 / the scene level must be a whole number "
        "from 1 to 4"
    }


def test_an_unknown_scene_is_named():
    assert errors_of({}, {"teleportation": 2}) == {
        "scenes.teleportation": "未知的场景“teleportation” / unknown scene “teleportation”"
    }


def test_answers_and_scenes_must_be_objects():
    assert set(errors_of(["a"], [1])) == {"answers", "scenes"}


def test_complete_answers_name_every_gap():
    # given: all answered but one question and one scene
    given_answers = {code: value for code, value in MAX.items() if code != "funding"}
    judged = {code: level for code, level in ALL_4.items() if code != "hr"}

    # when
    errors = errors_of(given_answers, judged, complete=True)

    # then
    assert errors == {
        "answers.funding": "此题未作答 / this question is not answered",
        "scenes.hr": "此场景未评定等级 / this scene has no level yet",
    }
    validate(T2024, MAX, ALL_4, complete=True)  # nothing missing: no error
    validate(T2024, given_answers, judged, complete=False)  # a draft may have gaps


def test_an_empty_multiple_choice_is_unanswered_not_none():
    assert errors_of({**MAX, "network": []}, ALL_4, complete=True) == {
        "answers.network": "此题未作答 / this question is not answered"
    }


def test_scoring_refuses_bad_answers_rather_than_guess():
    with pytest.raises(AnswerErrors):
        score(T2024, {"network": ["a", "b"]}, {})


# -- properties on the real 2024 template --------------------------------------------------------


def _answer_strategy(question):
    if question.kind == "single":
        return st.sampled_from([o.code for o in question.options])
    ticks = [o.code for o in question.options if not o.exclusive]
    return st.one_of(st.just(["a"]), st.lists(st.sampled_from(ticks), unique=True, min_size=1))


answer_sets = st.fixed_dictionaries(
    {},
    optional={code: _answer_strategy(q) for code, q in T2024.questions().items()},
)
scene_sets = st.dictionaries(
    st.sampled_from([s.code for s in T2024.scenes]), st.integers(min_value=1, max_value=4)
)


@settings(max_examples=300, deadline=None)
@given(answer_sets, scene_sets)
def test_the_total_is_the_exact_sum_of_its_parts_and_within_0_to_100(given_answers, judged):
    result = score(T2024, given_answers, judged)

    assert result.total_exact == sum(result.dimension_scores.values())
    assert result.total_exact == sum(result.question_points.values())
    assert result.total == result.total_exact.quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert D(0) <= result.total <= D(100)
    for dimension in T2024.dimensions:
        if dimension.scored:
            parts = sum(result.indicator_points[i.code] for i in dimension.indicators)
            assert result.dimension_scores[dimension.code] == parts
            assert D(0) <= parts <= dimension.points


@settings(max_examples=300, deadline=None)
@given(answer_sets, scene_sets, st.data())
def test_ticking_one_more_option_never_lowers_the_score(given_answers, judged, data):
    multiples = [(code, q) for code, q in T2024.questions().items() if q.kind == "multiple"]
    code, question = data.draw(st.sampled_from(multiples))
    ticked = [c for c in given_answers.get(code, []) if c != "a"]
    unticked = [o.code for o in question.options if not o.exclusive and o.code not in ticked]
    if not unticked:
        return
    more = {**given_answers, code: [*ticked, data.draw(st.sampled_from(unticked))]}

    before = score(T2024, given_answers, judged)
    after = score(T2024, more, judged)

    assert after.total_exact >= before.total_exact
    assert (after.level or 0) >= (before.level or 0)


@settings(max_examples=300, deadline=None)
@given(answer_sets, scene_sets, st.sampled_from([s.code for s in T2024.scenes]))
def test_raising_a_scene_level_never_lowers_the_level(given_answers, judged, scene):
    current = judged.get(scene, 0)
    if current == 4:
        return
    raised = {**judged, scene: current + 1}

    before = score(T2024, given_answers, judged).level or 0
    after = score(T2024, given_answers, raised).level or 0

    assert after >= before


@settings(max_examples=200, deadline=None)
@given(answer_sets, scene_sets)
def test_the_level_is_the_highest_row_whose_every_condition_holds(given_answers, judged):
    result = score(T2024, given_answers, judged)

    held = [check.level for check in result.checks if all(c.held for c in check.conditions)]
    assert result.level == (max(held) if held else None)
    json.dumps(result.explanation())


# -- the shipped 2024 data ---------------------------------------------------------------------


def test_the_2024_option_maxima_add_up_to_exactly_100():
    maxima = [q.max_points() for q in T2024.questions().values()]

    assert sum(maxima) == D("100")
    for question in T2024.questions().values():
        assert question.max_points() == question.points, question.code
    assert edition_problems(T2024) == []


def test_every_multiple_choice_none_option_is_exclusive_and_scores_0():
    for question in T2024.questions().values():
        exclusive = [o for o in question.options if o.exclusive]
        if question.kind == "multiple":
            assert [(o.code, o.text, o.points) for o in exclusive] == [("a", "无", D("0"))]
        else:
            assert exclusive == []


def test_edition_problems_say_why_an_edition_cannot_be_used():
    empty = TemplateSpec("2022", 1, "2022", "score_only", (), (), ())
    short = TemplateSpec(
        "x", 1, "x", "score_and_scenes",
        (DimensionSpec("d", "维度", D("10"), True, (IndicatorSpec("i", "指标", D("10"), (
            QuestionSpec("q", "q", "single", D("10"), (OptionSpec("a", "a", D("5")),), "i", "d"),
        )),)),),
        (), (LevelSpec(1, D("20")),),
    )  # fmt: skip

    assert edition_problems(empty) == [
        "尚未录入任何题目 / the edition has no questions yet",
        "计分题目满分合计 0，应为 100 / the scored questions add up to 0 points, not 100",
        "尚未设定评级规则 / the edition has no level rule",
    ]
    assert edition_problems(short) == [
        "计分题目满分合计 10，应为 100 / the scored questions add up to 10 points, not 100",
        "题目“q”的选项最多得 5 分，达不到满分 10 / the options of question “q” reach 5, not its "
        "10 points",
        "评级规则要求场景等级，但尚未录入业务场景 / the level rule counts scenes, but the edition "
        "has no business scenes",
    ]
