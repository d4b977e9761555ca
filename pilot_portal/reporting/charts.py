"""Reporting charts as server-side SVG: the same markup in a dashboard page and in a PDF.

- `progress_chart`: a pilot indicator against its target ("120 / 300 家 (40.0 %)"), one bar
  per indicator, capped at the 100 % line, with a marker when a target is exceeded.
- `stacked_levels_chart`: how enterprises spread over digital levels (未评定, 一级 … 四级) per
  district, sector or batch, as 100 % stacked bars shaded light to dark (reads in greyscale).
- `funnel_chart`: projects by status, planned → in progress → completed → accepted, centred
  bars with each step's share of the first, to show where projects stall.
- `funds_chart`: funds used against their cap on a common scale; spending beyond the cap is
  drawn in a warning colour.

Like `assessments.charts.bar_chart`: no JavaScript, fixed width/height plus viewBox, every
piece of text escaped. Figures are Decimals (floats are refused); floats are pixels only.
"""

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

from assessments.charts import BLUE, CENT, CJK_FONT_FAMILY, INK, TRACK, _px

GREEN, WARN, WHITE = "#3b7d5a", "#c0502e", "#ffffff"
# "Not rated" grey, then levels one to four light to dark: the order survives greyscale.
LEVEL_SHADES = ("#dcdfe3", "#a9c3de", "#7fa3c8", BLUE, "#17324d")
LEVEL_NAMES = ("未评定", "一级", "二级", "三级", "四级")
NO_DATA, DASH, TENTH = "暂无数据 / no data", "–", Decimal("0.1")
FONT, BAR, ROW = 12, 16, 26  # font size, bar height, row pitch (px)


def _dec(value: Decimal | int | None) -> Decimal | None:
    if isinstance(value, float):
        # A float has already rounded the figure that would be printed.
        raise TypeError("chart figures are Decimal or int, not float")
    return None if value is None else Decimal(value)


def _number(value: Decimal | None) -> str:
    """A count or target as entered: 1,200 or 12.5, never 1.2E+3."""
    return DASH if value is None else format(value.normalize(), ",f")


def _money(value: Decimal | None) -> str:
    return DASH if value is None else format(value.quantize(CENT, ROUND_HALF_UP), ",f")


def _percent(part: Decimal | None, whole: Decimal | None) -> str:
    if part is None or whole is None or whole <= 0:
        return DASH
    return f"{(part * 100 / whole).quantize(TENTH, ROUND_HALF_UP)} %"


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


WIDE = frozenset("“”‘’…—")


def _text_width(text: str, font: int = FONT) -> float:
    # An estimate for layout: CJK glyphs are square, Latin digits and letters about 0.6 em; the
    # CJK font draws curly quotes and the ellipsis full width too.
    return sum(font if ord(char) >= 0x2E80 or char in WIDE else font * 0.6 for char in text)


def _fit(text: str, room: float) -> str:
    while len(text) > 1 and _text_width(text) > room:
        text = text[:-2] + "…"
    return text


def _frame(labels: Sequence[str], figures: Sequence[str], width: int) -> tuple[int, int, int]:
    """Label column, bar area and where the figures start, from the longest texts."""
    label_width = int(min(max(_text_width(t) for t in labels) + 10, width * 0.3))
    value_width = int(max(_text_width(t) for t in figures)) + 8
    area = max(width - label_width - value_width - 16, 40)
    return label_width, area, label_width + area + 16


def _rect(x: float, y: float, width: float, fill: str, kind: str) -> str:
    return (
        f'<rect class="{kind}" x="{_px(x)}" y="{_px(y)}" width="{_px(width)}" '
        f'height="{BAR}" fill="{fill}"/>'
    )


def _text(x: float, y: float, text: str, kind: str, anchor="start", fill=INK) -> str:
    return (
        f'<text class="{kind}" x="{_px(x)}" y="{_px(y + BAR - 4)}" text-anchor="{anchor}" '
        f'fill="{fill}">{escape(text)}</text>'
    )


