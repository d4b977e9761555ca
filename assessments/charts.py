"""Bar charts as server-side SVG: the same markup in a page and in a WeasyPrint PDF, no JS.

`bar_chart` draws one row per label, a bar per series in each row, on a common scale, and
behind the bars of a row a pale track as long as that row's maximum (a dimension's points),
so both the absolute score and what was attainable show. Values are Decimals; nothing here
rounds anything but the printed figures.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

CJK_FONT_FAMILY = "Noto Sans CJK SC"  # as pilot_portal.documents.pdf names it
# A calm palette that stays apart in greyscale print: current/after dark, before light.
BLUE, LIGHT_BLUE, TRACK, INK = "#2b5d8c", "#9dbbd8", "#e6ebf1", "#1d2a3a"
CENT = Decimal("0.01")
QUOTE = {'"': "&quot;"}  # attribute values are double-quoted


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[Decimal | None, ...]  # one per label; None draws nothing and prints "–"
    colour: str = BLUE


def _figure(value: Decimal | None) -> str:
    return "–" if value is None else str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def _px(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def bar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    maxima: Sequence[Decimal | None] | None = None,
    title: str = "",
    width: int = 640,
    label_width: int = 120,
    font_family: str = CJK_FONT_FAMILY,
) -> SafeString:
    """An SVG horizontal bar chart (escaped text, safe to put in a template as it is).

    `maxima` (one per label) draws each row's track and prints "value / maximum"; the scale
    is the largest maximum or value, so rows compare in absolute terms.
    """
    if any(len(s.values) != len(labels) for s in series):
        raise ValueError("every series needs one value per label")
    maxima = list(maxima) if maxima is not None else [None] * len(labels)
    if len(maxima) != len(labels):
        raise ValueError("one maximum per label")
    numbers = [Decimal(v) for s in series for v in s.values if v is not None]
    numbers += [Decimal(m) for m in maxima if m is not None]
    scale = max([n for n in numbers if n > 0], default=Decimal(1))

    bar_height, gap, font = 14, 3, 12
    legend = len(series) > 1
    top = 22 if legend else 4
    row_height = len(series) * (bar_height + gap) + 10
    value_width = 110 if any(m is not None for m in maxima) else 60
    area = width - label_width - value_width - 8
    height = top + row_height * len(labels) + 4

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{escape(font_family)}" font-size="{font}" '
        f'aria-label="{escape(title, QUOTE)}">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    if legend:
        x = label_width
        for s in series:
            parts.append(
                f'<rect x="{x}" y="4" width="12" height="12" fill="{escape(s.colour)}"/>'
                f'<text x="{x + 16}" y="14" fill="{INK}">{escape(s.name)}</text>'
            )
            x += 16 + 14 * len(s.name) + 24
    for row, label in enumerate(labels):
        y0 = top + row * row_height + 5
        middle = y0 + (row_height - 10) / 2
        parts.append(
            f'<text x="{label_width - 8}" y="{_px(middle + font / 3)}" text-anchor="end" '
            f'fill="{INK}">{escape(label)}</text>'
        )
        maximum = maxima[row]
        if maximum is not None and maximum > 0:
            track = float(Decimal(maximum) / scale) * area
            parts.append(
                f'<rect x="{label_width}" y="{y0 - 2}" width="{_px(track)}" '
                f'height="{row_height - 6}" fill="{TRACK}"/>'
            )
        for index, s in enumerate(series):
            value = s.values[row]
            y = y0 + index * (bar_height + gap)
            if value is not None and value > 0:
                length = float(Decimal(value) / scale) * area
                parts.append(
                    f'<rect x="{label_width}" y="{y}" width="{_px(length)}" '
                    f'height="{bar_height}" fill="{escape(s.colour)}"/>'
                )
            figure = _figure(value)
            if maximum is not None:
                figure = f"{figure} / {_figure(maximum)}"
            parts.append(
                f'<text x="{width - value_width}" y="{y + bar_height - 3}" '
                f'fill="{INK}">{escape(figure)}</text>'
            )
    parts.append("</svg>")
    # Every piece of text above went through `escape`: the markup is ours alone.
    return mark_safe("".join(parts))  # noqa: S308
