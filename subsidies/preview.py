"""The subsidy calculator (试算): one rule line of the city's rulebook, the figures a user enters,
optionally one enterprise's exclusion flags and enrolment batch → the amount and how it was
reached. Nothing is stored; the arithmetic is `rules.compute`, the very function claims use.

Used by `subsidy-preview/` (API) and the calculator page; both parse what was typed with
`parse_inputs`, so a refusal reads the same in both.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import Sum
from django.http import Http404
from django.utils import timezone

from enterprises.models import Enterprise
from pilot_portal.errors import InvalidInput
from pilot_portal.tenancy import policy
from subsidies import rules
from subsidies.models import RulebookVersion, SubsidyClaim
from subsidies.rulebook import (
    BONUS_POINTS,
    CAPPED_AMOUNT,
    FIXED,
    INTEREST,
    PER_UNIT,
    RATE_BY_LEVEL,
    SHARE_OF_FEE,
    Line,
    Rulebook,
)
from subsidies.rulebooks import rulebook_in_effect, rulebook_of

MONEY_INPUTS = ("investment", "fee", "loan_interest", "requested", "granted_elsewhere")
WHOLE_INPUTS = ("level", "units", "batch_index")
INPUTS = ("level", "investment", "fee", "units", "loan_interest", "requested",
          "granted_elsewhere", "batch_index")  # fmt: skip
INPUT_ZH = {"level": "数字化水平等级", "investment": "可补助投资", "fee": "费用", "units": "数量",
            "loan_interest": "本年贷款利息", "requested": "拟奖励金额",
            "granted_elsewhere": "其他政策已补助", "batch_index": "批次序号"}  # fmt: skip
# The name each input has in `rules.Facts`.
FACT_NAMES = {"investment": "eligible_investment"}
# Roles that may preview under a version other than the one in effect (they see the versions).
VERSION_ACTIONS = ("subsidy.rulebook", "subsidy.funds")
MAX_AMOUNT = Decimal("1000000000000")  # 10^12: beyond any pilot, and within max_digits=14
MAX_WHOLE = 1_000_000  # units, batches


class InputsInvalid(InvalidInput):
    """Every refused input at once: `errors` maps the input's name to a "中文 / English" message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        field_name, message = next(iter(errors.items()))
        super().__init__(message, field=field_name)


@dataclass(frozen=True)
class LineInputs:
    """What the calculator asks for one rule line."""

    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return self.required + self.optional


def line_inputs(rulebook: Rulebook, line: Line) -> LineInputs:
    """The inputs a line needs (required) and those that can change its amount (optional)."""
    p = line.params
    required: tuple[str, ...] = {
        RATE_BY_LEVEL: ("level", "investment"),
        SHARE_OF_FEE: ("fee",),
        PER_UNIT: ("units", "fee") if getattr(p, "limit_to_fee", False) else ("units",),
        FIXED: (),
        CAPPED_AMOUNT: ("fee",),
        INTEREST: ("loan_interest",),
        BONUS_POINTS: (),
    }[line.kind]
    optional: list[str] = ["level"] if line.kind == BONUS_POINTS else []
    if line.kind == FIXED and p.up_to:
        optional.append("requested")
    if any(f.line == line.code for f in rulebook.falling_rates):
        optional.append("batch_index")
    if rulebook.take_highest and line.monetary:
        optional.append("granted_elsewhere")
    return LineInputs(required=required, optional=tuple(optional))


def _number(name: str, value) -> tuple[object, str | None]:
    """(parsed value, None) or (None, bilingual message)."""
    zh = INPUT_ZH[name]
    shown = str(value)[:40]
    if name in WHOLE_INPUTS:
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            return None, f"{zh}须为整数（{shown}） / {name} must be a whole number ({shown})"
        if name == "level" and number not in (1, 2, 3, 4):
            return None, f"{zh}须为 1–4（{number}） / {name} must be 1–4 ({number})"
        if not (1 if name == "batch_index" else 0) <= number <= MAX_WHOLE:
            return None, f"{zh}超出范围（{number}） / {name} is out of range ({number})"
        return number, None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None, f"{zh}须为金额，如 1200000.00（{shown}） / {name} must be an amount ({shown})"
    if not amount.is_finite() or amount < 0 or amount >= MAX_AMOUNT:
        return None, f"{zh}须为不小于 0 的金额（{shown}） / {name} must be an amount ≥ 0 ({shown})"
    if amount != amount.quantize(rules.FEN):
        return None, f"{zh}最多两位小数（{shown}） / {name} has at most two decimals ({shown})"
    return rules.money(amount), None


def parse_inputs(rulebook: Rulebook, line: Line, raw: dict) -> dict:
    """What was typed for `line` → values for `rules.Facts` (under the inputs' own names).

    Inputs the line does not use are ignored; a missing required one, or a bad number, is
    refused, every problem at once (`InputsInvalid`)."""
    wanted = line_inputs(rulebook, line)
    values, errors = {}, {}
    for name in wanted.all:
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if name in wanted.required:
                errors[name] = f"请填写{INPUT_ZH[name]} / {name} is required for {line.code}"
            continue
        parsed, error = _number(name, value)
        if error:
            errors[name] = error
        else:
            values[name] = parsed
    if errors:
        raise InputsInvalid(errors)
    return values


# -- what the preview reads --------------------------------------------------------------------


