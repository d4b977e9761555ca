"""Scoring a digital-level assessment, pure: answers and scene levels → scores, level, reasons.

Everything is Decimal and exact (option points have three places; the total shown has two,
rounded half-up, but the level is decided on the exact sum). No Django here: the template
arrives as a `TemplateSpec` built by `assessments.templates`.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.000")
EXACT = Decimal("0.001")
CENTS = Decimal("0.01")
SCENE_LEVELS = (1, 2, 3, 4)
LEVEL_ZH = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}

SINGLE = "single"
MULTIPLE = "multiple"
SCORE_ONLY = "score_only"
SCORE_AND_SCENES = "score_and_scenes"


@dataclass(frozen=True)
class OptionSpec:
    code: str
    text: str
    points: Decimal
    exclusive: bool = False


@dataclass(frozen=True)
class QuestionSpec:
    code: str
    text: str
    kind: str  # "single" | "multiple"
    points: Decimal  # the most the question can score
    options: tuple[OptionSpec, ...]
    indicator: str
    dimension: str

    def option(self, code: str) -> OptionSpec | None:
        return next((option for option in self.options if option.code == code), None)

    def max_points(self) -> Decimal:
        """What the options can reach: the best option, or every non-exclusive one ticked."""
        if not self.options:
            return ZERO
        if self.kind == SINGLE:
            return max(option.points for option in self.options)
        return min(self.points, sum((o.points for o in self.options if not o.exclusive), ZERO))


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    name: str
    points: Decimal
    questions: tuple[QuestionSpec, ...]


@dataclass(frozen=True)
class DimensionSpec:
    code: str
    name: str
    points: Decimal
    scored: bool
    indicators: tuple[IndicatorSpec, ...]


@dataclass(frozen=True)
class SceneSpec:
    code: str
    name: str
    constraint: bool
    group: str = ""


@dataclass(frozen=True)
class LevelSpec:
    level: int
    min_score: Decimal
    min_scenes: int = 0
    min_constraint_scenes: int = 0


@dataclass(frozen=True)
class TemplateSpec:
    edition: str
    version: int
    name: str
    rule_kind: str  # "score_only" | "score_and_scenes"
    dimensions: tuple[DimensionSpec, ...]
    scenes: tuple[SceneSpec, ...]
    levels: tuple[LevelSpec, ...]
    note: str = ""
    industry: str = ""
    _questions: dict = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self):
        by_code = {
            question.code: question
            for dimension in self.dimensions
            for indicator in dimension.indicators
            for question in indicator.questions
        }
        object.__setattr__(self, "_questions", by_code)

    def questions(self) -> dict[str, QuestionSpec]:
        """Every question by code, in questionnaire order."""
        return self._questions

    def scene(self, code: str) -> SceneSpec | None:
        return next((scene for scene in self.scenes if scene.code == code), None)

    def scored_points(self) -> Decimal:
        """The most an assessment can score: the questions of the scored dimensions."""
        return sum(
            (
                question.points
                for dimension in self.dimensions
                if dimension.scored
                for indicator in dimension.indicators
                for question in indicator.questions
            ),
            ZERO,
        )


# -- validation --------------------------------------------------------------------------------


class AnswerErrors(Exception):
    """Bad answers: field path ("answers.<question>", "scenes.<scene>") → "中文 / English"."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors.items()))
        self.errors = errors


def _is_unanswered(value) -> bool:
    return value is None or value == "" or value == []


def _question_error(question: QuestionSpec, value) -> str | None:
    if question.kind == SINGLE:
        if not isinstance(value, str):
            return "单选题只能选一个选项代码 / a single-choice question takes one option code"
        if question.option(value) is None:
            return f"未知的选项“{value}” / unknown option “{value}”"
        return None
    if not isinstance(value, list):
        return "多选题应给出选项代码列表 / a multiple-choice question takes a list of option codes"
    seen = set()
    for code in value:
        if not isinstance(code, str) or question.option(code) is None:
            return f"未知的选项“{code}” / unknown option “{code}”"
        if code in seen:
            return f"选项“{code}”重复 / option “{code}” is ticked twice"
        seen.add(code)
    if len(value) > 1:
        for code in value:
            option = question.option(code)
            if option.exclusive:
                return (
                    f"“{option.text}”不能与其他选项同时勾选 / "
                    f"“{option.text}” (none) cannot be ticked together with other options"
                )
    return None


