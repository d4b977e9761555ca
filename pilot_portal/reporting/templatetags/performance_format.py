"""Indicator figures as the dashboard prints them: `{{ value|figure:unit }}` (1,200 · 85.71 ·
money with two decimals) and `{{ fraction|progress }}` (0.0952 → "9.5 %")."""

from django import template

from pilot_portal.reporting.dashboard import figure_text, percent_text

register = template.Library()


@register.filter
def figure(value, unit: str = "") -> str:
    return figure_text(value, unit)


@register.filter
def progress(fraction) -> str:
    return percent_text(fraction)
