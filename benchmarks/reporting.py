"""`python -m benchmarks.reporting`: the performance dashboards at national scale.

100 pilot cities × 700 enterprises (70,000; --quick: 10 × 100), made by `generate.generate`
(regions and batch years mixed, four sectors a city, a user per role, province users and
`ministry`), then bulk-inserted on top: a locked diagnosis (level 1–3) for every second
enterprise, an accepted project with a locked acceptance at level 2–4 for every third, an
approved transformation claim for every second of those (half of them paid, in the ledger);
per city Shenyang's shipped rulebook, a central fund pool, a selected provider, Shenyang's 16
indicators (seed-cities.json, metrics from reporting/data/indicator_metrics.json) and one
submitted yearly period (through `period_submit`).

Timed in-process with Django's test client and logged-in users, in production mode
(DEBUG=false): `/healthz` (the trivial endpoint), the ministry's `/overview/performance/`
(every city), one city's dashboard `/c/<code>/performance/` (its administrator; without the
page, `indicator_rows` + `city_facts([city])` called directly), and the self-evaluation PDF
job `performance_report` for that city (through `job_start`, Celery eager) when registered.
Each: a few warm-up calls, then ≥ 20 timed; p50 and p99 (nearest rank: with 20 calls, the
slowest), SQL queries per call, the slowest queries, and p50 over the trivial endpoint's.

Runs against a PostgreSQL database of its own (`pilot_portal_bench_reporting`, recreated,
dropped at the end unless --keep-db). Writes benchmarks/results/reporting.json (--quick:
reporting-quick.json) and prints a table.
"""

import argparse
import json
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks import environment

RESULTS = Path(__file__).resolve().parent / "results"
DB = "pilot_portal_bench_reporting"
STARTED = time.monotonic()
WARM_UP = 3
SLOWEST = 3  # slowest queries kept per endpoint


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.reporting", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="10 cities × 100 enterprises")
    parser.add_argument("--cities", type=int)
    parser.add_argument("--per-city", type=int, dest="per_city")
    parser.add_argument("--requests", type=int, default=20, help="timed calls per page (20)")
    parser.add_argument("--pdf-runs", type=int, dest="pdf_runs", help="timed PDF jobs (20; 5)")
    parser.add_argument("--keep-db", action="store_true", dest="keep_db")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    cities = args.cities or (10 if args.quick else 100)
    per_city = args.per_city or (100 if args.quick else 700)
    pdf_runs = args.pdf_runs or (5 if args.quick else 20)
    output = args.output or RESULTS / ("reporting-quick.json" if args.quick else "reporting.json")
    media = tempfile.mkdtemp(prefix="bench-reporting-media-")
    environment.apply_environ(
        {
            **environment.django_environ(secret_key=environment.new_secret_key(), media_root=media),
            "DATABASE_URL": environment.database_url(name=DB),
            "EMAIL_URL": "dummymail://",
        }
    )
    postgres = environment.postgres_version()
    environment.database_recreate(DB)
    try:
        environment.manage("migrate", "--no-input", "-v0")
        import django

        django.setup()
        if not environment.static_files_current():  # pages render {% static %} from the manifest
            _say("collecting static files (about a minute)")
            environment.manage("collectstatic", "--no-input", "-v0")
        report = _run(cities, per_city, max(args.requests, 1), pdf_runs)
    finally:
        _close_connections()
        if not args.keep_db:
            environment.database_drop(DB)
    report["machine"] = {
        "nproc": len(os.sched_getaffinity(0)),
        "postgresql": postgres,
        "load_average_at_start": os.getloadavg(),
    }
    report["total_seconds"] = round(time.monotonic() - STARTED, 1)
    output.parent.mkdir(exist_ok=True)
    output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(_table(report))


def _close_connections() -> None:
    try:
        from django.db import connections
    except ImportError:  # pragma: no cover - Django always importable here
        return
    connections.close_all()


