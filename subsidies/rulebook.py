"""City subsidy rulebooks as data: load, validate, and turn into frozen dataclasses.

Pure (no Django): the same validation runs on the shipped JSON files, on an admin's edit before
it is saved, and in tests. Every problem is reported at once, bilingual, naming the line and the
field, so a city admin can fix a draft in one pass.
"""

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data" / "rulebooks"
SEED_CITIES = ("shenyang", "xiamen", "xinxiang")
LEVELS = (1, 2, 3, 4)

RATE_BY_LEVEL = "rate_by_level"
SHARE_OF_FEE = "share_of_fee"
PER_UNIT = "per_unit"
FIXED = "fixed"
CAPPED_AMOUNT = "capped_amount"
INTEREST = "interest"
BONUS_POINTS = "bonus_points"
KINDS = (RATE_BY_LEVEL, SHARE_OF_FEE, PER_UNIT, FIXED, CAPPED_AMOUNT, INTEREST, BONUS_POINTS)

# Which half of the central award a line draws on: ≥ 80 % must go to enterprise transformation,
# ≤ 20 % to platforms, providers, chain rewards, bought-in services (000).
# "none": not paid from the pilot funds (city honours, non-monetary lines).
FUND_USES = ("enterprise", "ecosystem", "none")
EXCLUSION_FLAGS = ("little_giant_central", "pilot_2022", "blacklisted")


