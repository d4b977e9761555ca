"""The import's pure rules: finding the header, cleaning cells, checking rows (no database)."""

import pytest

from enterprises.importing import rules
from enterprises.models import Enterprise
from pilot_portal.demo.services import demo_uscc

SIMING, HULI, ELECTRONICS = 11, 12, 21  # ids of the reference below

REFERENCE = rules.Reference.build(
    districts=[(SIMING, "350203", "思明区"), (HULI, "350206", "湖里区")],
    sectors=[(ELECTRONICS, "C397", "电子器件制造"), (22, "C358", "医疗仪器设备及耗材制造")],
    division_code="350200",
)
HEADER = rules.Header(
    row=1,
    columns={"uscc": 0, "name": 1, "district": 2, "sector": 3, "size": 4, "srdi": 5},
    ignored=(),
)


def check(*cells, row=2):
    return next(rules.check_rows([(row, cells)], header=HEADER, reference=REFERENCE))


def test_it_finds_the_header_below_a_merged_title_row():
    rows = [
        ("厦门市2024年规模以上工业企业名单", None, None, None),
        (None, None, None, None),
        ("序号", " 统一社会信用代码 ", "单位名称", "备注"),
    ]

    header = rules.find_header(rows)

    assert header == rules.Header(row=3, columns={"uscc": 1, "name": 2}, ignored=("序号", "备注"))


def test_it_accepts_the_usual_names_of_each_column():
    header = rules.find_header(
        [("信用代码", "企业名称*", "区县", "行业", "企业规模", "专精特新", "联系电话", "从业人数")]
    )

    assert header.columns == {
        "uscc": 0,
        "name": 1,
        "district": 2,
        "sector": 3,
        "size": 4,
        "srdi": 5,
        "contact_phone": 6,
        "employees": 7,
    }


def test_it_reads_a_header_with_a_note_in_brackets_full_width_or_not():
    header = rules.find_header(
        [("统一社会信用代码（18位）", "企业名称", "规模（规上/规下）", "2022年试点企业(是/否)")]
    )

    assert header.columns == {"uscc": 0, "name": 1, "size": 2, "in_2022_pilot": 3}


def test_the_more_specific_column_wins_and_the_other_is_ignored():
    header = rules.find_header([("行业", "统一社会信用代码", "企业名称", "细分行业")])

    assert header.columns["sector"] == 3
    assert header.ignored == ("行业",)


def test_a_sheet_without_code_and_name_columns_has_no_header():
    assert rules.find_header([("序号", "企业名称", "地址"), ("1", "甲公司", "某路")]) is None


def test_it_names_the_required_columns_a_header_lacks():
    header = rules.find_header([("统一社会信用代码", "企业名称", "区县")])

    message = rules.missing_columns_message(header)

    assert message == (
        "第 1 行的表头缺少必需的列：规模（规上/规下） / the header in row 1 lacks required "
        "columns: 规模（规上/规下）"
    )


def test_no_alias_names_two_columns():
    aliases = [rules.header_key(a) for column in rules.COLUMNS for a in column.aliases]

    assert len(aliases) == len(set(aliases))


@pytest.mark.parametrize("column", [c for c in rules.COLUMNS if c.max_length])
def test_text_limits_match_the_model(column):
    assert column.max_length == Enterprise._meta.get_field(column.field).max_length


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (350203.0, "350203"),
        (13800000001, "13800000001"),
        (12.5, "12.5"),
        ("  厦门　甲  科技 ", "厦门 甲 科技"),  # ideographic space too
        ("厦门（集团）有限公司", "厦门（集团）有限公司"),  # names keep their brackets
        (True, "是"),
    ],
)
def test_cells_read_as_text(value, text):
    assert rules.cell_text(value) == text


def test_it_normalises_a_credit_code_with_full_width_lower_case_and_spaces():
    code = demo_uscc("350203", 1)
    messy = " " + code.lower()[:9].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    messy += "  " + code.lower()[9:] + "\u3000"

    result = check(messy, "甲公司", "思明区", "电子器件制造", "规上", "无")

    assert result.ok
    assert result.uscc == code
    assert result.values == {
        "uscc": code,
        "name": "甲公司",
        "district_id": SIMING,
        "sector_id": ELECTRONICS,
        "size": "above",
        "srdi": "none",
    }


@pytest.mark.parametrize(
    ("district", "sector"),
    [
        ("350206", "c397"),
        (350206.0, "C397 电子器件制造"),
        ("湖里区（350206）", " 电子器件制造 "),
        ("３５０２０６", "C397"),
    ],
)
def test_it_finds_districts_and_sectors_by_code_or_name(district, sector):
    result = check(demo_uscc("350206", 2), "乙公司", district, sector, "规下", "")

    assert result.values["district_id"] == HULI
    assert result.values["sector_id"] == ELECTRONICS


@pytest.mark.parametrize(
    ("size", "srdi", "expected"),
    [
        ("规上", "省级", ("above", "provincial")),
        ("规模以上", "省级专精特新中小企业", ("above", "provincial")),
        ("规下", "国家级专精特新“小巨人”", ("below", "little_giant")),
        ("规模以下企业", "专精特新 小巨人企业", ("below", "little_giant")),
        ("规上工业企业", "国家级", ("above", "little_giant")),
        ("规下", "无", ("below", "none")),
    ],
)
def test_it_reads_size_and_srdi_as_lists_write_them(size, srdi, expected):
    result = check(demo_uscc("350203", 3), "丙公司", "", "", size, srdi)

    assert (result.values["size"], result.values["srdi"]) == expected