def _say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f} s] {message}", flush=True)


# -- the data ------------------------------------------------------------------------------------


def _seed(cities: int, per_city: int) -> dict:
    """The national data set; returns rows per table and the seconds each step took."""
    from benchmarks import generate

    timings = {}
    started = time.perf_counter()
    result = generate.generate(cities=cities, enterprises_per_city=per_city, sectors_per_city=4)
    timings["cities_enterprises_users_s"] = round(time.perf_counter() - started, 1)
    _say(f"{cities * per_city:,} enterprises in {timings['cities_enterprises_users_s']} s")

    started = time.perf_counter()
    rows = _work(result.rows)
    timings["assessments_projects_claims_s"] = round(time.perf_counter() - started, 1)
    _say(f"assessments, projects, claims in {timings['assessments_projects_claims_s']} s")

    started = time.perf_counter()
    rows["reporting_indicator"], rows["reporting_reportingperiod"] = _reporting()
    timings["indicators_periods_s"] = round(time.perf_counter() - started, 1)
    _say(f"indicators and submitted periods in {timings['indicators_periods_s']} s")

    timings["analyze_s"] = round(generate.analyze(), 1)
    return {"rows": rows, "timings": timings}


def _work(rows: dict) -> dict:
    """Assessments, projects, claims and payments on every city's enterprises (bulk)."""
    from datetime import date, timedelta
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from assessments.models import Assessment
    from assessments.templates import current_edition
    from enterprises.models import Enterprise
    from enterprises.projects.models import Project
    from pilot_portal.tenancy.models import City, Membership
    from providers.models import ProviderSelection, SelectionRound
    from subsidies.models import FundPool, LedgerEntry, SubsidyClaim
    from subsidies.rulebooks import rulebook_install_shipped

    insert = _inserter(rows)
    now, today = timezone.now(), timezone.localdate()
    edition = current_edition()
    admins = dict(Membership.objects.filter(role="city_admin").values_list("city_id", "user_id"))
    providers = dict(
        Membership.objects.filter(role="provider").values_list("city_id", "provider_id")
    )
    with transaction.atomic():
        cities = list(City.objects.order_by("pk"))
        for city in cities:
            rulebook_install_shipped(city, source="shenyang")
        insert(FundPool, [FundPool(city=c, source="central", amount=c.award_cap) for c in cities])
        rounds = insert(
            SelectionRound,
            [
                SelectionRound(
                    city=c,
                    name="第一轮服务商遴选",
                    opens=c.period_start,
                    closes=c.period_start + timedelta(days=30),
                    criteria="综合评分",
                    created_by_id=admins[c.pk],
                )
                for c in cities
            ],
        )
        insert(
            ProviderSelection,
            [
                ProviderSelection(
                    city_id=r.city_id,
                    provider_id=providers[r.city_id],
                    round=r,
                    status="selected",
                    applied_by_id=admins[r.city_id],
                )
                for r in rounds
            ],
        )
        enterprises = list(Enterprise.objects.order_by("pk").values_list("pk", "city_id"))
        insert(
            Assessment,
            [
                Assessment(
                    city_id=city_id,
                    enterprise_id=pk,
                    kind="diagnosis",
                    edition=edition,
                    status="locked",
                    level=1 + (i // 2) % 3,
                    locked_at=now - timedelta(days=200),
                    created_by_id=admins[city_id],
                )
                for i, (pk, city_id) in enumerate(enterprises)
                if i % 2 == 0
            ],
        )
        served = [(i, pk, city_id) for i, (pk, city_id) in enumerate(enterprises) if i % 3 == 0]
        projects = insert(
            Project,
            [
                Project(
                    city_id=city_id,
                    enterprise_id=pk,
                    provider_id=providers[city_id],
                    title="数字化改造",
                    contract_amount=Decimal("600000"),
                    planned_start=today - timedelta(days=300),
                    planned_end=today - timedelta(days=60),
                    status="accepted",
                    created_by_id=admins[city_id],
                )
                for _i, pk, city_id in served
            ],
        )
        acceptances = insert(
            Assessment,
            [
                Assessment(
                    city_id=p.city_id,
                    enterprise_id=p.enterprise_id,
                    project=p,
                    kind="acceptance",
                    edition=edition,
                    status="locked",
                    level=2 + n % 3,
                    locked_at=now - timedelta(days=30),
                    created_by_id=admins[p.city_id],
                )
                for n, p in enumerate(projects)
            ],
        )
        claims = insert(
            SubsidyClaim,
            [
                SubsidyClaim(
                    city_id=p.city_id,
                    kind="transformation",
                    enterprise_id=p.enterprise_id,
                    project=p,
                    acceptance=a,
                    status="paid" if n % 4 == 0 else "approved",
                    approved_amount=Decimal("200000.00"),
                    paid_amount=Decimal("200000.00") if n % 4 == 0 else Decimal(0),
                    approved_at=now - timedelta(days=20),
                    approved_by_id=admins[p.city_id],
                    created_by_id=admins[p.city_id],
                )
                for n, (p, a) in enumerate(zip(projects, acceptances, strict=True))
                if n % 2 == 0
            ],
        )
        insert(
            LedgerEntry,
            [
                LedgerEntry(
                    city_id=c.city_id,
                    claim=c,
                    kind="payment",
                    amount=c.approved_amount,
                    instalment=1,
                    paid_on=date.today() - timedelta(days=10),
                    recorded_by_id=admins[c.city_id],
                )
                for c in claims
                if c.status == "paid"
            ],
        )
    return rows


def _inserter(rows: dict):
    def insert(model, objects):
        model.objects.bulk_create(objects, batch_size=5000)
        table = model._meta.db_table
        rows[table] = rows.get(table, 0) + len(objects)
        return objects

    return insert


def _reporting() -> tuple[int, int]:
    """Shenyang's indicator table on every city, and one submitted yearly period each."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from benchmarks.generate import username
    from pilot_portal.reporting.services import (
        indicators_install,
        period_submit,
        shipped_metric_map,
    )
    from pilot_portal.tenancy.models import City

    seeds = json.loads((Path(settings.SEED_DATA_DIR) / "seed-cities.json").read_text("utf-8"))
    table = next(c for c in seeds["cities"] if c["code"] == "shenyang")["indicators"]
    metrics = shipped_metric_map()["shenyang"]
    users = get_user_model().objects
    indicators = periods = 0
    for city in City.objects.order_by("pk"):
        indicators += indicators_install(city=city, rows=table, metrics=metrics)
        admin = users.get(username=username(city.code, "city_admin"))
        period_submit(city=city, kind="yearly", year=city.batch_year + 1, actor=admin)
        periods += 1
    return indicators, periods


# -- the timings ---------------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float:
    """Nearest rank: with 20 values, p99 is the slowest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _summary(times: list[float], queries: list[dict]) -> dict:
    slowest = sorted(queries, key=lambda q: float(q["time"]), reverse=True)[:SLOWEST]
    return {
        "calls": len(times),
        "p50_ms": round(statistics.median(times) * 1000, 2),
        "p99_ms": round(_percentile(times, 0.99) * 1000, 2),
        "mean_ms": round(statistics.fmean(times) * 1000, 2),
        "queries": len(queries),
        "slowest_queries": [
            {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:300]} for q in slowest
        ],
    }