class RulebookError(ValueError):
    """All problems of one rulebook, each "中文 / English"."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True)
class LevelBand:
    min_level: int
    max_level: int | None  # inclusive; None = every higher level
    rate: Decimal
    cap: Decimal

    def covers(self, level: int) -> bool:
        return level >= self.min_level and (self.max_level is None or level <= self.max_level)


@dataclass(frozen=True)
class RateByLevel:
    bands: tuple[LevelBand, ...]

    def band_for(self, level: int | None) -> LevelBand | None:
        if level is None:
            return None
        return next((b for b in self.bands if b.covers(level)), None)


@dataclass(frozen=True)
class ShareOfFee:
    rate: Decimal
    cap: Decimal


@dataclass(frozen=True)
class PerUnit:
    amount_per_unit: Decimal
    total_cap: Decimal | None  # None only when the rulebook says so explicitly
    limit_to_fee: bool  # "up to X per unit": never more than the actual cost


@dataclass(frozen=True)
class Fixed:
    amount: Decimal
    min_amount: Decimal | None
    up_to: bool  # "不超过": the city decides the figure, this is the ceiling
    once: bool


@dataclass(frozen=True)
class CappedAmount:
    cap: Decimal


@dataclass(frozen=True)
class Interest:
    rate: Decimal
    yearly_cap: Decimal


@dataclass(frozen=True)
class BonusPoints:
    pilot: int
    by_level: tuple[tuple[int, int], ...]  # (level, points)


Params = RateByLevel | ShareOfFee | PerUnit | Fixed | CappedAmount | Interest | BonusPoints


@dataclass(frozen=True)
class Line:
    code: str
    name_zh: str
    name_en: str
    kind: str
    category: str
    recipient: str
    fund_use: str
    source: str
    params: Params
    note: str = ""

    @property
    def monetary(self) -> bool:
        return self.kind != BONUS_POINTS


@dataclass(frozen=True)
class CategoryTotal:
    category: str
    total: Decimal
    source: str


@dataclass(frozen=True)
class Exclusion:
    flag: str
    reason_zh: str
    reason_en: str
    source: str
    except_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class InstalmentSchedule:
    line: str
    shares: tuple[Decimal, ...]
    assumption: bool
    note: str


@dataclass(frozen=True)
class FallingRate:
    """退坡: from the `from_batch`-th enrolment batch on, the line's rate is multiplied by
    `factor` (caps unchanged). Steps of one line never rise, so a later batch never gets more."""

    line: str
    from_batch: int
    factor: Decimal
    source: str


# Lines whose amount is a rate of something, the only ones a falling rate can lower.
RATED_KINDS = (RATE_BY_LEVEL, SHARE_OF_FEE, INTEREST)


@dataclass(frozen=True)
class Programme:
    award_cap: Decimal
    local_matching_ratio: Decimal | None
    enterprise_share_min: Decimal
    ecosystem_share_max: Decimal


@dataclass(frozen=True)
class Rulebook:
    city: str
    version: str
    effective_from: date
    effective_to: date | None
    currency: str
    programme: Programme
    lines: tuple[Line, ...]
    category_totals: tuple[CategoryTotal, ...]
    take_highest: bool  # 就高不重复 against the city's other policies
    take_highest_source: str
    exclusions: tuple[Exclusion, ...]
    instalments: tuple[InstalmentSchedule, ...]
    falling_rates: tuple[FallingRate, ...] = ()

    def line(self, code: str) -> Line:
        for line in self.lines:
            if line.code == code:
                return line
        raise KeyError(f"规则条目 {code} 不存在 / no rule line {code} in {self.city}")

    def category_total(self, category: str) -> CategoryTotal | None:
        return next((t for t in self.category_totals if t.category == category), None)

    def schedule_for(self, code: str) -> InstalmentSchedule | None:
        return next((s for s in self.instalments if s.line == code), None)

    def exclusions_for(self, code: str) -> tuple[Exclusion, ...]:
        return tuple(e for e in self.exclusions if code not in e.except_lines)

    def falling_rate_for(self, code: str, batch_index: int | None) -> FallingRate | None:
        """The falling-rate step that applies to the `batch_index`-th batch (1 = the first),
        None when none does (an unknown batch counts as the first)."""
        if batch_index is None:
            return None
        steps = [f for f in self.falling_rates if f.line == code and f.from_batch <= batch_index]
        return max(steps, key=lambda f: f.from_batch, default=None)


class _Checker:
    """Reads fields out of the raw dict, recording each problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, where: str, zh: str, en: str) -> None:
        self.errors.append(f"{where}：{zh} / {where}: {en}")

    def text(self, raw: dict, key: str, where: str) -> str:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{where}.{key}", "缺少或为空", "missing or empty")
            return ""
        return value

    def money(self, raw: dict, key: str, where: str, *, optional: bool = False) -> Decimal | None:
        if key not in raw:
            if not optional:
                self.fail(
                    f"{where}.{key}", "缺少金额（封顶/金额必须写明）", "missing amount or cap"
                )
            return None
        value = raw[key]
        if value is None and optional:
            return None
        number = self._decimal(value, f"{where}.{key}")
        if number is not None and number < 0:
            self.fail(f"{where}.{key}", f"金额不能为负数（{value}）", f"negative amount ({value})")
            return None
        return number

    def rate(self, raw: dict, key: str, where: str) -> Decimal | None:
        if key not in raw:
            self.fail(f"{where}.{key}", "缺少比例", "missing rate")
            return None
        number = self._decimal(raw[key], f"{where}.{key}")
        if number is not None and not (0 < number <= 1):
            self.fail(
                f"{where}.{key}",
                f"比例须在 0–1 之间（{raw[key]}）",
                f"rate must be between 0 and 1 ({raw[key]})",
            )
            return None
        return number

    def level(self, raw: dict, key: str, where: str, *, optional: bool = False) -> int | None:
        value = raw.get(key)
        if value is None and optional:
            return None
        if type(value) is not int or value not in LEVELS:
            self.fail(f"{where}.{key}", f"等级须为 1–4（{value}）", f"level must be 1–4 ({value})")
            return None
        return value

    def points(self, raw: dict, key: str, where: str) -> int:
        value = raw.get(key, 0)
        if type(value) is not int or value < 0:
            self.fail(
                f"{where}.{key}",
                f"加分须为非负整数（{value}）",
                "points must be a whole number ≥ 0",
            )
            return 0
        return value

    def day(self, raw: dict, key: str, where: str, *, optional: bool = False) -> date | None:
        value = raw.get(key)
        if value is None and optional:
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail(
                f"{where}.{key}", f"日期格式应为 YYYY-MM-DD（{value}）", "date must be YYYY-MM-DD"
            )
            return None

    def _decimal(self, value: Any, where: str) -> Decimal | None:
        # Strings only: a JSON float would already have lost the exact figure.
        if not isinstance(value, str):
            self.fail(
                where,
                f"金额/比例须写成字符串（{value!r}）",
                f"must be a decimal string ({value!r})",
            )
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self.fail(where, f"不是有效数字（{value}）", f"not a number ({value})")
            return None
        return number