def _scene_level_ok(value) -> bool:
    # bool is an int in Python; True is not a scene level.
    return isinstance(value, int) and not isinstance(value, bool) and value in SCENE_LEVELS


def validate(template: TemplateSpec, answers: dict, scenes: dict, *, complete: bool) -> None:
    """Raise AnswerErrors naming every bad field; with complete=True also every gap."""
    errors: dict[str, str] = {}
    questions = template.questions()
    if not isinstance(answers, dict):
        errors["answers"] = (
            "答案格式应为 {题目代码: 选项} / answers must be {question code: option}"
        )
        answers = {}
    if not isinstance(scenes, dict):
        errors["scenes"] = "场景等级格式应为 {场景代码: 1–4} / scenes must be {scene code: 1–4}"
        scenes = {}

    for code, value in answers.items():
        question = questions.get(code)
        if question is None:
            errors[f"answers.{code}"] = f"未知的题目“{code}” / unknown question “{code}”"
        elif not _is_unanswered(value):
            message = _question_error(question, value)
            if message:
                errors[f"answers.{code}"] = message

    for code, value in scenes.items():
        if template.scene(code) is None:
            errors[f"scenes.{code}"] = f"未知的场景“{code}” / unknown scene “{code}”"
        elif value is not None and not _scene_level_ok(value):
            errors[f"scenes.{code}"] = (
                "场景等级应为 1 至 4 的整数 / the scene level must be a whole number from 1 to 4"
            )

    if complete:
        for code in questions:
            if _is_unanswered(answers.get(code)):
                errors.setdefault(f"answers.{code}", "此题未作答 / this question is not answered")
        for scene in template.scenes:
            if scenes.get(scene.code) is None:
                errors.setdefault(
                    f"scenes.{scene.code}", "此场景未评定等级 / this scene has no level yet"
                )

    if errors:
        raise AnswerErrors(errors)


# -- scoring -----------------------------------------------------------------------------------


def _fmt(value: Decimal) -> str:
    """Points as people write them: 7.5, 0.7, 20 — exact, no exponent."""
    return format(value.normalize(), "f")


def _fmt_score(value: Decimal) -> str:
    """A total with two places, or three when two would round (the level uses the exact sum)."""
    cents = value.quantize(CENTS, rounding=ROUND_HALF_UP)
    return format(cents if cents == value else value.quantize(EXACT), "f")


def _value_text(value, places: Decimal) -> str:
    """A condition's figure for JSON: scene counts as they are, scores to fixed places."""
    return format(value.quantize(places), "f") if isinstance(value, Decimal) else str(value)


@dataclass(frozen=True)
class ConditionResult:
    name: str  # "score" | "scenes" | "constraint_scenes"
    required: Decimal | int
    actual: Decimal | int
    held: bool
    zh: str
    en: str


@dataclass(frozen=True)
class LevelCheck:
    level: int
    held: bool
    conditions: tuple[ConditionResult, ...]


def _scenes_phrase(level: int) -> tuple[str, str]:
    if level == 4:
        return "四级场景", "at level 4"
    return f"{LEVEL_ZH[level]}及以上场景", f"at level ≥ {level}"


def _check_level(
    rule: LevelSpec, total: Decimal, template: TemplateSpec, scene_levels: dict[str, int]
) -> LevelCheck:
    ok = total >= rule.min_score
    sign = "≥" if ok else "<"
    shown, required = _fmt_score(total), _fmt(rule.min_score)
    conditions = [
        ConditionResult(
            "score", rule.min_score, total, ok,
            f"总分 {shown} {sign} {required}", f"score {shown} {sign} {required}",
        )
    ]  # fmt: skip
    if template.rule_kind == SCORE_AND_SCENES:
        reached = [s for s in template.scenes if scene_levels.get(s.code, 0) >= rule.level]
        count = len(reached)
        constraint = sum(1 for s in reached if s.constraint)
        zh_what, en_what = _scenes_phrase(rule.level)
        ok = count >= rule.min_scenes
        sign = "≥" if ok else "<"
        conditions.append(
            ConditionResult(
                "scenes", rule.min_scenes, count, ok,
                f"{zh_what} {count} 个 {sign} {rule.min_scenes}",
                f"{count} scenes {en_what} {sign} {rule.min_scenes}",
            )
        )  # fmt: skip
        ok = constraint >= rule.min_constraint_scenes
        sign = "≥" if ok else "<"
        conditions.append(
            ConditionResult(
                "constraint_scenes", rule.min_constraint_scenes, constraint, ok,
                f"其中约束性场景 {constraint} 个 {sign} {rule.min_constraint_scenes}",
                f"{constraint} constraint scenes {en_what} {sign} {rule.min_constraint_scenes}",
            )
        )  # fmt: skip
    return LevelCheck(rule.level, all(c.held for c in conditions), tuple(conditions))


