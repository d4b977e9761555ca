"""How assessment pages write points and scores."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


@register.filter
def points(value) -> str:
    """Points as the questionnaire states them: 7.5, 0.7, 1.875, 20 (exact, no trailing 0)."""
    number = _decimal(value)
    if number is None:
        return "–" if value in (None, "") else str(value)
    return format(number.normalize(), "f") if number else "0"


@register.filter
def score(value) -> str:
    """A score with two places, rounded half-up (the exact sum is in the explanation)."""
    number = _decimal(value)
    if number is None:
        return "–" if value in (None, "") else str(value)
    return format(number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")
