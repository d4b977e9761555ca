"""Formatting shared by every page and PDF."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def cny(value, places: int = 2) -> str:
    """An amount in yuan with comma grouping, as finance documents print it: 150,000,000.00.

    Django's zh-hans locale groups digits with no separator at all, which is
    unreadable for eight-digit amounts.
    """
    if value in (None, ""):
        return "–"
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    quantum = Decimal(1).scaleb(-int(places))
    return f"{amount.quantize(quantum, rounding=ROUND_HALF_UP):,}"