def _params(c: _Checker, kind: str, raw: dict, where: str) -> Params | None:
    if not isinstance(raw, dict):
        c.fail(where, "缺少参数", "missing params")
        return None
    if kind == RATE_BY_LEVEL:
        return _rate_by_level(c, raw, where)
    if kind == SHARE_OF_FEE:
        return ShareOfFee(rate=c.rate(raw, "rate", where), cap=c.money(raw, "cap", where))
    if kind == PER_UNIT:
        if "total_cap" not in raw:
            c.fail(f"{where}.total_cap", "缺少总额封顶（无封顶须写 null）", "missing total_cap")
        return PerUnit(
            amount_per_unit=c.money(raw, "amount_per_unit", where),
            total_cap=c.money(raw, "total_cap", where, optional=True),
            limit_to_fee=bool(raw.get("limit_to_fee", False)),
        )
    if kind == FIXED:
        params = Fixed(
            amount=c.money(raw, "amount", where),
            min_amount=c.money(raw, "min_amount", where, optional=True),
            up_to=bool(raw.get("up_to", False)),
            once=bool(raw.get("once", True)),
        )
        if None not in (params.min_amount, params.amount) and params.min_amount > params.amount:
            c.fail(f"{where}.min_amount", "下限高于上限", "min_amount above amount")
        return params
    if kind == CAPPED_AMOUNT:
        return CappedAmount(cap=c.money(raw, "cap", where))
    if kind == INTEREST:
        return Interest(
            rate=c.rate(raw, "rate", where), yearly_cap=c.money(raw, "yearly_cap", where)
        )
    if kind == BONUS_POINTS:
        pairs = []
        for i, item in enumerate(raw.get("by_level") or []):
            level = c.level(item, "level", f"{where}.by_level[{i}]")
            points = c.points(item, "points", f"{where}.by_level[{i}]")
            pairs.append((level, points))
        return BonusPoints(pilot=c.points(raw, "pilot", where), by_level=tuple(pairs))
    return None


def _rate_by_level(c: _Checker, raw: dict, where: str) -> RateByLevel:
    bands = []
    items = raw.get("levels")
    if not isinstance(items, list) or not items:
        c.fail(f"{where}.levels", "缺少等级档次", "missing level bands")
        return RateByLevel(bands=())
    for i, item in enumerate(items):
        at = f"{where}.levels[{i}]"
        band = LevelBand(
            min_level=c.level(item, "min_level", at),
            max_level=c.level(item, "max_level", at, optional=True),
            rate=c.rate(item, "rate", at),
            cap=c.money(item, "cap", at),
        )
        if None in (band.min_level, band.rate, band.cap):
            continue
        if band.max_level is not None and band.max_level < band.min_level:
            c.fail(f"{at}.max_level", "最高等级低于最低等级", "max_level below min_level")
            continue
        bands.append(band)
    bands.sort(key=lambda b: b.min_level)
    for lower, higher in pairwise(bands):
        if lower.max_level is None or lower.max_level >= higher.min_level:
            c.fail(
                f"{where}.levels",
                f"等级档次重叠（{lower.min_level} 级与 {higher.min_level} 级）",
                f"overlapping level bands (levels {lower.min_level} and {higher.min_level})",
            )
        elif higher.rate < lower.rate or higher.cap < lower.cap:
            # A higher level paying less is a typo, and it would punish improvement.
            c.fail(
                f"{where}.levels",
                "较高等级的比例或封顶不得低于较低等级",
                "a higher level must not have a lower rate or cap",
            )
    return RateByLevel(bands=tuple(bands))