def _label(label: str, label_width: int, y: float) -> str:
    return _text(label_width - 8, y, _fit(label, label_width - 10), "label", "end")


def _svg(width: int, height: float, title: str, body: Sequence[str]) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{_px(height)}" viewBox="0 0 {width} {_px(height)}" '
        f'font-family="{_attr(CJK_FONT_FAMILY)}" font-size="{FONT}" aria-label="{_attr(title)}">'
        f"<title>{escape(title)}</title>"
    )
    # Every text above and in `body` went through `escape`: the markup is ours alone.
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308


def _no_data(title: str, width: int) -> SafeString:
    return _svg(width, 40, title, [_text(width / 2, 8, NO_DATA, "empty", "middle")])


def progress_chart(
    rows: Sequence[tuple[str, Decimal | int | None, Decimal | int | None, str]],
    *,
    title: str = "",
    width: int = 640,
) -> SafeString:
    """Each row's actual against its target; the bar stops at the 100 % line."""
    title = title or "目标进度 / progress"
    if not rows:
        return _no_data(title, width)
    items = []
    for label, raw_actual, raw_target, unit in rows:
        actual, target = _dec(raw_actual), _dec(raw_target)
        known = actual is not None and target is not None and target > 0
        unit_text = f" {unit}" if unit else ""
        figure = f"{_number(actual)} / {_number(target)}{unit_text} ({_percent(actual, target)})"
        items.append((label, actual / target if known else None, figure))
    label_width, area, value_x = _frame([i[0] for i in items], [i[2] for i in items], width)
    end, top = label_width + area, 16
    body = [_text(end, 0, "100 %", "reference-label", "middle")]
    for row, (label, ratio, figure) in enumerate(items):
        y = top + row * ROW
        body += ['<g class="row">', _label(label, label_width, y)]
        body.append(_rect(label_width, y, area, TRACK, "track"))
        if ratio is not None and ratio > 0:
            colour = GREEN if ratio >= 1 else BLUE
            body.append(_rect(label_width, y, float(min(ratio, 1)) * area, colour, "bar"))
        if ratio is not None and ratio > 1:  # beyond target: an arrow past the 100 % line
            points = f"{end + 3},{y + 2} {end + 11},{y + BAR / 2} {end + 3},{y + BAR - 2}"
            body.append(f'<polygon class="overflow" points="{points}" fill="{GREEN}"/>')
        body += [_text(value_x, y, figure, "figure"), "</g>"]
    height = top + ROW * len(items)
    body.append(
        f'<line class="reference" x1="{end}" y1="{top - 2}" x2="{end}" y2="{height - 6}" '
        f'stroke="{INK}" stroke-dasharray="3 2"/>'
    )
    return _svg(width, height, title, body)


def stacked_levels_chart(
    labels: Sequence[str], counts: Sequence[Sequence[int]], *, title: str = "", width: int = 640
) -> SafeString:
    """Per label, the share of each level (none, 1–4) in one full-width bar; total at right."""
    title = title or "数字化水平分布 / levels"
    if len(counts) != len(labels) or any(len(c) != len(LEVEL_NAMES) for c in counts):
        raise ValueError("one list of five counts (none, 1, 2, 3, 4) per label")
    if any(n < 0 for c in counts for n in c):
        raise ValueError("counts cannot be negative")
    if not labels:
        return _no_data(title, width)
    totals = [sum(c) for c in counts]
    label_width, area, value_x = _frame(labels, [f"{t:,}" for t in totals], width)
    body, x = [], float(label_width)
    for name, shade in zip(LEVEL_NAMES, LEVEL_SHADES, strict=True):
        body.append(f'<rect x="{_px(x)}" y="4" width="12" height="12" fill="{shade}"/>')
        body.append(_text(x + 16, 2, name, "legend"))
        x += 16 + _text_width(name) + 16
    top = 26
    for row, (label, level_counts, total) in enumerate(zip(labels, counts, totals, strict=True)):
        y = top + row * ROW
        body += ['<g class="row">', _label(label, label_width, y)]
        if not total:
            body.append(_rect(label_width, y, area, TRACK, "track"))
        # Edges from running sums, rounded once: the segments add up to the bar exactly.
        edges = [round(sum(level_counts[:i]) / total * area, 1) if total else 0.0 for i in range(6)]
        for level, count in enumerate(level_counts):
            left, segment = label_width + edges[level], edges[level + 1] - edges[level]
            if not count:
                continue
            body.append(_rect(left, y, segment, LEVEL_SHADES[level], f"segment level-{level}"))
            if _text_width(str(count)) + 6 <= segment:
                ink = WHITE if level >= 3 else INK
                body.append(_text(left + segment / 2, y, str(count), "count", "middle", ink))
        body += [_text(value_x, y, f"{total:,}", "total"), "</g>"]
    return _svg(width, top + ROW * len(labels), title, body)


