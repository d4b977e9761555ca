"""The reporting charts: well-formed SVG, right figures, honest bar lengths, text in the PDF."""

import shutil
import subprocess
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.utils.safestring import SafeString

from pilot_portal.reporting.charts import (
    BLUE,
    GREEN,
    LEVEL_NAMES,
    WARN,
    funds_chart,
    funnel_chart,
    progress_chart,
    stacked_levels_chart,
)
from tests.conftest import require_service

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<b>&"'


def parse(svg) -> ET.Element:
    assert isinstance(svg, SafeString)
    # Our own output, not untrusted input; fromstring raises on anything not well-formed.
    return ET.fromstring(str(svg))  # noqa: S314


def rows(root):
    return root.findall(f"{SVG}g[@class='row']")


def rects(row, kind):
    return [r for r in row.iter(f"{SVG}rect") if r.get("class", "").split()[0] == kind]


def width(element) -> float:
    return float(element.get("width"))


def texts(element, kind=None):
    return [t.text for t in element.iter(f"{SVG}text") if kind is None or t.get("class") == kind]


# -- progress ------------------------------------------------------------------------------------


def test_it_prints_actual_target_unit_and_percentage():
    root = parse(progress_chart([("改造企业数", Decimal("120"), Decimal("300"), "家")]))

    assert texts(root, "figure") == ["120 / 300 家 (40.0 %)"]
    assert texts(root, "label") == ["改造企业数"]


def test_it_rounds_percentages_half_up():
    root = parse(progress_chart([("a", 1, 16, ""), ("b", 2, 3, ""), ("c", Decimal("1.50"), 2, "")]))

    # 6.25 % would print 6.2 % under banker's rounding
    assert texts(root, "figure") == ["1 / 16 (6.3 %)", "2 / 3 (66.7 %)", "1.5 / 2 (75.0 %)"]


def test_it_draws_progress_in_proportion_and_caps_it_at_the_target_line():
    root = parse(
        progress_chart(
            [("half", 150, 300, "家"), ("full", 300, 300, "家"), ("over", 450, 300, "家")]
        )
    )
    half, full, over = rows(root)

    track = width(rects(full, "track")[0])
    assert width(rects(full, "bar")[0]) == pytest.approx(track, abs=1)
    assert width(rects(half, "bar")[0]) == pytest.approx(track / 2, abs=1)
    assert width(rects(over, "bar")[0]) == pytest.approx(track, abs=1)  # capped at 100 %
    assert texts(over, "figure") == ["450 / 300 家 (150.0 %)"]
    # only the row beyond its target has the overflow marker
    assert [len(row.findall(f"{SVG}polygon[@class='overflow']")) for row in rows(root)] == [0, 0, 1]
    assert [rects(row, "bar")[0].get("fill") for row in rows(root)] == [BLUE, GREEN, GREEN]
    line = root.find(f"{SVG}line[@class='reference']")
    x = float(rects(full, "track")[0].get("x")) + track
    assert float(line.get("x1")) == pytest.approx(x, abs=1)


def test_it_prints_a_dash_for_a_missing_target_or_actual():
    root = parse(progress_chart([("无目标", 5, None, ""), ("未填报", None, 10, "个")]))
    no_target, no_actual = rows(root)

    assert texts(root, "figure") == ["5 / – (–)", "– / 10 个 (–)"]
    assert rects(no_target, "bar") == [] and rects(no_actual, "bar") == []
    assert len(rects(no_actual, "track")) == 1  # drawn empty


def test_it_refuses_float_figures():
    with pytest.raises(TypeError):
        progress_chart([("a", 0.1, 3, "")])


# -- stacked levels ------------------------------------------------------------------------------


def test_stacked_segments_fill_the_bar_in_proportion():
    root = parse(
        stacked_levels_chart(
            ["红旗区", "卫滨区", "空白区"], [[1, 1, 2, 0, 0], [0, 30, 0, 0, 70], [0, 0, 0, 0, 0]]
        )
    )
    red, wei, empty = rows(root)

    full = width(rects(empty, "track")[0])
    for row in (red, wei):
        assert sum(width(s) for s in rects(row, "segment")) == pytest.approx(full, abs=1)
    a, b, c = (width(s) for s in rects(red, "segment"))
    assert a == pytest.approx(full / 4, abs=1) and b == pytest.approx(a, abs=1)
    assert c == pytest.approx(full / 2, abs=1)
    assert [s.get("class") for s in rects(wei, "segment")] == ["segment level-1", "segment level-4"]
    assert texts(wei, "count") == ["30", "70"]
    assert texts(root, "total") == ["4", "100", "0"]
    assert texts(root, "legend") == list(LEVEL_NAMES)


def test_stacked_counts_too_narrow_for_their_segment_are_left_out():
    root = parse(stacked_levels_chart(["卫滨区"], [[1, 0, 0, 0, 1999]]))

    assert texts(root, "count") == ["1999"]
    assert texts(root, "total") == ["2,000"]