def _timed(call, n: int) -> dict:
    """Warm up, count the queries of one call, then time `n` calls (no query capture)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARM_UP):
        call()
    with CaptureQueriesContext(connection) as captured:
        call()
    # Copied now: the log is a view of the connection's, which the next request clears.
    queries = list(captured.captured_queries)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return _summary(times, queries)


def _page(client, path: str):
    def call():
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        return response

    return call


def _client(username: str):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _city_dashboard(city, n: int) -> dict:
    from django.urls import Resolver404, resolve

    from benchmarks.generate import username

    path = f"/c/{city.code}/performance/"
    try:
        resolve(path)
    except Resolver404:
        from pilot_portal.reporting.facts import city_facts
        from pilot_portal.reporting.selectors import indicator_rows

        def direct():
            facts = city_facts([city.pk])[city.pk]
            return indicator_rows(city=city, facts=facts)

        return {"path": None, "direct": "indicator_rows + city_facts([city])", **_timed(direct, n)}
    return {"path": path, **_timed(_page(_client(username(city.code, "city_admin")), path), n)}


def _report_job(city, n: int) -> dict | None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from benchmarks.generate import username
    from pilot_portal.jobs.registry import UnknownJobKind, get_kind
    from pilot_portal.jobs.services import job_start
    from pilot_portal.reporting.report_job_kinds import REPORT_JOB

    try:
        get_kind(REPORT_JOB)
    except UnknownJobKind:
        return None
    admin = get_user_model().objects.get(username=username(city.code, "city_admin"))
    params = {"kind": "mid_term", "year": city.batch_year + 1}
    last = {}

    def call():
        with transaction.atomic():  # Celery is eager: the job runs when this commits
            job = job_start(city=city, kind=REPORT_JOB, params=params, actor=admin)
        job.refresh_from_db()
        if job.status != "succeeded":
            raise SystemExit(f"the report job {job.status}: {job.error}")
        last.update(pages=job.result.get("pages"), pdf_bytes=job.document.size)

    return {**_timed(call, n), **last}


def _run(cities: int, per_city: int, n: int, pdf_runs: int) -> dict:
    from benchmarks.generate import city_code
    from pilot_portal.tenancy.models import City

    seed = _seed(cities, per_city)
    report = {
        "cities": cities,
        "enterprises_per_city": per_city,
        "enterprises": cities * per_city,
        "seed": seed,
        "endpoints": {},
    }
    city = City.objects.get(code=city_code(0))
    endpoints = report["endpoints"]
    endpoints["trivial"] = {"path": "/healthz", **_timed(_page(_client("ministry"), "/healthz"), n)}
    _say(f"trivial: p50 {endpoints['trivial']['p50_ms']} ms")
    endpoints["ministry_dashboard"] = {
        "path": "/overview/performance/",
        **_timed(_page(_client("ministry"), "/overview/performance/"), n),
    }
    _say(f"ministry dashboard: p50 {endpoints['ministry_dashboard']['p50_ms']} ms")
    endpoints["city_dashboard"] = _city_dashboard(city, n)
    _say(f"city dashboard: p50 {endpoints['city_dashboard']['p50_ms']} ms")
    pdf = _report_job(city, pdf_runs)
    if pdf is not None:
        endpoints["report_pdf_job"] = {"city": city.code, **pdf}
        _say(f"report PDF job: p50 {pdf['p50_ms']} ms")
    else:
        _say("the performance_report job kind is not registered: no PDF figures")
    floor = endpoints["trivial"]["p50_ms"]
    for row in endpoints.values():
        row["ratio_to_trivial"] = round(row["p50_ms"] / floor, 1) if floor else None
    return report


def _table(report: dict) -> str:
    lines = [
        f"{report['cities']} cities × {report['enterprises_per_city']} enterprises "
        f"({report['enterprises']:,})",
        f"{'endpoint':<20} {'calls':>5} {'p50 ms':>9} {'p99 ms':>9} {'queries':>7} "
        f"{'× trivial':>10}",
    ]
    for name, row in report["endpoints"].items():
        label = name + (" (direct)" if row.get("direct") else "")
        lines.append(
            f"{label:<20} {row['calls']:>5} {row['p50_ms']:>9.2f} {row['p99_ms']:>9.2f} "
            f"{row['queries']:>7} {row['ratio_to_trivial']:>10}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
