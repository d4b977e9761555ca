"""Subsidy arithmetic, pure: one rule line of a city's rulebook + the facts → amount and why.

Every figure an official may be asked about (算得清) is a Step, so the explanation is built from the
same numbers that produced the amount. Decimal throughout, ROUND_HALF_UP to the fen.
"""

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from subsidies.rulebook import (
    BonusPoints,
    CappedAmount,
    Fixed,
    Interest,
    Line,
    PerUnit,
    RateByLevel,
    Rulebook,
    ShareOfFee,
)

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
LEVEL_ZH = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


def money(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    return f"{money(value):,.2f}"


def pct(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


@dataclass(frozen=True)
class Facts:
    """What the engine knows about one recipient and one piece of spending."""

    level: int | None = None
    eligible_investment: Decimal = ZERO
    fee: Decimal = ZERO  # a fee or actual cost (diagnosis, acceptance, cloud, training)
    units: int = 0  # enterprises brought to completion, person-days, …
    loan_interest: Decimal = ZERO  # interest paid this year
    requested: Decimal | None = None  # for "up to" awards: the figure the city proposes
    pilot: bool = True
    little_giant_central: bool = False
    pilot_2022: bool = False
    blacklisted: bool = False
    granted_elsewhere: Decimal = ZERO  # by another policy for the same spending (就高不重复)
    already_granted_this_line: Decimal = ZERO  # this recipient, this line (this year for interest)
    programme_used_in_category: Decimal = ZERO  # all recipients, the line's category
    batch_index: int | None = None  # the enrolment batch, 1 = the city's first (退坡)

    def __post_init__(self):
        if self.level is not None and self.level not in (1, 2, 3, 4):
            raise ValueError(f"等级须为 1–4 / level must be 1–4 ({self.level})")
        for name in (
            "eligible_investment",
            "fee",
            "loan_interest",
            "granted_elsewhere",
            "already_granted_this_line",
            "programme_used_in_category",
        ):
            if isinstance(getattr(self, name), float):
                raise TypeError(f"{name} 须为 Decimal / {name} must be a Decimal, not a float")
            if getattr(self, name) < 0:
                raise ValueError(f"{name} 不能为负数 / {name} must not be negative")
        if self.units < 0 or (self.requested is not None and self.requested < 0):
            raise ValueError("数量或申请金额不能为负数 / units and requested must not be negative")
        if self.batch_index is not None and self.batch_index < 1:
            raise ValueError("批次序号从 1 开始 / batch_index starts at 1")


@dataclass(frozen=True)
class Step:
    key: str
    name_zh: str
    name_en: str
    value: Decimal | str | int | None


@dataclass(frozen=True)
class Result:
    amount: Decimal
    eligible: bool
    reasons: list[tuple[str, str]] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    points: int | None = None  # non-monetary lines (Xinxiang star rating)

    def step(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)

    @property
    def explanation_zh(self) -> str:
        return _explain(self, "zh")

    @property
    def explanation_en(self) -> str:
        return _explain(self, "en")


RATE_KEYS = ("rate", "listed_rate")


def _shown(step: Step, lang: str) -> str:
    if step.key == "level":
        return LEVEL_ZH.get(step.value, "无") if lang == "zh" else str(step.value or "none")
    if isinstance(step.value, str):
        return step.value
    if step.key == "falling_factor":
        return f"× {step.value.normalize():f}"
    return pct(step.value) if step.key in RATE_KEYS else fmt(step.value)


def _explain(result: Result, lang: str) -> str:
    """'可补助投资 1,200,000.00 × 50% = 600,000.00；封顶 500,000.00；补助 500,000.00'."""
    zh = lang == "zh"
    parts, steps = [], result.steps
    for i, step in enumerate(steps):
        name = step.name_zh if zh else step.name_en
        if step.key in ("rate", "raw") and i and steps[i - 1].key in ("base", "rate"):
            continue  # already written as "base × rate = raw"
        if step.key == "base" and [s.key for s in steps[i + 1 : i + 3]] == ["rate", "raw"]:
            rate, raw = steps[i + 1], steps[i + 2]
            parts.append(f"{name} {fmt(step.value)} × {pct(rate.value)} = {fmt(raw.value)}")
        else:
            parts.append(f"{name} {_shown(step, lang)}")
    parts += [r_zh if zh else r_en for r_zh, r_en in result.reasons]
    return ("；" if zh else "; ").join(parts)


class _Calc:
    """Collects steps while the amount is narrowed down by each cap in turn."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.reasons: list[tuple[str, str]] = []

    def add(self, key: str, zh: str, en: str, value: Decimal | str | int | None) -> None:
        self.steps.append(Step(key, zh, en, value))

    def cap(self, amount: Decimal, cap: Decimal, zh: str = "封顶", en: str = "cap") -> Decimal:
        self.add("cap", zh, en, cap)
        return min(amount, cap)

    def remaining(self, amount: Decimal, cap: Decimal, used: Decimal, zh: str, en: str) -> Decimal:
        """A cap that earlier grants have already eaten into."""
        if used > 0:
            self.add("already_granted", f"{zh}已补助", f"{en} already granted", used)
            left = max(cap - used, ZERO)
            self.add("remaining", "剩余额度", "remaining", left)
            return min(amount, left)
        return amount

    def done(self, amount: Decimal, eligible: bool = True, points: int | None = None) -> Result:
        amount = money(max(amount, ZERO))
        self.add("result", "补助", "subsidy", amount)
        return Result(amount, eligible, self.reasons, self.steps, points)

    def refuse(self, zh: str, en: str) -> Result:
        self.reasons.append((zh, en))
        return self.done(ZERO, eligible=False)


def compute(rulebook: Rulebook, line_code: str, facts: Facts) -> Result:
    line = rulebook.line(line_code)
    calc = _Calc()
    for exclusion in rulebook.exclusions_for(line.code):
        if getattr(facts, exclusion.flag):
            return calc.refuse(
                f"不予支持：{exclusion.reason_zh}（{exclusion.source}）",
                f"not eligible: {exclusion.reason_en} ({exclusion.source})",
            )
    p = line.params
    if isinstance(p, BonusPoints):
        return _bonus_points(calc, p, facts)
    if isinstance(p, RateByLevel):
        band = p.band_for(facts.level)
        calc.add("level", "数字化水平", "digital level", facts.level)
        if band is None:
            lowest = min(b.min_level for b in p.bands)
            return calc.refuse(
                f"不符合条件：数字化水平须达到{LEVEL_ZH[lowest]}及以上",
                f"not eligible: digital level {lowest} or above required",
            )
        rate = _falling(calc, rulebook, line, band.rate, facts)
        amount = _rate(calc, facts.eligible_investment, rate, "可补助投资", "eligible investment")
        amount = calc.cap(amount, band.cap)
        amount = calc.remaining(
            amount, band.cap, facts.already_granted_this_line, "本项", "this line"
        )
    elif isinstance(p, ShareOfFee):
        rate = _falling(calc, rulebook, line, p.rate, facts)
        amount = _rate(calc, facts.fee, rate, "费用", "fee")
        amount = calc.cap(amount, p.cap)
        amount = calc.remaining(amount, p.cap, facts.already_granted_this_line, "本项", "this line")
    elif isinstance(p, PerUnit):
        amount = _per_unit(calc, p, facts)
    elif isinstance(p, Fixed):
        if p.once and facts.already_granted_this_line > 0:
            return calc.refuse(
                "不符合条件：本项奖励为一次性，已发放",
                "not eligible: a one-off award already granted",
            )
        amount = _fixed(calc, p, facts)
    elif isinstance(p, CappedAmount):
        calc.add("base", "实际费用", "actual cost", facts.fee)
        amount = calc.cap(facts.fee, p.cap)
        amount = calc.remaining(amount, p.cap, facts.already_granted_this_line, "本项", "this line")
    elif isinstance(p, Interest):
        rate = _falling(calc, rulebook, line, p.rate, facts)
        amount = _rate(calc, facts.loan_interest, rate, "本年贷款利息", "loan interest this year")
        amount = calc.cap(amount, p.yearly_cap, "年度封顶", "yearly cap")
        amount = calc.remaining(
            amount, p.yearly_cap, facts.already_granted_this_line, "本年", "this year"
        )
    else:  # pragma: no cover - validate() only builds the kinds above
        raise ValueError(f"未知的规则类型 / unknown rule kind {line.kind}")
    amount = _programme_total(calc, rulebook, line, amount, facts)
    amount = _take_highest(calc, rulebook, amount, facts)
    return calc.done(amount)


def _falling(calc: _Calc, rulebook: Rulebook, line: Line, rate: Decimal, facts: Facts) -> Decimal:
    """退坡: a later enrolment batch is paid a lower rate (rate × factor); caps stay as they are.
    Shown as its own steps, so the explanation says which batch and which factor."""
    step = rulebook.falling_rate_for(line.code, facts.batch_index)
    if step is None:
        return rate
    calc.add("listed_rate", "规定比例", "listed rate", rate)
    calc.add(
        "falling_factor",
        f"退坡系数（第{step.from_batch}批起，{step.source}）",
        f"falling-rate factor (from batch {step.from_batch}, {step.source})",
        step.factor,
    )
    return rate * step.factor


def _rate(calc: _Calc, base: Decimal, rate: Decimal, zh: str, en: str) -> Decimal:
    raw = money(base * rate)
    calc.add("base", zh, en, base)
    calc.add("rate", "补助比例", "rate", rate)
    calc.add("raw", "计算金额", "computed", raw)
    return raw


def _per_unit(calc: _Calc, p: PerUnit, facts: Facts) -> Decimal:
    raw = money(p.amount_per_unit * facts.units)
    calc.add("unit", "每单位金额", "amount per unit", p.amount_per_unit)
    calc.add("units", "数量", "units", str(facts.units))
    calc.add("raw", "计算金额", "computed", raw)
    amount = raw
    if p.limit_to_fee:
        amount = calc.cap(amount, facts.fee, "实际费用", "actual cost")
    if p.total_cap is not None:
        amount = calc.cap(amount, p.total_cap, "总额封顶", "total cap")
        amount = calc.remaining(
            amount, p.total_cap, facts.already_granted_this_line, "本项", "this line"
        )
    return amount


def _fixed(calc: _Calc, p: Fixed, facts: Facts) -> Decimal:
    if not p.up_to:
        calc.add("fixed", "定额奖励", "fixed award", p.amount)
        return p.amount
    calc.add("max", "奖励上限", "award up to", p.amount)
    if facts.requested is None:
        return p.amount  # the ceiling, until the city proposes a figure
    calc.add("requested", "拟奖励", "proposed", facts.requested)
    amount = min(facts.requested, p.amount)
    if p.min_amount is not None and amount < p.min_amount:
        calc.add("min", "奖励下限", "award at least", p.min_amount)
        amount = p.min_amount
    return amount


def _programme_total(
    calc: _Calc, rulebook: Rulebook, line: Line, amount: Decimal, facts: Facts
) -> Decimal:
    total = rulebook.category_total(line.category)
    if total is None:
        return amount
    left = max(total.total - facts.programme_used_in_category, ZERO)
    calc.add("category_total", "类别总额", "category total", total.total)
    calc.add("category_used", "类别已用", "category used", facts.programme_used_in_category)
    if left < amount:
        calc.reasons.append(
            (
                f"类别总额仅余 {fmt(left)}（{total.source}）",
                f"only {fmt(left)} left in the category total ({total.source})",
            )
        )
    return min(amount, left)


def _take_highest(calc: _Calc, rulebook: Rulebook, amount: Decimal, facts: Facts) -> Decimal:
    """就高不重复: the same spending is supported once, at the higher of the two policies.

    What another policy already paid counts against this one; only the difference is paid,
    and nothing when the other policy paid as much or more.
    """
    if not rulebook.take_highest or facts.granted_elsewhere <= 0:
        return amount
    calc.add("this_policy", "本政策计算金额", "this policy computes", money(amount))
    calc.add("elsewhere", "其他政策已补助", "granted by another policy", facts.granted_elsewhere)
    if facts.granted_elsewhere >= amount:
        calc.reasons.append(
            (
                f"就高不重复：其他政策已补助更高或相同金额（{rulebook.take_highest_source}）",
                "take the highest, never twice: another policy already paid as much or more "
                f"({rulebook.take_highest_source})",
            )
        )
    return max(amount - facts.granted_elsewhere, ZERO)


def _bonus_points(calc: _Calc, p: BonusPoints, facts: Facts) -> Result:
    points = p.pilot if facts.pilot else 0
    calc.add("pilot_points", "试点企业加分", "pilot enterprise points", str(points))
    level_points = max((pts for lvl, pts in p.by_level if facts.level == lvl), default=0)
    calc.add("level_points", "数字化水平加分", "digital level points", str(level_points))
    calc.add("points", "合计加分", "total points", str(points + level_points))
    calc.reasons.append(("非资金奖励：星级评价加分", "not money: star-rating bonus points"))
    return calc.done(ZERO, points=points + level_points)


def instalments(amount: Decimal, schedule) -> list[Decimal]:
    """Split an approved amount by shares; every instalment but the last is cut down to the fen
    (never rounded up), the last takes the remainder, so the sum is exactly the amount and no
    instalment is negative."""
    shares = list(schedule.shares if hasattr(schedule, "shares") else schedule)
    if not shares or sum(shares) != 1 or any(s <= 0 for s in shares):
        raise ValueError("分期比例须为正且合计 100% / shares must be positive and add up to 100 %")
    amount = money(amount)
    parts = [(amount * s).quantize(FEN, rounding=ROUND_DOWN) for s in shares[:-1]]
    return [*parts, amount - sum(parts, ZERO)]