def preview_version(*, user, city, version_id=None) -> RulebookVersion:
    """The version in effect today, or (for those who see the versions) the one asked for."""
    if version_id in (None, ""):
        return rulebook_in_effect(city)  # Conflict (409) when the city has none
    if not any(policy.can(user, action, city=city) for action in VERSION_ACTIONS):
        raise Http404("规则版本不存在 / no such rulebook version")
    try:
        pk = int(version_id)
    except (TypeError, ValueError):
        raise Http404("规则版本不存在 / no such rulebook version") from None
    version = RulebookVersion.objects.for_city(city).filter(pk=pk).first()
    if version is None:
        raise Http404("规则版本不存在 / no such rulebook version")
    return version


def preview_enterprise(*, user, city, pk=None, uscc: str | None = None) -> Enterprise | None:
    """The enterprise whose exclusions apply: one the user sees (`policy.enterprise_scope`), by
    id (API) or credit code (page). 404 for any other, of this city or another alike."""
    if pk in (None, "") and not uscc:
        return None
    rows = Enterprise.objects.for_city(city).filter(policy.enterprise_scope(user, city))
    if uscc:
        enterprise = rows.filter(uscc=uscc.strip().upper()).first()
    else:
        try:
            enterprise = rows.filter(pk=int(pk)).first()
        except (TypeError, ValueError):
            enterprise = None
    if enterprise is None:
        raise Http404("企业不存在 / no such enterprise")
    return enterprise


def line_of(rulebook: Rulebook, kind) -> Line:
    """The line named `kind`, or a 400 that lists the city's lines."""
    codes = ", ".join(line.code for line in rulebook.lines)
    try:
        return rulebook.line(str(kind or ""))
    except KeyError:
        raise InvalidInput(
            f"未知的补助类型：{kind or '（空）'}；本市可选：{codes} / "
            f"unknown kind: {kind or '(empty)'}; this city's kinds: {codes}",
            field="kind",
        ) from None


def _category_used(city, rulebook: Rulebook, line: Line) -> Decimal:
    """What the city already granted in the line's category, when the category has a total."""
    if rulebook.category_total(line.category) is None:
        return rules.ZERO
    from subsidies.facts import GRANTED_STATUSES

    kinds = [other.code for other in rulebook.lines if other.category == line.category]
    totals = (
        SubsidyClaim.objects.for_city(city)
        .filter(kind__in=kinds, status__in=GRANTED_STATUSES)
        .aggregate(approved=Sum("approved_amount"), clawed=Sum("clawed_back_amount"))
    )
    used = (totals["approved"] or rules.ZERO) - (totals["clawed"] or rules.ZERO)
    return max(used, rules.ZERO)


def _batch_index(city, enterprise) -> int | None:
    from subsidies.facts import _batch_indexes  # the claims' own rule for the enrolment batch

    return _batch_indexes(city.pk, {enterprise.pk}).get(enterprise.pk)


# -- the preview -------------------------------------------------------------------------------


def steps_json(steps) -> list[dict]:
    """Steps as stored and served: {"key", "zh", "en", "value"}, money and rates as strings."""
    out = []
    for step in steps:
        value = step.value
        if isinstance(value, Decimal):
            value = str(value)
        out.append({"key": step.key, "zh": step.name_zh, "en": step.name_en, "value": value})
    return out


@dataclass
class Preview:
    """Shaped like a `SubsidyComputation`, so `subsidies/_explanation.html` renders either."""

    version: RulebookVersion
    line: Line
    amount: Decimal
    eligible: bool
    reasons: list[list[str]]
    steps: list[dict]
    explanation_zh: str
    explanation_en: str
    points: int | None
    inputs: dict
    enterprise: Enterprise | None = None
    batch_index: int | None = None
    flags: dict = field(default_factory=dict)

    @property
    def rule(self) -> str:
        return f"{self.line.name_zh} / {self.line.name_en}"


def subsidy_preview(
    *, city, version: RulebookVersion, kind, raw_inputs: dict, enterprise=None, today=None
) -> Preview:
    """Compute `kind` of `version` for what was typed (and `enterprise`'s flags and batch)."""
    from subsidies.facts import enterprise_flags

    rulebook = rulebook_of(version)
    line = line_of(rulebook, kind)
    inputs = parse_inputs(rulebook, line, raw_inputs or {})
    today = today or timezone.localdate()
    flags = enterprise_flags(enterprise, today) if enterprise is not None else {}
    batch_index = inputs.get("batch_index")
    if (
        batch_index is None
        and enterprise is not None
        and "batch_index" in line_inputs(rulebook, line).all
    ):
        batch_index = _batch_index(city, enterprise)
    facts = rules.Facts(
        **{FACT_NAMES.get(k, k): v for k, v in inputs.items() if k != "batch_index"},
        batch_index=batch_index,
        programme_used_in_category=_category_used(city, rulebook, line),
        **flags,
    )
    result = rules.compute(rulebook, line.code, facts)
    return Preview(
        version=version,
        line=line,
        amount=result.amount,
        eligible=result.eligible,
        reasons=[[zh, en] for zh, en in result.reasons],
        steps=steps_json(result.steps),
        explanation_zh=result.explanation_zh,
        explanation_en=result.explanation_en,
        points=result.points,
        inputs=inputs,
        enterprise=enterprise,
        batch_index=batch_index,
        flags=flags,
    )
