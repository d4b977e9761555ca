"""How subsidy pages write amounts, rates and the steps of an explanation."""

from decimal import Decimal, InvalidOperation

from django import template

from subsidies.rules import fmt, pct

register = template.Library()

RATE_KEYS = ("rate", "listed_rate")
# Steps whose value is a count, not money (`rules` writes them as text).
COUNT_KEYS = ("level", "units", "pilot_points", "level_points", "points")


def _decimal(value) -> Decimal | None:
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


@register.filter
def money(value) -> str:
    """1234567.5 → 1,234,567.50 (half-up to the fen); anything else as it is."""
    number = _decimal(value)
    if number is None:
        return "–" if value in (None, "") else str(value)
    return fmt(number)


@register.filter
def step_value(step) -> str:
    """A step's value ({"key", "value"} or a `rules.Step`) as the explanation writes it."""
    key = step.get("key") if isinstance(step, dict) else step.key
    value = step.get("value") if isinstance(step, dict) else step.value
    if value is None:
        return "–"
    if key in COUNT_KEYS or isinstance(value, int):
        return str(value)
    number = _decimal(value)
    if number is None:
        return str(value)
    if key in RATE_KEYS:
        return pct(number)
    if key == "falling_factor":
        return f"× {number.normalize():f}"
    return fmt(number)


@register.filter
def percent(value) -> str:
    """0.8 → 80%."""
    number = _decimal(value)
    return "–" if number is None else pct(number)