def test_blank_optional_cells_are_left_out_so_they_change_nothing():
    result = check(demo_uscc("350203", 4), "丁公司", None, "", "规上", None)

    assert result.ok
    assert set(result.values) == {"uscc", "name", "size"}


def test_it_gives_every_reason_a_row_is_refused_with_its_row_number():
    code = demo_uscc("350203", 5)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")

    result = check(wrong, "", "和平区", "风机制造", "中型", "市级", row=7)

    assert not result.ok
    assert result.uscc == wrong
    assert result.reasons == [
        f"第 7 行：统一社会信用代码校验位错误：应为 {code[-1]}，实际为 {wrong[-1]} / "
        f"row 7: wrong check character: expected {code[-1]}, got {wrong[-1]}",
        "第 7 行：企业名称为空 / row 7: 企业名称 is empty (required)",
        "第 7 行：所属区县“和平区”不是本市的区县 / row 7: district “和平区” is not one of "
        "this city's districts",
        "第 7 行：细分行业“风机制造”不是本市的试点细分行业 / row 7: sector “风机制造” is not "
        "one of this city's pilot sectors",
        "第 7 行：规模“中型”无法识别，应填写“规上”或“规下” / row 7: size “中型” not "
        "recognised; write 规上 (above) or 规下 (below)",
        "第 7 行：专精特新等级“市级”无法识别，应填写“无”、“省级”或“国家级小巨人” / row 7: "
        "SRDI level “市级” not recognised; write 无, 省级 or 国家级小巨人",
    ]


def test_an_empty_code_is_refused():
    result = check(None, "无代码公司", "", "", "规上", "")

    assert result.reasons == [
        "第 2 行：统一社会信用代码为空 / row 2: the unified social credit code is empty"
    ]


def test_a_code_registered_outside_the_city_is_a_warning_not_a_refusal():
    code = demo_uscc("350600", 6)  # Zhangzhou

    result = check(code, "戊公司", "", "", "规上", "")

    assert result.ok
    assert result.warnings == [
        "第 2 行：统一社会信用代码的登记管理机关行政区划码为 350600，不属于本市（3502），请核实"
        " / row 2: the code was registered in division 350600, outside this city (3502); "
        "please check"
    ]


def test_a_repeated_code_is_refused_naming_the_first_row():
    code = demo_uscc("350203", 7)
    rows = [
        (3, (code, "己公司", "", "", "规上", "")),
        (4, (None, None, None, None, None, None)),  # blank: passed over
        (5, (code.lower(), "己公司（重复）", "", "", "规上", "")),
    ]

    results = list(rules.check_rows(rows, header=HEADER, reference=REFERENCE))

    assert [r.row for r in results] == [3, 5]
    assert results[0].ok
    assert results[1].reasons == [
        f"第 5 行：统一社会信用代码 {code} 与第 3 行重复 / row 5: credit code {code} repeats row 3"
    ]


def test_the_template_s_example_row_is_skipped():
    result = check(rules.example_uscc("350200"), "（示例）某某公司", "", "", "规上", "")

    assert result.skipped
    assert not result.ok
    assert result.reasons == []
    assert result.warnings == [
        "第 2 行：模板的示例行，已跳过 / row 2: the template's example row; skipped"
    ]


def test_other_columns_are_checked_too():
    header = rules.Header(
        row=1,
        columns={
            "uscc": 0, "name": 1, "size": 2, "employees": 3, "contact_email": 4,
            "central_fund_little_giant": 5, "contact_phone": 6,
        },
        ignored=(),
    )  # fmt: skip
    rows = [
        (2, (demo_uscc("350203", 8), "庚公司", "规上", "120人", "a@example.com", "是", 13800.0)),
        (3, (demo_uscc("350203", 9), "辛公司", "规上", "-3", "not-mail", "可能", "x" * 40)),
    ]

    good, bad = rules.check_rows(rows, header=header, reference=REFERENCE)

    assert good.values | {"uscc": None} == {
        "uscc": None,
        "name": "庚公司",
        "size": "above",
        "employees": 120,
        "contact_email": "a@example.com",
        "central_fund_little_giant": True,
        "contact_phone": "13800",
    }
    assert [reason.split(" / ")[1] for reason in bad.reasons] == [  # in the columns' order
        "row 3: 中央财政支持的小巨人 must be 是 (yes) or 否 (no), got “可能”",
        "row 3: 联系电话 is too long: 40 characters, at most 32",
        "row 3: e-mail address “not-mail” is not valid",
        "row 3: 从业人数 “-3” is not a whole number",
    ]


def test_a_code_excel_stored_as_a_number_is_refused_saying_why():
    result = check(9.13502001234568e17, "壬公司", "", "", "规上", "")

    assert result.reasons == [
        "第 2 行：统一社会信用代码被存成了数字，Excel 只保留 15 位有效数字：请把该列设为文本后重新"
        "填写 / row 2: the credit code was stored as a number, of which Excel keeps 15 digits: "
        "format the column as text and enter the codes again"
    ]
