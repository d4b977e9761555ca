"""Importing a city's enterprise list (xlsx): upload, then a job that checks and upserts.

Everything is checked before anything is written. A list with refused rows imports nothing
unless the user asked to import the valid rows; then the valid rows are written in one
transaction, in bulk: new enterprises by `bulk_create_with_history`, known ones (same city
and credit code) by `bulk_update_with_history`, a fixed number of statements per batch
whatever the list's length, and one audit entry.
"""

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from enterprises.exclusions import exclusions_apply
from enterprises.importing import rules, workbook
from enterprises.models import Enterprise
from pilot_portal.audit.services import audit_record
from pilot_portal.documents.models import Document
from pilot_portal.documents.services import document_upload
from pilot_portal.jobs.models import Job
from pilot_portal.jobs.services import job_start
from pilot_portal.tenancy.models import District, Sector

JOB_KIND = "import_enterprises"
PURPOSE = "enterprise_import"  # the purpose of an uploaded list's Document
BATCH_SIZE = 1000  # rows per INSERT / UPDATE (SQLite lowers it to its parameter limit)
LOOKUP_CHUNK = 2000  # credit codes per `uscc IN (...)` read
READ_SHARE = 60  # percent of the progress bar for reading and checking


@transaction.atomic
def enterprise_import_start(*, city, upload, actor, import_valid_rows: bool = False) -> Job:
    """Store the uploaded list and queue the job that imports it."""
    document = document_upload(
        city=city, upload=upload, actor=actor, purpose=PURPOSE, accept=(".xlsx",)
    )
    return job_start(
        city=city,
        kind=JOB_KIND,
        params={"document": document.pk, "import_valid_rows": bool(import_valid_rows)},
        actor=actor,
    )


def import_reference(*, city) -> rules.Reference:
    """The city's districts and sectors (two queries) for checking rows."""
    return rules.Reference.build(
        districts=District.objects.for_city(city).values_list("pk", "code", "name"),
        sectors=Sector.objects.for_city(city).values_list("pk", "code", "name"),
        division_code=city.division_code,
    )


def enterprise_import_template(*, city) -> bytes:
    """The xlsx template: the columns, an example row, the city's districts and sectors."""
    return workbook.template_workbook(
        city_name=city.name,
        division_code=city.division_code,
        districts=list(District.objects.for_city(city).values_list("code", "name")),
        sectors=list(Sector.objects.for_city(city).values_list("code", "name")),
    )


