"""Reading a city's enterprise list: pure rules, no database, no files.

A list comes from the statistics bureau or a district, so its header row sits wherever the
sender put it (often below a merged title row), its columns have several usual names and
its cells hold full-width digits, stray spaces and numbers Excel stored as floats. This
module finds the header, cleans each cell and checks each row against the city's districts
and sectors, which the caller passes in as a `Reference`.

Every message is Chinese first with the English translation, and names the row number as
Excel shows it: "第 7 行：… / row 7: …".
"""

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from pilot_portal.identifiers import InvalidUSCC, check_character, parse_uscc

HEADER_SCAN_ROWS = 20  # the header must be among a sheet's first rows
MAX_ROWS = 100_000  # data rows in one file; a bigger list is split by the sender

# -- columns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of the list: the model field it fills and the headers it is known by.

    `aliases` are in order of preference: when a sheet has two columns that could be this
    one (行业 and 细分行业), the earlier alias wins and the other column is ignored.
    """

    field: str
    header: str  # as the template writes it
    label: str  # as messages name it
    aliases: tuple[str, ...]
    kind: str = "text"  # text | code | size | srdi | bool | count | email | district | sector
    required: bool = False
    max_length: int | None = None


COLUMNS = (
    Column(
        "uscc", "统一社会信用代码", "统一社会信用代码",
        ("统一社会信用代码", "社会信用代码", "统一信用代码", "信用代码", "统一社会信用代码证号"),
        kind="uscc", required=True,
    ),
    Column(
        "name", "企业名称", "企业名称",
        ("企业名称", "单位名称", "企业(单位)名称", "单位(企业)名称", "企业名", "名称"),
        required=True, max_length=200,
    ),
    Column(
        "district", "所属区县", "所属区县",
        ("所属区县", "区县", "所在区县", "所属区(县)", "所属区(县、市)", "区(县)", "区县(市)",
         "所属区县(市)", "所属区域", "所在地区"),
        kind="district",
    ),
    Column(
        "sector", "细分行业", "细分行业",
        ("细分行业", "所属细分行业", "试点细分行业", "细分行业代码", "所属行业", "行业"),
        kind="sector",
    ),
    Column(
        "size", "规模（规上/规下）", "规模",
        ("规模", "企业规模", "规上/规下", "规模以上/规模以下"),
        kind="size", required=True,
    ),
    Column(
        "srdi", "专精特新等级", "专精特新等级",
        ("专精特新等级", "专精特新级别", "专精特新", "专精特新类型", "专精特新企业等级",
         "专精特新企业"),
        kind="srdi",
    ),
    Column(
        "central_fund_little_giant", "中央财政支持的小巨人（是/否）", "中央财政支持的小巨人",
        ("中央财政支持的小巨人", "中央财政支持小巨人", "中央财政支持的专精特新小巨人",
         "中央财政支持"),
        kind="bool",
    ),
    Column(
        "in_2022_pilot", "2022年试点企业（是/否）", "2022年试点企业",
        ("2022年试点企业", "2022年数字化转型试点企业", "2022年数字化转型试点", "2022年试点"),
        kind="bool",
    ),
    Column(
        "legal_representative", "法定代表人", "法定代表人",
        ("法定代表人", "法人代表", "法人"), max_length=64,
    ),
    Column("contact_name", "联系人", "联系人", ("联系人", "联系人姓名"), max_length=64),
    Column(
        "contact_phone", "联系电话", "联系电话",
        ("联系电话", "联系人电话", "电话", "手机", "联系方式"), kind="code", max_length=32,
    ),
    Column(
        "contact_email", "电子邮箱", "电子邮箱",
        ("电子邮箱", "联系邮箱", "邮箱", "e-mail", "email"), kind="email", max_length=254,
    ),
    Column(
        "address", "地址", "地址",
        ("地址", "企业地址", "通讯地址", "注册地址", "经营地址", "详细地址"), max_length=200,
    ),
    Column(
        "employees", "从业人数", "从业人数",
        ("从业人数", "从业人员", "从业人员期末人数", "从业人员数", "员工人数", "职工人数"),
        kind="count",
    ),
    Column("description", "主营业务", "主营业务", ("主营业务", "主营产品", "主要产品")),
)  # fmt: skip

COLUMN_BY_FIELD = {column.field: column for column in COLUMNS}

SIZE_VALUES = {"above": "above", "below": "below"}
for _word, _size in (("规上", "above"), ("规下", "below"), ("规模以上", "above"),
                     ("规模以下", "below")):  # fmt: skip
    for _suffix in ("", "企业", "工业企业"):
        SIZE_VALUES[_word + _suffix] = _size

SRDI_VALUES = {
    **dict.fromkeys(("无", "否", "非专精特新", "不是", "none"), "none"),
    **dict.fromkeys(
        ("省级", "省级专精特新", "省专精特新", "专精特新", "provincial"), "provincial"
    ),
    **dict.fromkeys(
        ("国家级", "小巨人", "国家级小巨人", "专精特新小巨人", "国家级专精特新小巨人",
         "国家专精特新小巨人", "little_giant", "littlegiant"),
        "little_giant",
    ),
}  # fmt: skip

BOOL_VALUES = {
    **dict.fromkeys(("是", "y", "yes", "true", "1", "√", "✓", "✔"), True),
    **dict.fromkeys(("否", "n", "no", "false", "0", "×", "✗", "✘"), False),
}

NUMBER_CODE = (
    "统一社会信用代码被存成了数字，Excel 只保留 15 位有效数字：请把该列设为文本后重新填写 / the "
    "credit code was stored as a number, of which Excel keeps 15 digits: format the column as "
    "text and enter the codes again"
)

QUOTES = "\"'“”‘’「」『』《》"


# -- cells ---------------------------------------------------------------------------------


def cell_text(value) -> str:
    """A cell as text: Excel's floats without ".0", spaces stripped and collapsed to one.

    Characters are kept as typed (company names use full-width brackets); `cell_key` is
    the folded form for codes, lookups and choices.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        value = value.isoformat()
    return " ".join(str(value).split())  # str.split() also splits on U+3000 (全角空格)


