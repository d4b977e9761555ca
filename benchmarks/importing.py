"""Import throughput: the enterprise list import (xlsx) as a job, timed end to end.

Clean workbooks in the template's columns (every row valid: credit codes of the city's
districts, its district names and sector codes) go into cities with no enterprises, and
each is imported the way the import page does it: the file stored as a Document of the
import's purpose, then `job_start(kind="import_enterprises")`, which Celery (eager, no
REDIS_URL) runs at once: read, check every row, look the codes up, bulk upsert with history,
the audit entry, the job's result. The timing and the SQL statements cover that job; storing
the file is timed apart.

Runs, for the first (smaller) size: a new list (every row created), the same file again
(every row unchanged: no writes), the list with every row changed (every row updated);
for each further size: a new list into a city of its own.
"""

import logging
import random
import time
from dataclasses import dataclass
from io import BytesIO

from benchmarks import generate, loadtest

FIRST_SERIAL = 100_000  # the lists' credit codes sit apart from the seeded enterprises'


@dataclass
class ImportRun:
    name: str
    city: str
    rows: int
    expected: str  # "created" | "unchanged" | "updated"
    seconds: float
    rows_per_second: float
    queries: int
    statements: dict[str, int]  # SELECT / INSERT / UPDATE / other
    writes: dict[str, int]  # statements writing the registry (see _writes)
    db_seconds: float  # the statements' own time, as the database driver saw it
    slowest: list[dict]  # the three slowest statements: {"ms", "sql"} (cut at 160 characters)
    created: int
    updated: int
    unchanged: int
    file_bytes: int
    workbook_s: float  # writing the xlsx (the benchmark's own work, not the import's)
    store_s: float  # storing it as a Document
    other_work_cpu_pct: float


def workbook(city: generate.ExtraCity, rows: int, *, renamed: bool = False, seed: int = 7) -> bytes:
    """A clean list of `rows` enterprises for `city`, every column of the template filled.

    `renamed`: the same enterprises with another name and head count (every row changes).
    """
    from openpyxl import Workbook

    from enterprises.importing import rules
    from pilot_portal.demo.services import demo_uscc

    rng = random.Random(seed)
    sizes, srdi = ("规上", "规下"), ("无", "无", "无", "省级", "国家级小巨人")
    book = Workbook(write_only=True)  # streams rows; a 50,000-row list in seconds
    sheet = book.create_sheet("企业名单")
    sheet.append([column.header for column in rules.COLUMNS])
    short = city.division_code  # a stable, city-specific part of the names
    for index in range(rows):
        serial = FIRST_SERIAL + index
        district_code, district_name = city.districts[index % len(city.districts)]
        sector_code, _sector_name = city.sectors[index % len(city.sectors)]
        name = f"{short}{generate.ENTERPRISE_SUFFIXES[index % 8]}{serial}"
        values = {
            "uscc": demo_uscc(district_code, serial),
            "name": f"{name}（更名）" if renamed else name,
            "district": district_name,
            "sector": sector_code,
            "size": rng.choice(sizes),
            "srdi": rng.choice(srdi),
            "central_fund_little_giant": "否",
            "in_2022_pilot": "否",
            "legal_representative": "张三",
            "contact_name": "李四",
            "contact_phone": f"138{serial:08d}",
            "contact_email": f"contact{serial}@example.com",
            "address": f"{district_name}工业路 {index % 999 + 1} 号",
            "employees": 20 + index % 480 + (7 if renamed else 0),
            "description": "电子元器件研发与制造",
        }
        sheet.append([values[column.field] for column in rules.COLUMNS])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _kind(statement: str) -> str:
    word = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
    return word if word in {"SELECT", "INSERT", "UPDATE"} else "other"


def _writes(statements: list[str]) -> dict[str, int]:
    """How many statements wrote enterprises and their history: bulk, not one per row.

    `insert`: INSERT INTO the enterprises (bulk_create); `update`: bulk_update's UPDATE …
    CASE WHEN statements; `update_set`: UPDATEs that set one value on every matching row
    (the exclusion-list flags); `history_insert`: INSERT INTO their history table.
    """
    from enterprises.models import Enterprise

    table = Enterprise._meta.db_table
    history = Enterprise.history.model._meta.db_table
    counts = {"insert": 0, "update": 0, "update_set": 0, "history_insert": 0}
    for statement in statements:
        statement = statement.lstrip()
        if statement.startswith(f'INSERT INTO "{table}"'):
            counts["insert"] += 1
        elif statement.startswith(f'INSERT INTO "{history}"'):
            counts["history_insert"] += 1
        elif statement.startswith(f'UPDATE "{table}"'):
            counts["update" if "CASE WHEN" in statement else "update_set"] += 1
    return counts


