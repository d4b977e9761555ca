"""The xlsx side of the import: finding the list in a workbook, and writing the template.

No database here: the service hands in what it has read and gets rows or bytes back.
"""

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from xml.etree.ElementTree import ParseError

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from enterprises.importing import rules

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What a damaged or disguised xlsx raises while openpyxl opens or parses it.
READ_ERRORS = (
    zipfile.BadZipFile,
    InvalidFileException,
    ParseError,
    KeyError,
    ValueError,
    TypeError,
    OSError,
    EOFError,
)

UNREADABLE = "无法读取该文件：不是有效的 xlsx 工作簿 / the file cannot be read as an xlsx workbook"


class UnreadableWorkbook(Exception):
    """openpyxl could not open or parse the file; `str()` says so for people."""

    def __init__(self):
        super().__init__(UNREADABLE)


def _parsed(rows) -> Iterator:
    """openpyxl's rows, its parse errors raised as UnreadableWorkbook (not the rules' errors)."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except READ_ERRORS as error:
            raise UnreadableWorkbook from error
        yield row


@contextmanager
def opened(fileobj):
    """The workbook, read-only (rows stream from the file); closed afterwards."""
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
    except READ_ERRORS as error:
        raise UnreadableWorkbook from error
    try:
        yield workbook
    finally:
        workbook.close()


def locate_list(workbook):
    """(sheet, header, rows estimate) of the first sheet with a recognisable header, or None."""
    for sheet in workbook.worksheets:
        head = sheet.iter_rows(min_row=1, max_row=rules.HEADER_SCAN_ROWS, values_only=True)
        header = rules.find_header(_parsed(head))
        if header is not None:
            estimate = sheet.max_row if isinstance(sheet.max_row, int) else None
            # A sheet's stated dimensions can be wrong (some exporters write "A1"): read on
            # to the last row actually there.
            sheet.reset_dimensions()
            return sheet, header, estimate
    return None


def data_rows(sheet, header: rules.Header) -> Iterator[tuple[int, tuple]]:
    """(row number as Excel shows it, cell values) for each row below the header."""
    first = header.row + 1
    rows = _parsed(sheet.iter_rows(min_row=first, values_only=True))
    yield from enumerate(rows, start=first)


# -- the template --------------------------------------------------------------------------

LIST_SHEET, REFERENCE_SHEET, NOTES_SHEET = "企业名单", "区县和细分行业", "填写说明"

NOTES = {
    "uscc": "18 位；可含空格、小写或全角字符，导入时统一规范",
    "name": "必填",
    "district": "填写本市区县的名称或代码，见“区县和细分行业”表",
    "sector": "填写本市试点细分行业的名称或代码，见“区县和细分行业”表",
    "size": "规上 或 规下（也可写 规模以上 / 规模以下）",
    "srdi": "无、省级 或 国家级小巨人；留空表示不变（新企业为 无）",
    "central_fund_little_giant": "是 或 否",
    "in_2022_pilot": "是 或 否",
    "employees": "整数",
}


def _example(city_name: str, division_code: str, districts, sectors) -> dict:
    return {
        "uscc": rules.example_uscc(division_code),
        "name": f"（示例）{city_name}某某科技有限公司",
        "district": districts[0][1] if districts else "",
        "sector": sectors[0][1] if sectors else "",
        "size": "规上",
        "srdi": "省级",
        "central_fund_little_giant": "否",
        "in_2022_pilot": "否",
        "legal_representative": "张三",
        "contact_name": "李四",
        "contact_phone": "13800000000",
        "contact_email": "lisi@example.com",
        "address": f"{city_name}某某路 1 号",
        "employees": 120,
        "description": "电子元器件研发与制造",
    }


def template_workbook(*, city_name: str, division_code: str, districts, sectors) -> bytes:
    """The list's columns, an example row, and the city's districts and sectors with codes.

    `districts` and `sectors` are (code, name) pairs. The example row imports as nothing:
    its credit code is recognised and the row skipped.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = LIST_SHEET
    sheet.append([column.header for column in rules.COLUMNS])
    example = _example(city_name, division_code, districts, sectors)
    sheet.append([example[column.field] for column in rules.COLUMNS])
    for index, column in enumerate(rules.COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet[f"{letter}1"].font = Font(bold=True, color="C00000" if column.required else None)
        sheet[f"{letter}2"].font = Font(italic=True, color="808080")
        sheet.column_dimensions[letter].width = 22 if column.field != "name" else 36
    sheet.freeze_panes = "A2"
    for name in ("uscc", "contact_phone"):  # text, or Excel turns long digit strings into 9.1E+17
        index = next(i for i, c in enumerate(rules.COLUMNS, 1) if c.field == name)
        sheet.column_dimensions[get_column_letter(index)].number_format = "@"

    letters = {column.field: get_column_letter(i) for i, column in enumerate(rules.COLUMNS, 1)}
    choices = {
        "size": '"规上,规下"',
        "srdi": '"无,省级,国家级小巨人"',
        "central_fund_little_giant": '"是,否"',
        "in_2022_pilot": '"是,否"',
        "district": f"'{REFERENCE_SHEET}'!$B$2:$B${len(districts) + 1}",
        "sector": f"'{REFERENCE_SHEET}'!$E$2:$E${len(sectors) + 1}",
    }
    for name, formula in choices.items():
        if name in ("district", "sector") and not (districts if name == "district" else sectors):
            continue
        validation = DataValidation(type="list", formula1=formula, allow_blank=True)
        validation.add(f"{letters[name]}2:{letters[name]}{rules.MAX_ROWS}")
        sheet.add_data_validation(validation)

    reference = workbook.create_sheet(REFERENCE_SHEET)
    reference.append(["区县代码", "区县名称", None, "细分行业代码", "细分行业名称"])
    for index in range(max(len(districts), len(sectors))):
        district = districts[index] if index < len(districts) else (None, None)
        sector = sectors[index] if index < len(sectors) else (None, None)
        reference.append([*district, None, *sector])
    for letter, width in zip("ABCDE", (12, 16, 4, 14, 48), strict=True):
        reference.column_dimensions[letter].width = width
        reference[f"{letter}1"].font = Font(bold=True)

    notes = workbook.create_sheet(NOTES_SHEET)
    notes.append(["列", "必填", "填写说明"])
    for column in rules.COLUMNS:
        notes.append([column.header, "是" if column.required else "", NOTES.get(column.field, "")])
    notes.append([])
    notes.append(
        ["说明", "", "表头可在标题行之下；多余的列不读取；按统一社会信用代码新增或更新企业"]
    )
    notes.append(["", "", "第 2 行为示例，导入时跳过，可删除"])
    for letter, width in zip("ABC", (30, 6, 70), strict=True):
        notes.column_dimensions[letter].width = width
        notes[f"{letter}1"].font = Font(bold=True)

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