def cell_key(value) -> str:
    """Folded for comparison: NFKC (full-width → half-width), no spaces, lower case."""
    return "".join(unicodedata.normalize("NFKC", cell_text(value)).split()).lower()


def header_key(value) -> str:
    """A header folded like a cell, without required-markers (*)."""
    return cell_key(value).replace("*", "")


def _header_keys(value) -> list[str]:
    """The header itself, and the header without a trailing note: 规模（规上/规下） → 规模."""
    key = header_key(value)
    stripped = re.sub(r"\([^()]*\)$", "", key)
    return [key, stripped] if stripped and stripped != key else [key]


_ALIAS_RANK = {
    header_key(alias): (column.field, rank)
    for column in COLUMNS
    for rank, alias in enumerate(column.aliases)
}

# -- messages ------------------------------------------------------------------------------


def row_message(row: int, message: str) -> str:
    """Prefix a bilingual "中文 / English" message with the row number on both sides."""
    chinese, _sep, english = message.partition(" / ")
    if not english:
        return f"第 {row} 行：{chinese}"
    return f"第 {row} 行：{chinese} / row {row}: {english}"


# -- the header ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    row: int  # as Excel numbers it
    columns: dict[str, int]  # field -> 0-based column index
    ignored: tuple[str, ...]  # headers of the columns not read, as written


def header_in(cells: Sequence) -> tuple[dict[str, int], list[str]]:
    """Map one row's cells to fields; return (field -> index, headers not recognised)."""
    best: dict[str, tuple[int, int]] = {}  # field -> (alias rank, index)
    ignored = []
    for index, value in enumerate(cells):
        text = cell_text(value)
        if not text:
            continue
        match = next((_ALIAS_RANK[k] for k in _header_keys(value) if k in _ALIAS_RANK), None)
        if match is None:
            ignored.append(text)
            continue
        name, rank = match
        if name in best and best[name][0] <= rank:
            ignored.append(text)
            continue
        if name in best:
            ignored.append(cell_text(cells[best[name][1]]))
        best[name] = (rank, index)
    return {name: index for name, (_rank, index) in best.items()}, ignored


def find_header(rows: Iterable[Sequence], *, first_row: int = 1) -> Header | None:
    """The first row among `rows` with both a credit-code and a name column, or None."""
    for number, cells in enumerate(rows, start=first_row):
        columns, ignored = header_in(cells)
        if "uscc" in columns and "name" in columns:
            return Header(row=number, columns=columns, ignored=tuple(ignored))
    return None