def run_import(
    *,
    name: str,
    city: generate.ExtraCity,
    content: bytes,
    rows: int,
    expected: str,
    workbook_s: float,
    quiet,
) -> ImportRun:
    """Store the list, start the job (eager: it runs at once), check the report; timed."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from enterprises.importing.services import JOB_KIND, PURPOSE
    from enterprises.importing.workbook import XLSX
    from pilot_portal.documents.services import document_create
    from pilot_portal.jobs.models import Job
    from pilot_portal.jobs.services import job_start
    from pilot_portal.tenancy.models import City

    target = City.objects.get(code=city.code)
    admin = get_user_model().objects.get(username=generate.username(city.code, "city_admin"))
    started = time.perf_counter()
    document = document_create(
        city=target,
        name=f"{name}.xlsx",
        content=content,
        content_type=XLSX,
        actor=admin,
        purpose=PURPOSE,
    )
    store_s = time.perf_counter() - started
    quiet()
    with (
        loadtest.ForeignLoad(server_session=-1) as other,
        CaptureQueriesContext(connection) as captured,
    ):
        started = time.perf_counter()
        job = job_start(  # autocommit: on_commit fires now, and eager Celery runs the job
            city=target,
            kind=JOB_KIND,
            params={"document": document.pk, "import_valid_rows": False},
            actor=admin,
        )
        seconds = time.perf_counter() - started
        statements = [query["sql"] for query in captured.captured_queries]
        timings = [float(query["time"]) for query in captured.captured_queries]
    job = Job.objects.get(pk=job.pk)
    report = job.result or {}
    counts = {key: report.get(key, 0) for key in ("created", "updated", "unchanged")}
    if job.status != "succeeded" or counts[expected] != rows or report.get("refused"):
        raise RuntimeError(
            f"import {name}: job {job.status} {job.error!r}, {counts}, "
            f"{len(report.get('refused') or [])} refused, {report.get('errors')}"
        )
    kinds: dict[str, int] = {"SELECT": 0, "INSERT": 0, "UPDATE": 0, "other": 0}
    for statement in statements:
        kinds[_kind(statement)] += 1
    return ImportRun(
        name=name,
        city=city.code,
        rows=rows,
        expected=expected,
        seconds=round(seconds, 2),
        rows_per_second=round(rows / seconds),
        queries=len(statements),
        statements=kinds,
        writes=_writes(statements),
        db_seconds=round(sum(timings), 2),
        slowest=[
            {"ms": round(timings[i] * 1000, 1), "sql": " ".join(statements[i].split())[:160]}
            for i in sorted(range(len(timings)), key=timings.__getitem__, reverse=True)[:3]
        ],
        **counts,
        file_bytes=len(content),
        workbook_s=round(workbook_s, 2),
        store_s=round(store_s, 3),
        other_work_cpu_pct=other.percent,
    )


def measure(sizes: list[int], *, quiet, say) -> list[ImportRun]:
    """Every run for `sizes` (the first size also unchanged and updated), each city fresh."""
    # Eager Celery's in-memory broker warns that it has no hostname, once per job: noise here.
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    runs = []
    for position, size in enumerate(sizes):
        city = generate.generate_city(code=f"import{size}", number=90 + position, enterprises=0)
        generate.analyze()

        def timed_workbook(**options) -> tuple[bytes, float]:
            started = time.perf_counter()
            content = workbook(city, size, **options)  # noqa: B023 (used at once)
            return content, time.perf_counter() - started

        content, workbook_s = timed_workbook()
        plan = [(f"import_{size}_new", content, "created", workbook_s)]
        if position == 0:
            plan.append((f"import_{size}_unchanged", content, "unchanged", 0.0))
            renamed, renamed_s = timed_workbook(renamed=True)
            plan.append((f"import_{size}_updated", renamed, "updated", renamed_s))
        for name, data, expected, made_s in plan:
            run = run_import(
                name=name,
                city=city,
                content=data,
                rows=size,
                expected=expected,
                workbook_s=made_s,
                quiet=quiet,
            )
            say(
                f"  {name:<24}{run.rows_per_second:>8,} rows/s  {run.seconds:.1f} s  "
                f"{run.queries} queries (other work: {run.other_work_cpu_pct:.0f}% of the CPUs)"
            )
            runs.append(run)
    return runs