def test_stacked_wants_five_counts_per_label():
    with pytest.raises(ValueError):
        stacked_levels_chart(["a", "b"], [[1, 2, 3, 4, 5]])
    with pytest.raises(ValueError):
        stacked_levels_chart(["a"], [[1, 2, 3, 4]])


# -- funnel --------------------------------------------------------------------------------------


def test_funnel_bars_are_centred_and_proportional_to_the_counts():
    steps = [("计划", 100), ("实施中", 50), ("已完成", 25), ("已验收", 0)]
    root = parse(funnel_chart(steps))
    planned, started, done, accepted = rows(root)

    first = rects(planned, "bar")[0]
    assert width(rects(started, "bar")[0]) == pytest.approx(width(first) / 2, abs=1)
    assert width(rects(done, "bar")[0]) == pytest.approx(width(first) / 4, abs=1)
    assert rects(accepted, "bar") == []
    centres = {
        round(float(r.get("x")) + width(r) / 2) for row in rows(root)[:3] for r in rects(row, "bar")
    }
    assert len(centres) == 1
    assert texts(root, "label") == ["计划", "实施中", "已完成", "已验收"]
    assert texts(root, "figure") == ["100", "50 (50.0 %)", "25 (25.0 %)", "0 (0.0 %)"]


# -- funds ---------------------------------------------------------------------------------------


def test_funds_print_thousands_separators_and_the_share_of_the_cap():
    root = parse(
        funds_chart([("新乡市", Decimal("1200000"), Decimal("150000000")), ("无上限", 50, None)])
    )

    assert texts(root, "figure") == ["1,200,000.00 / 150,000,000.00 (0.8 %)", "50.00 / – (–)"]


def test_funds_beyond_the_cap_are_drawn_in_the_warning_colour():
    root = parse(funds_chart([("甲项目", Decimal("80"), Decimal("100")), ("乙项目", 120, 100)]))
    within, beyond = rows(root)

    track = width(rects(within, "track")[0])
    assert rects(within, "bar")[0].get("fill") == BLUE
    assert width(rects(within, "bar")[0]) == pytest.approx(track * 0.8, abs=1)
    assert rects(beyond, "bar")[0].get("fill") == WARN
    assert width(rects(beyond, "bar")[0]) == pytest.approx(track * 1.2, abs=1)
    assert texts(beyond, "figure") == ["120.00 / 100.00 (120.0 %)"]


# -- all four ------------------------------------------------------------------------------------

CHARTS = {
    "progress": lambda label, title: progress_chart([(label, 1, 2, "家")], title=title),
    "levels": lambda label, title: stacked_levels_chart([label], [[1, 2, 3, 4, 5]], title=title),
    "funnel": lambda label, title: funnel_chart([(label, 3)], title=title),
    "funds": lambda label, title: funds_chart([(label, Decimal("1"), Decimal("2"))], title=title),
}


@pytest.mark.parametrize("kind", CHARTS)
def test_labels_and_titles_are_escaped(kind):
    svg = CHARTS[kind](HOSTILE, f"标题 {HOSTILE}")

    assert "<b>" not in svg
    root = parse(svg)
    assert texts(root, "label") == [HOSTILE]
    assert root.find(f"{SVG}title").text == f"标题 {HOSTILE}"
    assert root.get("aria-label") == f"标题 {HOSTILE}" and root.get("role") == "img"
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"


@pytest.mark.parametrize(
    "empty",
    [
        lambda: progress_chart([], title="目标进度"),
        lambda: stacked_levels_chart([], [], title="目标进度"),
        lambda: funnel_chart([], title="目标进度"),
        lambda: funds_chart([], title="目标进度"),
    ],
)
def test_empty_input_says_there_is_no_data(empty):
    root = parse(empty())

    assert texts(root) == ["暂无数据 / no data"]
    assert root.get("role") == "img" and root.get("aria-label") == "目标进度"


def test_chart_text_survives_into_the_pdf(tmp_path):
    require_service(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils)")
    from weasyprint import HTML

    chart = progress_chart([("改造企业数", 120, 300, "家")], title="试点目标")
    funds = funds_chart([("新乡市", Decimal("1200000"), Decimal("150000000"))])
    pdf = HTML(string=f"<html><body>{chart}{funds}</body></html>").write_pdf()

    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "改造企业数" in text and "新乡市" in text
    compact = text.replace(" ", "")
    assert "120/300家(40.0%)" in compact
    assert "1,200,000.00/150,000,000.00(0.8%)" in compact
    (tmp_path / "chart.pdf").write_bytes(pdf)
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "chart.pdf")], capture_output=True, text=True, check=True
    ).stdout
    # the SVG names the CJK font itself: nothing in the chart fell back to another font
    assert {line.split()[0].split("+", 1)[1] for line in fonts.splitlines()[2:]} == {
        "Noto-Sans-CJK-SC"
    }