def no_header_message() -> str:
    return (
        f"未找到表头：前 {HEADER_SCAN_ROWS} 行中没有同时包含“统一社会信用代码”和“企业名称”的行"
        f" / no header row: none of the first {HEADER_SCAN_ROWS} rows has both the columns "
        "统一社会信用代码 and 企业名称"
    )


def missing_columns_message(header: Header) -> str | None:
    missing = [c for c in COLUMNS if c.required and c.field not in header.columns]
    if not missing:
        return None
    names = "、".join(c.header for c in missing)
    return (
        f"第 {header.row} 行的表头缺少必需的列：{names} / the header in row {header.row} lacks "
        f"required columns: {', '.join(c.header for c in missing)}"
    )


def too_many_rows_message() -> str:
    return (
        f"文件超过 {MAX_ROWS} 行数据，请拆分后分别导入 / the file has more than {MAX_ROWS} "
        "data rows; split it and import the parts"
    )


# -- the city's reference data -------------------------------------------------------------


def _lookup(items: Iterable[tuple[int, str, str]]) -> dict[str, int]:
    table = {}
    for pk, code, name in items:
        table[cell_key(code)] = pk
        table[cell_key(name)] = pk
    return table


def division_prefix(division_code: str) -> str:
    """The start a city's registrations share: 350200 → 3502 (as the enterprise API checks)."""
    return (division_code or "").strip()[:4]


def example_uscc(division_code: str) -> str:
    """The template's example row's code (valid, so it is recognised and skipped)."""
    first17 = f"91{(division_code or '').strip() or '000000'}MA0000000"
    return first17 + check_character(first17)


@dataclass(frozen=True)
class Reference:
    """What a row is checked against: the city's districts and sectors, its division code."""

    districts: dict[str, int]  # folded code or name -> id
    sectors: dict[str, int]
    division_prefix: str
    example_uscc: str

    @classmethod
    def build(cls, *, districts, sectors, division_code: str) -> "Reference":
        """`districts` and `sectors` are (id, code, name) triples of the city's own."""
        return cls(
            districts=_lookup(districts),
            sectors=_lookup(sectors),
            division_prefix=division_prefix(division_code),
            example_uscc=example_uscc(division_code),
        )


def _find(table: dict[str, int], value) -> int | None:
    """By code or name; "350203 思明区" and "思明区（350203）" name it twice, consistently."""
    key = cell_key(value)
    if key in table:
        return table[key]
    parts = {table.get(cell_key(part)) for part in re.split(r"[\s()（）/]+", cell_text(value))}
    parts.discard(None)
    return parts.pop() if len(parts) == 1 else None


# -- rows ----------------------------------------------------------------------------------


@dataclass
class RowResult:
    row: int
    uscc: str  # normalised when valid, else as written
    values: dict = field(default_factory=dict)  # model attname -> value, blank cells left out
    reasons: list[str] = field(default_factory=list)  # why the row is refused
    warnings: list[str] = field(default_factory=list)  # for the reviewer; the row imports
    skipped: bool = False  # the template's example row

    @property
    def ok(self) -> bool:
        return not self.reasons and not self.skipped