def _line(c: _Checker, raw: dict, index: int) -> Line | None:
    code = raw.get("code") if isinstance(raw.get("code"), str) else ""
    where = f"lines[{code or index}]"
    code = c.text(raw, "code", where)
    kind = raw.get("kind")
    if kind not in KINDS:
        c.fail(f"{where}.kind", f"未知的规则类型（{kind}）", f"unknown rule kind ({kind})")
        return None
    fund_use = raw.get("fund_use", "enterprise")
    if fund_use not in FUND_USES:
        c.fail(
            f"{where}.fund_use", f"未知的资金用途（{fund_use}）", f"unknown fund_use ({fund_use})"
        )
    errors_before = len(c.errors)
    line = Line(
        code=code,
        name_zh=c.text(raw, "name_zh", where),
        name_en=c.text(raw, "name_en", where),
        kind=kind,
        category=raw.get("category") or code,
        recipient=raw.get("recipient", "enterprise"),
        fund_use=fund_use,
        source=c.text(raw, "source", where),
        params=_params(c, kind, raw.get("params"), f"{where}.params"),
        note=raw.get("note", ""),
    )
    return line if len(c.errors) == errors_before else None


def _falling_rates(c: _Checker, raw: Any, lines: dict[str, Line]) -> tuple[FallingRate, ...]:
    """`falling_rates`: [{"line", "from_batch", "factor", "source"}, …]. A line may fall in
    several steps; each later step must lower the factor (or keep it), never raise it."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        c.fail("rulebook.falling_rates", "须为列表", "must be a list")
        return ()
    steps = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            c.fail(f"falling_rates[{i}]", "须为对象", "must be an object")
            continue
        where = f"falling_rates[{item.get('line', i)}]"
        line = lines.get(item.get("line"))
        if line is None:
            c.fail(f"{where}.line", "没有对应的规则条目", "no such rule line")
        elif line.kind not in RATED_KINDS:
            c.fail(
                f"{where}.line",
                f"只有按比例计算的条目可以退坡（{line.kind}）",
                f"only a line paid as a rate can fall ({line.kind})",
            )
        batch = item.get("from_batch")
        if type(batch) is not int or batch < 1:
            c.fail(
                f"{where}.from_batch",
                f"批次序号须为不小于 1 的整数（{batch}）",
                f"from_batch must be a whole number ≥ 1 ({batch})",
            )
            batch = None
        factor = c.rate(item, "factor", where)
        source = c.text(item, "source", where)
        if line is not None and batch is not None and factor is not None:
            steps.append(FallingRate(line.code, batch, factor, source))
    steps.sort(key=lambda f: (f.line, f.from_batch))
    for earlier, later in pairwise(steps):
        if earlier.line != later.line:
            continue
        where = f"falling_rates[{later.line}]"
        if earlier.from_batch == later.from_batch:
            c.fail(
                where,
                f"第 {later.from_batch} 批重复设置",
                f"batch {later.from_batch} set twice",
            )
        elif later.factor > earlier.factor:
            c.fail(
                where,
                f"第 {later.from_batch} 批的系数高于第 {earlier.from_batch} 批：退坡只能降低",
                f"the factor from batch {later.from_batch} is above the one from batch "
                f"{earlier.from_batch}: a falling rate can only fall",
            )
    return tuple(steps)


def validate(raw: dict) -> Rulebook:
    """Raw rulebook dict → Rulebook, or RulebookError listing every problem."""
    c = _Checker()
    if not isinstance(raw, dict):
        raise RulebookError(["规则手册须为对象 / rulebook must be an object"])
    city = c.text(raw, "city", "rulebook")
    if raw.get("currency") != "CNY":
        c.fail("rulebook.currency", "币种须为 CNY", "currency must be CNY")
    raw_lines = raw.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        c.fail("rulebook.lines", "没有规则条目", "no rule lines")
        raw_lines = []
    lines = []
    for i, item in enumerate(raw_lines):
        if isinstance(item, dict):
            lines.append(_line(c, item, i))
        else:
            c.fail(f"lines[{i}]", "规则条目须为对象", "a rule line must be an object")
    seen: set[str] = set()
    for line in lines:
        if line is not None and line.code in seen:
            c.fail(f"lines[{line.code}].code", "规则代码重复", "duplicate code")
        if line is not None:
            seen.add(line.code)

    prog = raw.get("programme") or {}
    programme = Programme(
        award_cap=c.money(prog, "award_cap", "programme"),
        local_matching_ratio=c.money(prog, "local_matching_ratio", "programme", optional=True),
        enterprise_share_min=c.rate(prog, "enterprise_share_min", "programme"),
        ecosystem_share_max=c.rate(prog, "ecosystem_share_max", "programme"),
    )
    shares = (programme.enterprise_share_min, programme.ecosystem_share_max)
    if None not in shares and sum(shares) != 1:
        c.fail("programme", "资金比例之和须为 100%", "fund shares must add up to 100 %")

    totals = []
    for i, item in enumerate(raw.get("category_totals") or []):
        where = f"category_totals[{item.get('category', i)}]"
        totals.append(
            CategoryTotal(
                category=c.text(item, "category", where),
                total=c.money(item, "total", where),
                source=c.text(item, "source", where),
            )
        )
    categories = {line.category for line in lines if line is not None}
    for total in totals:
        if total.category and total.category not in categories:
            c.fail(
                f"category_totals[{total.category}]", "没有对应的规则条目", "no line in category"
            )

    exclusions = []
    for i, item in enumerate(raw.get("exclusions") or []):
        where = f"exclusions[{item.get('flag', i)}]"
        if item.get("flag") not in EXCLUSION_FLAGS:
            c.fail(
                f"{where}.flag", f"未知的排除条件（{item.get('flag')}）", "unknown exclusion flag"
            )
        exclusions.append(
            Exclusion(
                flag=item.get("flag", ""),
                reason_zh=c.text(item, "reason_zh", where),
                reason_en=c.text(item, "reason_en", where),
                source=c.text(item, "source", where),
                except_lines=tuple(item.get("except_lines") or ()),
            )
        )

    schedules = []
    for i, item in enumerate(raw.get("instalments") or []):
        where = f"instalments[{item.get('line', i)}]"
        if item.get("line") not in seen:
            c.fail(f"{where}.line", "没有对应的规则条目", "no such rule line")
        shares = [
            c.rate({"share": s}, "share", f"{where}.shares[{j}]")
            for j, s in enumerate(item.get("shares") or [])
        ]
        if not shares or None in shares:
            c.fail(f"{where}.shares", "分期比例无效", "invalid instalment shares")
        elif sum(shares) != 1:
            c.fail(
                f"{where}.shares", "分期比例之和须为 100%", "instalment shares must add up to 100 %"
            )
        schedules.append(
            InstalmentSchedule(
                line=item.get("line", ""),
                shares=tuple(s for s in shares if s is not None),
                assumption=bool(item.get("assumption", False)),
                note=item.get("note", ""),
            )
        )

    falling_rates = _falling_rates(c, raw.get("falling_rates"), {ln.code: ln for ln in lines if ln})

    rulebook = Rulebook(
        city=city,
        version=c.text(raw, "version", "rulebook"),
        effective_from=c.day(raw, "effective_from", "rulebook"),
        effective_to=c.day(raw, "effective_to", "rulebook", optional=True),
        currency="CNY",
        programme=programme,
        lines=tuple(line for line in lines if line is not None),
        category_totals=tuple(totals),
        take_highest=bool(raw.get("take_highest", False)),
        take_highest_source=raw.get("take_highest_source", ""),
        exclusions=tuple(exclusions),
        instalments=tuple(schedules),
        falling_rates=falling_rates,
    )
    start, end = rulebook.effective_from, rulebook.effective_to
    if start and end and end < start:
        c.fail(
            "rulebook.effective_to",
            "失效日期早于生效日期",
            "effective_to before effective_from",
        )
    if c.errors:
        raise RulebookError(c.errors)
    return rulebook


def load(city: str) -> Rulebook:
    """The shipped rulebook of a seed city."""
    path = DATA_DIR / f"{city}.json"
    return validate(json.loads(path.read_text(encoding="utf-8")))
