"""A run's findings as xlsx: exactly what the findings table's filters show, within the user's
scope (`selectors.finding_list`), with the check's title and what to fix, in one pass over one
query whatever the number of rows."""

import re
from io import BytesIO

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from pilot_portal.verification.selectors import FILTERS, clean_filters, code_titles

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
COLUMNS = [
    "编号 / ID", "严重程度 / Severity", "代码 / Code", "检查项 / Check", "企业 / Enterprise",
    "统一社会信用代码 / USCC", "区县 / District", "说明 / Message (zh)", "Message (en)",
    "如何改正 / What to fix", "记录 / Record", "记录编号 / Record ID",
]  # fmt: skip
WIDTHS = (8, 12, 26, 30, 32, 22, 14, 60, 60, 40, 24, 12)
WRAPPED = (7, 8, 9)  # 0-based: the messages and what to fix


def finding_row(finding, titles) -> list:
    enterprise = finding.enterprise
    info = titles.get(finding.code, {})
    fix = " / ".join(part for part in (info.get("fix_zh"), info.get("fix_en")) if part)
    return [
        finding.pk,
        f"{SEVERITY_ZH.get(finding.severity, finding.severity)} / {finding.severity}",
        finding.code,
        info.get("title_zh") or info.get("title_en") or finding.code,
        enterprise.name if enterprise is not None else "",
        enterprise.uscc if enterprise is not None else "",
        enterprise.district.name if enterprise is not None and enterprise.district else "",
        finding.message_zh,
        finding.message_en,
        fix,
        finding.object_type,
        finding.object_id,
    ]


def findings_workbook(*, run, findings) -> tuple[bytes, int]:
    """The workbook of `findings` (a queryset or a list) and its number of rows."""
    titles = code_titles(zh=True)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("核查发现")
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    wrap = Alignment(wrap_text=True, vertical="top")
    rows = 0
    iterable = findings.iterator(chunk_size=2000) if isinstance(findings, QuerySet) else findings
    for finding in iterable:
        cells = []
        for index, value in enumerate(finding_row(finding, titles)):
            cell = WriteOnlyCell(sheet, value=value)
            if index in WRAPPED:
                cell.alignment = wrap
            cells.append(cell)
        sheet.append(cells)
        rows += 1
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), rows


def export_file_name(run, params) -> str:
    """`<city>-verification-<run>-<date>[-severity-error][-code-…].xlsx`, naming the filters
    applied (only those the table applies)."""
    filters = clean_filters(params)
    applied = []
    for name in FILTERS:
        value = re.sub(r"[^A-Za-z0-9_]", "", str(filters.get(name, "")))
        if value:
            applied.append(f"-{name}-{value}")
    day = timezone.localdate(run.created_at) if run.created_at else timezone.localdate()
    return f"{run.city.code}-verification-{run.pk}-{day:%Y%m%d}{''.join(applied)}.xlsx"