def _check_value(column: Column, raw, reference: Reference):
    """(attname, value) for a non-blank cell; raises ValueError with a bilingual message."""
    text, key = cell_text(raw), cell_key(raw)
    if column.kind == "size":
        if key not in SIZE_VALUES:
            raise ValueError(
                f"规模“{text}”无法识别，应填写“规上”或“规下” / size “{text}” not recognised; "
                "write 规上 (above) or 规下 (below)"
            )
        return "size", SIZE_VALUES[key]
    if column.kind == "srdi":
        folded = key.translate({ord(q): None for q in QUOTES})
        folded = re.sub(r"(中小企业|企业)$", "", folded)
        if folded not in SRDI_VALUES:
            raise ValueError(
                f"专精特新等级“{text}”无法识别，应填写“无”、“省级”或“国家级小巨人” / "
                f"SRDI level “{text}” not recognised; write 无, 省级 or 国家级小巨人"
            )
        return "srdi", SRDI_VALUES[folded]
    if column.kind == "bool":
        if key not in BOOL_VALUES:
            raise ValueError(
                f"“{column.label}”应填写“是”或“否”，实际为“{text}” / "
                f"{column.label} must be 是 (yes) or 否 (no), got “{text}”"
            )
        return column.field, BOOL_VALUES[key]
    if column.kind == "count":
        digits = key.removesuffix("人").replace(",", "")
        if not digits.isdecimal() or not digits.isascii():
            raise ValueError(
                f"{column.label}“{text}”不是非负整数 / {column.label} “{text}” is not a whole "
                "number"
            )
        return column.field, int(digits)
    if column.kind == "district":
        found = _find(reference.districts, raw)
        if found is None:
            raise ValueError(
                f"所属区县“{text}”不是本市的区县 / district “{text}” is not one of this city's "
                "districts"
            )
        return "district_id", found
    if column.kind == "sector":
        found = _find(reference.sectors, raw)
        if found is None:
            raise ValueError(
                f"细分行业“{text}”不是本市的试点细分行业 / sector “{text}” is not one of this "
                "city's pilot sectors"
            )
        return "sector_id", found
    value = unicodedata.normalize("NFKC", text) if column.kind in ("code", "email") else text
    if column.max_length and len(value) > column.max_length:
        raise ValueError(
            f"{column.label}过长：{len(value)} 字，最多 {column.max_length} 字 / "
            f"{column.label} is too long: {len(value)} characters, at most {column.max_length}"
        )
    if column.kind == "email":
        try:
            validate_email(value)
        except ValidationError:
            raise ValueError(
                f"电子邮箱“{text}”格式不正确 / e-mail address “{text}” is not valid"
            ) from None
    return column.field, value


def check_row(number: int, cells: dict, reference: Reference) -> RowResult:
    """Check one row's cells (field -> raw value); duplicates are `check_rows`' business."""
    raw_code = cells.get("uscc")
    result = RowResult(row=number, uscc=cell_text(raw_code))
    try:
        code = parse_uscc(result.uscc).code if result.uscc else None
    except InvalidUSCC as error:
        message = str(error)
        if isinstance(raw_code, int | float) and not isinstance(raw_code, bool):
            message = NUMBER_CODE  # Excel kept 15 digits of it; a check-character error misleads
        result.reasons.append(row_message(number, message))
    else:
        if code is None:
            result.reasons.append(
                row_message(
                    number, "统一社会信用代码为空 / the unified social credit code is empty"
                )
            )
        elif code == reference.example_uscc:
            result.uscc, result.skipped = code, True
            result.warnings.append(
                row_message(number, "模板的示例行，已跳过 / the template's example row; skipped")
            )
            return result
        else:
            result.uscc = result.values["uscc"] = code
            division = code[2:8]
            if reference.division_prefix and not division.startswith(reference.division_prefix):
                result.warnings.append(
                    row_message(
                        number,
                        f"统一社会信用代码的登记管理机关行政区划码为 {division}，不属于本市"
                        f"（{reference.division_prefix}），请核实 / the code was registered in "
                        f"division {division}, outside this city ({reference.division_prefix}); "
                        "please check",
                    )
                )
    for column in COLUMNS:
        if column.field == "uscc":
            continue
        raw = cells.get(column.field)
        if not cell_text(raw):
            if column.required and column.field in cells:
                result.reasons.append(
                    row_message(number, f"{column.label}为空 / {column.label} is empty (required)")
                )
            continue
        try:
            attname, value = _check_value(column, raw, reference)
        except ValueError as error:
            result.reasons.append(row_message(number, str(error)))
        else:
            result.values[attname] = value
    return result


def check_rows(
    rows: Iterable[tuple[int, Sequence]], *, header: Header, reference: Reference
) -> Iterator[RowResult]:
    """Check each (row number, cells) below the header; blank rows are passed over.

    A credit code's second occurrence is refused, naming the row of the first.
    """
    first_row: dict[str, int] = {}
    for number, cells in rows:
        by_field = {
            name: cells[index] if index < len(cells) else None
            for name, index in header.columns.items()
        }
        if not any(cell_text(value) for value in by_field.values()):
            continue
        result = check_row(number, by_field, reference)
        code = result.values.get("uscc")
        if code is not None:
            if code in first_row:
                result.reasons.append(
                    row_message(
                        number,
                        f"统一社会信用代码 {code} 与第 {first_row[code]} 行重复 / credit code "
                        f"{code} repeats row {first_row[code]}",
                    )
                )
            else:
                first_row[code] = number
        yield result