class _Progress:
    """Report reading progress at most every 5 %, so the updates don't grow with the list."""

    def __init__(self, report, estimate: int | None):
        self.report, self.estimate, self.last = report, estimate, 0  # the job starts at 0

    def rows_read(self, count: int) -> None:
        if not self.estimate:
            return
        percent = min(READ_SHARE - 5, count * READ_SHARE // self.estimate) // 5 * 5
        if percent > self.last:
            self.last = percent
            self.report(percent)


def _read(document: Document, reference: rules.Reference, progress) -> dict:
    """Check every row of the list; {"results", "errors", "ignored_columns"}."""
    read: dict = {"results": [], "errors": [], "ignored_columns": []}
    try:
        with document.file.open("rb") as stream, workbook.opened(stream) as book:
            found = workbook.locate_list(book)
            if found is None:
                read["errors"].append(rules.no_header_message())
                return read
            sheet, header, estimate = found
            read["ignored_columns"] = list(header.ignored)
            missing = rules.missing_columns_message(header)
            if missing:
                read["errors"].append(missing)
                return read
            tracker = _Progress(progress, estimate)
            rows = workbook.data_rows(sheet, header)
            for count, result in enumerate(
                rules.check_rows(rows, header=header, reference=reference), start=1
            ):
                if count > rules.MAX_ROWS:
                    read["errors"].append(rules.too_many_rows_message())
                    return read
                read["results"].append(result)
                tracker.rows_read(result.row - header.row)
    except workbook.UnreadableWorkbook as error:
        read["errors"].append(str(error))
    return read


def _existing(city, codes: list[str]) -> dict[str, Enterprise]:
    """The city's enterprises with these codes, locked until the import commits."""
    found = {}
    for start in range(0, len(codes), LOOKUP_CHUNK):
        chunk = codes[start : start + LOOKUP_CHUNK]
        rows = Enterprise.objects.for_city(city).select_for_update().filter(uscc__in=chunk)
        found.update((enterprise.uscc, enterprise) for enterprise in rows)
    return found


def _write(*, city, rows: list[rules.RowResult], actor, reason: str) -> dict:
    """Upsert the rows by credit code; {"created", "updated", "unchanged"}."""
    existing = _existing(city, [row.values["uscc"] for row in rows])
    new, changed, fields = [], [], set()
    for row in rows:
        enterprise = existing.get(row.values["uscc"])
        if enterprise is None:
            new.append(Enterprise(city=city, **row.values))
            continue
        differs = {name for name, value in row.values.items() if getattr(enterprise, name) != value}
        if differs:
            for name in differs:
                setattr(enterprise, name, row.values[name])
            changed.append(enterprise)
            fields |= differs
    user = actor if getattr(actor, "is_authenticated", False) else None
    if new:
        bulk_create_with_history(
            new,
            Enterprise,
            batch_size=BATCH_SIZE,
            default_user=user,
            default_change_reason=reason,
        )
    if changed:
        bulk_update_with_history(
            changed,
            Enterprise,
            fields=sorted(fields),
            batch_size=BATCH_SIZE,
            default_user=user,
            default_change_reason=reason,
        )
    unchanged = len(rows) - len(new) - len(changed)
    return {"created": len(new), "updated": len(changed), "unchanged": unchanged}


def _listed(rows: list[rules.RowResult], attribute: str) -> list[dict]:
    return [
        {"row": row.row, "uscc": row.uscc, "reasons": getattr(row, attribute)}
        for row in rows
        if getattr(row, attribute)
    ]


def enterprise_import(
    *, city, document: Document, actor, import_valid_rows: bool = False, progress=None
) -> dict:
    """Check the list in `document`, then upsert its rows into `city`'s registry.

    Returns the report: {"rows", "created", "updated", "unchanged", "refused": [{"row",
    "uscc", "reasons"}], "warnings": [{"row", "uscc", "reasons"}], "errors" (about the
    file as a whole), "ignored_columns", "imported"}. Nothing is written when the file
    can't be read, or when rows are refused and `import_valid_rows` is false.
    """
    progress = progress or (lambda percent: None)
    read = _read(document, import_reference(city=city), progress)
    results = read["results"]
    valid = [row for row in results if row.ok]
    report = {
        "rows": sum(not row.skipped for row in results),
        "valid": len(valid),
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "refused": _listed(results, "reasons"),
        "warnings": _listed(results, "warnings"),
        "errors": read["errors"],
        "ignored_columns": read["ignored_columns"],
        "import_valid_rows": bool(import_valid_rows),
        "imported": False,
    }
    progress(READ_SHARE)
    if report["errors"] or (report["refused"] and not import_valid_rows):
        return report
    with transaction.atomic():
        counts = _write(
            city=city,
            rows=valid,
            actor=actor,
            reason=f"导入企业名单 / enterprise list import: {document.name}"[:100],
        )
        report.update(counts, imported=True)
        # an imported enterprise already on a national exclusion list is flagged at once
        written = counts["created"] + counts["updated"]
        report["flagged"] = exclusions_apply(city=city) if written else 0
        audit_record(
            actor=actor,
            action="enterprise.import",
            city=city,
            obj=document,
            data={key: report[key] for key in ("rows", "created", "updated", "unchanged")}
            | {"refused": len(report["refused"]), "warnings": len(report["warnings"])},
        )
    progress(95)
    return report
