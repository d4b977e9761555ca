"""Pure arithmetic of performance reporting: targets, progress, the regional minimum and the
flags of a city falling behind. No database; every figure is a Decimal.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
PERCENT = Decimal("0.01")
SHARE = Decimal("0.0001")

# DOMAIN.md: minimum enterprises transformed per city, each reaching level >= 2. The notice names
# three regions; a northeast city's minimum is its own approved target.
REGIONAL_MINIMUM = {"east": 500, "central": 400, "west": 300}
ABOVE_SIZE_TARGET = Decimal("90")  # % of above-size SMEs per pilot sector at level >= 2
SRDI_TARGET = Decimal("90")  # 2024 batch: % of provincial SRDI SMEs at level >= 2
LITTLE_GIANT_TARGET = Decimal("100")  # 2024 batch: % of national little giants at level >= 2
ENTERPRISE_SHARE_MIN = Decimal("80")  # % of the money for enterprise transformation
# A city is behind schedule when its progress trails the share of its period elapsed by more
# than this many percentage points (a little slack: enterprises are accepted in waves).
SCHEDULE_SLACK = Decimal("10")


def percent(part, whole) -> Decimal | None:
    """part / whole in %, two decimals (None when there is nothing to divide by)."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(PERCENT, rounding=ROUND_HALF_UP)


def progress(actual: Decimal | None, target: Decimal | None) -> Decimal | None:
    """actual / target as a fraction with four decimals (1.0000 = reached)."""
    if actual is None or not target:
        return None
    return (Decimal(actual) / Decimal(target)).quantize(SHARE, rounding=ROUND_HALF_UP)


def sector_meets(share: Decimal | None) -> bool | None:
    """A sector's above-size share at level >= 2 against 90 % (None: no above-size enterprise)."""
    return None if share is None else share >= ABOVE_SIZE_TARGET


def enterprise_share_short(share: Decimal | None) -> bool:
    """Less than 80 % of the approved money went to enterprise transformation."""
    return share is not None and share < ENTERPRISE_SHARE_MIN


def target_through(targets: dict[str, str], year: int | None, total: Decimal | None):
    """The target to reach by the end of `year`: the yearly targets up to it, added up (the
    seeds' yearly targets are increments whose sum is the total). No year: the total."""
    if year is None or not targets:
        return total
    years = [int(y) for y in targets]
    if year >= max(years):
        return total if total is not None else sum(map(Decimal, targets.values()), Decimal(0))
    reached = [Decimal(v) for y, v in targets.items() if int(y) <= year]
    return sum(reached, Decimal(0)) if reached else None


def regional_minimum(region: str, own_target: int | None) -> int | None:
    return REGIONAL_MINIMUM.get(region, own_target)


def elapsed_share(start: date, end: date, today: date) -> Decimal:
    """How much of the implementation period has passed, 0–100 %."""
    if today <= start:
        return Decimal(0)
    if today >= end:
        return HUNDRED
    return percent((today - start).days, (end - start).days)


@dataclass(frozen=True)
class Flag:
    code: str
    message: str  # Chinese / English


def city_flags(
    *,
    transformed: int,
    minimum: int | None,
    elapsed: Decimal,
    sectors_below: list[str],
    period_over: bool,
    enterprise_share: Decimal | None,
    little_giant_share: Decimal | None,
    batch_year: int,
) -> list[Flag]:
    """What the ministry should look at for one city, each with the rule it breaks."""
    flags = []
    done = percent(transformed, minimum) if minimum else None
    if done is not None and done + SCHEDULE_SLACK < elapsed:
        flags.append(
            Flag(
                "behind_schedule",
                f"改造进度 {done}% 落后于实施期进度 {elapsed}% / transformation at {done} % "
                f"of the minimum while {elapsed} % of the period has passed",
            )
        )
    if period_over and minimum and transformed < minimum:
        flags.append(
            Flag(
                "below_minimum",
                f"实施期已结束，改造企业 {transformed} 家，低于最低要求 {minimum} 家 / period "
                f"over with {transformed} enterprises transformed, below the minimum {minimum}",
            )
        )
    if period_over and sectors_below:
        names = "、".join(sectors_below)
        flags.append(
            Flag(
                "sector_below_90",
                f"规上企业二级及以上比例未达 90% 的细分行业：{names} / sectors below 90 % of "
                f"above-size enterprises at level 2: {', '.join(sectors_below)}",
            )
        )
    if enterprise_share_short(enterprise_share):
        flags.append(
            Flag(
                "funds_80_20",
                f"企业改造资金占比 {enterprise_share}%，低于 80% / {enterprise_share} % of the "
                "money approved went to enterprise transformation, below 80 %",
            )
        )
    if (
        batch_year >= 2024
        and period_over
        and little_giant_share is not None
        and little_giant_share < LITTLE_GIANT_TARGET
    ):
        flags.append(
            Flag(
                "little_giants",
                f"小巨人企业二级及以上比例 {little_giant_share}%，未达 100% / {little_giant_share} "
                "% of national little giants at level 2 or more, below 100 %",
            )
        )
    return flags