@dataclass(frozen=True)
class ScoreResult:
    template: TemplateSpec = field(repr=False)
    total: Decimal  # two places, half-up
    total_exact: Decimal
    dimension_scores: dict[str, Decimal]  # scored dimensions only
    indicator_points: dict[str, Decimal]
    question_points: dict[str, Decimal]
    answered: int
    unanswered: tuple[str, ...]
    level: int | None
    checks: tuple[LevelCheck, ...]  # 4 → 1

    def summary(self) -> tuple[str, str]:
        """One sentence each: why this level and not the one the score alone would give."""
        total = _fmt_score(self.total_exact)
        by_score = [c for c in self.checks if c.conditions[0].held]
        if not by_score:
            lowest = min(self.checks, key=lambda check: check.level, default=None)
            if lowest is None:
                return f"总分 {total}，未设评级规则", f"score {total}; no level rule"
            score = lowest.conditions[0]
            return f"{score.zh}，未达到一级", f"{score.en}: no level"
        hoped = by_score[0]  # the highest level the score alone reaches
        failed = [
            condition
            for check in self.checks
            if check.level <= hoped.level and (self.level is None or check.level > self.level)
            for condition in check.conditions
            if not condition.held
        ]
        reached_zh = f"评为{LEVEL_ZH[self.level]}" if self.level else "未达到一级"
        reached_en = f"level {self.level}" if self.level else "no level"
        score = hoped.conditions[0]
        if not failed:
            return (
                "，".join(c.zh for c in hoped.conditions) + f"，{reached_zh}",
                ", ".join(c.en for c in hoped.conditions) + f": {reached_en}",
            )
        return (
            f"{score.zh}，但" + "；".join(c.zh for c in failed) + f"，{reached_zh}",
            f"{score.en} but " + "; ".join(c.en for c in failed) + f": {reached_en}",
        )

    def explanation(self) -> dict:
        """The computation as JSON (Decimals as strings), stored with the assessment."""
        template = self.template
        summary_zh, summary_en = self.summary()
        return {
            "edition": template.edition,
            "version": template.version,
            "total": format(self.total, "f"),
            "total_exact": format(self.total_exact, "f"),
            "max_total": _fmt(template.scored_points()),
            "dimensions": [
                {
                    "code": d.code,
                    "name": d.name,
                    "points": _fmt(d.points),
                    "score": format(self.dimension_scores[d.code], "f"),
                }
                for d in template.dimensions
                if d.scored
            ],
            "indicators": [
                {
                    "code": i.code,
                    "name": i.name,
                    "dimension": d.code,
                    "points": _fmt(i.points),
                    "score": format(self.indicator_points[i.code], "f"),
                }
                for d in template.dimensions
                if d.scored
                for i in d.indicators
            ],
            "answered": self.answered,
            "unanswered": list(self.unanswered),
            "level": self.level,
            "levels": [
                {
                    "level": check.level,
                    "held": check.held,
                    "conditions": [
                        {
                            "name": c.name,
                            "required": _value_text(c.required, CENTS),
                            "actual": _value_text(c.actual, EXACT),
                            "held": c.held,
                            "zh": c.zh,
                            "en": c.en,
                        }
                        for c in check.conditions
                    ],
                }
                for check in self.checks
            ],
            "summary_zh": summary_zh,
            "summary_en": summary_en,
        }


def question_points(question: QuestionSpec, value) -> Decimal:
    """What one (valid) answer scores: the option, or the ticked options capped at the maximum."""
    if _is_unanswered(value):
        return ZERO
    if question.kind == SINGLE:
        option = question.option(value)
        return ZERO if option.exclusive else option.points
    ticked = (question.option(code) for code in value)
    return min(question.points, sum((o.points for o in ticked if not o.exclusive), ZERO))


