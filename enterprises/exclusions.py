"""National exclusion lists (centrally funded little giants, the 2022 pilot): loading them and
flagging the matching enterprises, whose applications then need a recorded override."""

from io import BytesIO

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from openpyxl import load_workbook

from enterprises.models import Enterprise, ExclusionEntry, ExclusionList
from pilot_portal.audit.services import audit_record
from pilot_portal.errors import InvalidInput
from pilot_portal.identifiers import InvalidUSCC, parse_uscc

CODE_HEADERS = ("统一社会信用代码", "信用代码", "社会信用代码")
NAME_HEADERS = ("企业名称", "单位名称", "名称")
FLAG = {
    ExclusionList.CENTRAL_LITTLE_GIANT: "central_fund_little_giant",
    ExclusionList.PILOT_2022: "in_2022_pilot",
}


def _find_header(rows) -> tuple[int, int, int | None]:
    for index, row in enumerate(rows[:20]):
        cells = [str(c or "").strip() for c in row]
        code_col = next((i for i, c in enumerate(cells) if c in CODE_HEADERS), None)
        if code_col is not None:
            name_col = next((i for i, c in enumerate(cells) if c in NAME_HEADERS), None)
            return index, code_col, name_col
    raise InvalidInput(
        "未找到“统一社会信用代码”列 / no 统一社会信用代码 column found", field="file"
    )


def read_exclusion_workbook(content: bytes) -> tuple[list[tuple[str, str]], list[dict]]:
    """(code, name) rows and refused rows with reasons; the header may follow a title row."""
    try:
        sheet = load_workbook(BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception:
        raise InvalidInput("无法读取该 xlsx 文件 / the file is not a readable xlsx workbook",
                           field="file") from None  # fmt: skip
    rows = list(sheet.iter_rows(values_only=True))
    header_index, code_col, name_col = _find_header(rows)
    entries, refused, seen = [], [], set()
    for number, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        raw = row[code_col] if code_col < len(row) else None
        if raw in (None, ""):
            continue
        try:
            code = parse_uscc(str(raw)).code
        except InvalidUSCC as error:
            refused.append({"row": number, "uscc": str(raw), "reasons": [str(error)]})
            continue
        if code not in seen:
            seen.add(code)
            name = row[name_col] if name_col is not None and name_col < len(row) else ""
            entries.append((code, str(name or "").strip()))
    return entries, refused


@transaction.atomic
def exclusion_list_import(*, city, list_kind: str, upload, source: str, actor) -> dict:
    """Load a list for `city` (or nationally when `city` is None) and flag the matches."""
    if list_kind not in ExclusionList.values:
        raise InvalidInput("请选择名单类型 / choose which list this is", field="list")
    if upload is None:
        raise InvalidInput("请选择文件 / choose a file", field="file")
    if upload.size > settings.MAX_UPLOAD_SIZE or not upload.name.lower().endswith(".xlsx"):
        raise InvalidInput("请上传不超过 20 MB 的 xlsx 文件 / upload an xlsx file of at most 20 MB",
                           field="file")  # fmt: skip
    entries, refused = read_exclusion_workbook(upload.read())
    created = ExclusionEntry.objects.bulk_create(
        [
            ExclusionEntry(
                list=list_kind, uscc=code, name=name, city=city, source=source, created_by=actor
            )
            for code, name in entries
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    flagged = exclusions_apply(city=city)
    result = {"rows": len(entries), "new": len(created) if city else None,
              "refused": refused, "flagged": flagged}  # fmt: skip
    audit_record(actor=actor, action="exclusion.import", city=city, reason=source,
                 data={"list": list_kind, "rows": len(entries), "flagged": flagged})  # fmt: skip
    return result


def exclusions_apply(*, city=None, usccs: list[str] | None = None) -> int:
    """Flag every enterprise (of `city`, or of every city) that a list names; return how many
    were newly flagged. A flag is never cleared here: only the city admin clears one."""
    enterprises = Enterprise.objects.all() if city is None else Enterprise.objects.for_city(city)
    if usccs is not None:
        enterprises = enterprises.filter(uscc__in=usccs)
    flagged = 0
    for list_kind, field in FLAG.items():
        entries = ExclusionEntry.objects.filter(list=list_kind)
        unflagged = enterprises.filter(**{field: False})
        # a national entry names the enterprise in any city; a city's entry only in that city
        flagged += unflagged.filter(
            uscc__in=entries.filter(city__isnull=True).values("uscc")
        ).update(**{field: True})
        local = entries.filter(city_id=OuterRef("city_id"), uscc=OuterRef("uscc"))
        flagged += unflagged.filter(Exists(local)).update(**{field: True})
    return flagged
