"""The claims as xlsx, with their explanations: exactly what the claims list's filters show.

`claims_filtered(user, city, params)` is the claims list's own selector
(`subsidies.selectors.claim_list`, within `policy.subsidy_claim_scope`); the workbook is written
in one pass over one query (and one for the rule line names), whatever the number of rows.
"""

import re
from decimal import Decimal, InvalidOperation
from io import BytesIO

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from pilot_portal.tenancy import policy
from subsidies.models import ClaimStatus
from subsidies.publicity_selectors import line_name, rule_line_names
from subsidies.selectors import FILTERS, claim_filters, claim_list

ACTION = "subsidy.export"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = [
    "编号 / ID", "受益单位 / Recipient", "统一社会信用代码 / USCC", "补助项目 / Rule line",
    "数字化水平 / Level", "合规投资额 / Eligible investment", "测算金额 / Amount",
    "核定金额 / Approved", "已拨付 / Paid", "状态 / Status", "计算说明 / Explanation (zh)",
    "Explanation (en)",
]  # fmt: skip
MONEY_COLUMNS = (5, 6, 7, 8)  # 0-based: eligible investment, amount, approved, paid
WIDTHS = (8, 32, 22, 30, 10, 16, 14, 14, 14, 10, 70, 70)
STATUS_ZH = {
    ClaimStatus.COMPUTED: "已测算",
    ClaimStatus.APPROVED: "已核定",
    ClaimStatus.PARTIALLY_PAID: "部分拨付",
    ClaimStatus.PAID: "已拨付",
    ClaimStatus.VOID: "已作废",
}


def may_export(user, city) -> bool:
    return policy.can(user, ACTION, city=city)


def claims_filtered(user, city, params) -> QuerySet:
    """The claims of `city` the user sees, filtered exactly as the claims list filters them
    (`subsidies.selectors.claim_list`: `kind`, `status`, `enterprise`, `project`, `provider`,
    `q`), in the list's order, with every relation the export shows joined (one query)."""
    return claim_list(user, city, params or {})


def _facts(claim) -> dict:
    computation = claim.computation
    return (
        computation.facts if computation is not None and isinstance(computation.facts, dict) else {}
    )


def claim_row(claim, names) -> list:
    recipient = claim.enterprise or claim.provider
    computation = claim.computation
    facts = _facts(claim)
    eligible = facts.get("eligible_investment")
    return [
        claim.pk,
        recipient.name if recipient is not None else "",
        recipient.uscc if recipient is not None else "",
        line_name(names, claim.kind),
        facts.get("level"),
        _decimal(eligible),
        computation.amount if computation is not None else None,
        claim.approved_amount,
        claim.paid_amount,
        STATUS_ZH.get(claim.status, claim.status),
        computation.explanation_zh if computation is not None else "",
        computation.explanation_en if computation is not None else "",
    ]


def _decimal(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def claims_workbook(*, city, claims) -> tuple[bytes, int]:
    """The workbook of `claims` (a queryset or list) and its number of rows."""
    names = rule_line_names(city)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("补助申请")
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
    iterable = claims.iterator(chunk_size=2000) if isinstance(claims, QuerySet) else claims
    for claim in iterable:
        cells = []
        for index, value in enumerate(claim_row(claim, names)):
            cell = WriteOnlyCell(sheet, value=value)
            if index in MONEY_COLUMNS:
                cell.number_format = "#,##0.00"
            elif index >= 10:
                cell.alignment = wrap
            cells.append(cell)
        sheet.append(cells)
        rows += 1
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), rows


def export_file_name(city, params) -> str:
    """`<city>-subsidy-claims[-status-approved][-kind-transformation]….xlsx`, naming the filters
    applied (only those the list applies)."""
    applied = []
    for name in FILTERS:
        value = re.sub(r"[^A-Za-z0-9_]", "", str(params.get(name) or ""))
        if value and claim_filters({name: value}):
            applied.append(f"-{name}-{value}")
    suffix = "".join(applied)
    return f"{city.code}-subsidy-claims{suffix}.xlsx"