def score(template: TemplateSpec, answers: dict, scenes: dict) -> ScoreResult:
    """Score (possibly partial) answers; unanswered questions score 0. Bad input raises."""
    validate(template, answers, scenes, complete=False)
    per_question: dict[str, Decimal] = {}
    per_indicator: dict[str, Decimal] = {}
    per_dimension: dict[str, Decimal] = {}
    unanswered = []
    for dimension in template.dimensions:
        dimension_sum = ZERO
        for indicator in dimension.indicators:
            indicator_sum = ZERO
            for question in indicator.questions:
                value = answers.get(question.code)
                if _is_unanswered(value):
                    unanswered.append(question.code)
                points = question_points(question, value).quantize(EXACT)
                per_question[question.code] = points
                indicator_sum += points
            per_indicator[indicator.code] = indicator_sum.quantize(EXACT)
            dimension_sum += indicator_sum
        if dimension.scored:
            per_dimension[dimension.code] = dimension_sum.quantize(EXACT)
    total_exact = sum(per_dimension.values(), ZERO).quantize(EXACT)
    scene_levels = {code: level for code, level in scenes.items() if level is not None}
    checks = tuple(
        _check_level(rule, total_exact, template, scene_levels)
        for rule in sorted(template.levels, key=lambda rule: rule.level, reverse=True)
    )
    level = next((check.level for check in checks if check.held), None)
    return ScoreResult(
        template=template,
        total=total_exact.quantize(CENTS, rounding=ROUND_HALF_UP),
        total_exact=total_exact,
        dimension_scores=per_dimension,
        indicator_points=per_indicator,
        question_points=per_question,
        answered=len(per_question) - len(unanswered),
        unanswered=tuple(unanswered),
        level=level,
        checks=checks,
    )


# -- is an edition usable? ---------------------------------------------------------------------

FULL_MARKS = Decimal("100")


def edition_problems(template: TemplateSpec) -> list[str]:
    """Why an edition cannot be used for assessments yet ("中文 / English"); empty when usable.

    An incomplete edition (the 2022 one as shipped) still builds a template so the admin and
    the pages can show it; services refuse to start assessments on it.
    """
    problems = []
    questions = template.questions()
    if not questions:
        problems.append("尚未录入任何题目 / the edition has no questions yet")
    total = template.scored_points()
    if total != FULL_MARKS:
        problems.append(
            f"计分题目满分合计 {_fmt(total)}，应为 100 / "
            f"the scored questions add up to {_fmt(total)} points, not 100"
        )
    for dimension in template.dimensions:
        if not dimension.scored:
            continue
        parts = sum((i.points for i in dimension.indicators), ZERO)
        if dimension.indicators and parts != dimension.points:
            problems.append(
                f"维度“{dimension.name}”分值 {_fmt(dimension.points)} 与其指标合计 "
                f"{_fmt(parts)} 不符 / dimension “{dimension.code}” has "
                f"{_fmt(dimension.points)} points but its indicators add up to {_fmt(parts)}"
            )
        for indicator in dimension.indicators:
            parts = sum((q.points for q in indicator.questions), ZERO)
            if parts != indicator.points:
                problems.append(
                    f"指标“{indicator.name}”分值 {_fmt(indicator.points)} 与其题目合计 "
                    f"{_fmt(parts)} 不符 / indicator “{indicator.code}” has "
                    f"{_fmt(indicator.points)} points but its questions add up to {_fmt(parts)}"
                )
    for question in questions.values():
        if not question.options:
            problems.append(
                f"题目“{question.code}”没有选项 / question “{question.code}” has no options"
            )
        elif question.max_points() != question.points:
            problems.append(
                f"题目“{question.code}”的选项最多得 {_fmt(question.max_points())} 分，"
                f"达不到满分 {_fmt(question.points)} / the options of question "
                f"“{question.code}” reach {_fmt(question.max_points())}, "
                f"not its {_fmt(question.points)} points"
            )
        if any(o.exclusive and o.points for o in question.options):
            problems.append(
                f"题目“{question.code}”的排他选项（“无”）不应有分值 / the exclusive (none) "
                f"option of question “{question.code}” must score 0"
            )
    if not template.levels:
        problems.append("尚未设定评级规则 / the edition has no level rule")
    if template.rule_kind == SCORE_AND_SCENES and not template.scenes:
        problems.append(
            "评级规则要求场景等级，但尚未录入业务场景 / the level rule counts scenes, "
            "but the edition has no business scenes"
        )
    return problems