def funnel_chart(
    steps: Sequence[tuple[str, int]], *, title: str = "", width: int = 640
) -> SafeString:
    """Centred bars proportional to each step's count, with its share of the first step."""
    title = title or "项目进展 / funnel"
    if not steps:
        return _no_data(title, width)
    counts = [int(count) for _, count in steps]
    if any(n < 0 for n in counts):
        raise ValueError("counts cannot be negative")
    first, scale = Decimal(counts[0]), max(counts) or 1
    figures = [
        f"{n:,}" if i == 0 else f"{n:,} ({_percent(Decimal(n), first)})"
        for i, n in enumerate(counts)
    ]
    label_width, area, value_x = _frame([label for label, _ in steps], figures, width)
    body = []
    for row, ((label, _), count, figure) in enumerate(zip(steps, counts, figures, strict=True)):
        y = 4 + row * ROW
        length = count / scale * area
        body += ['<g class="row">', _label(label, label_width, y)]
        if count:
            body.append(_rect(label_width + (area - length) / 2, y, length, BLUE, "bar"))
        body += [_text(value_x, y, figure, "figure"), "</g>"]
    return _svg(width, 4 + ROW * len(steps), title, body)


def funds_chart(
    rows: Sequence[tuple[str, Decimal | int | None, Decimal | int | None]],
    *,
    title: str = "",
    width: int = 640,
) -> SafeString:
    """Funds used over a track as long as the cap, a tick at the cap's end.

    All rows share one scale, like `bar_chart`: amounts compare across rows, and a row with
    no cap still has its bar.
    """
    title = title or "资金使用 / funds"
    if not rows:
        return _no_data(title, width)
    items = [(label, _dec(used), _dec(cap)) for label, used, cap in rows]
    amounts = [a for _, used, cap in items for a in (used, cap) if a is not None and a > 0]
    scale = max(amounts, default=Decimal(1))
    figures = [f"{_money(u)} / {_money(c)} ({_percent(u, c)})" for _, u, c in items]
    label_width, area, value_x = _frame([i[0] for i in items], figures, width)
    body = []
    for row, ((label, used, cap), figure) in enumerate(zip(items, figures, strict=True)):
        y = 4 + row * ROW
        body += ['<g class="row">', _label(label, label_width, y)]
        if cap is not None and cap > 0:
            body.append(_rect(label_width, y, float(cap / scale) * area, TRACK, "track"))
        if used is not None and used > 0:
            colour = WARN if cap is not None and used > cap else BLUE
            body.append(_rect(label_width, y, float(used / scale) * area, colour, "bar"))
        if cap is not None:  # the cap's end stays visible under an overspent bar
            x = _px(label_width + float(cap / scale) * area)
            body.append(
                f'<line class="cap" x1="{x}" y1="{y - 2}" x2="{x}" y2="{y + BAR + 2}" '
                f'stroke="{INK}"/>'
            )
        body += [_text(value_x, y, figure, "figure"), "</g>"]
    return _svg(width, 4 + ROW * len(items), title, body)
