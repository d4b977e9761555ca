"""`python -m benchmarks.verification`: enterprises verified per second, by Celery workers.

A city of N enterprises (1,000 and 70,000; --quick: 1,000 only; --sizes to choose), seeded in
bulk: each enterprise approved through both reviews in one batch; every other one with a
transformation project (a pooled provider, two invoiced investment lines, a locked diagnosis
and acceptance) and a computed claim; one in fifty with a wrong credit code check character.
For each N it times:
- `read`: simply reading the same rows, chunk by chunk (the enterprises, their applications
  and review steps, projects, investment lines, assessments and claims: one query per table
  per chunk), in this process: the floor;
- `checks`: `checks.findings_for` over the same chunks, in this process, storing nothing;
- `workers_1`, `workers_2`: a whole run (`verification_start`, the job, a task per chunk, the
  findings stored, the run finalised) on a real Celery worker with 1 and 2 pool processes, from
  the start to the run's end.
Enterprises per second for each, the 2-worker speed-up, and each figure's ratio to `read`.

Runs against a PostgreSQL database of its own (`pilot_portal_bench_verification`, recreated,
dropped at the end unless --keep-db) and Redis (BENCH_REDIS_URL, default
redis://127.0.0.1:6379/13; without Redis the worker figures are left out). Writes
benchmarks/results/verification.json (--quick: verification-quick.json) and prints a table.
"""

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import environment

RESULTS = Path(__file__).resolve().parent / "results"
DB = "pilot_portal_bench_verification"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
STARTED = time.monotonic()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.verification", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="1,000 enterprises only")
    parser.add_argument("--sizes", help="comma-separated numbers of enterprises (1000,70000)")
    parser.add_argument("--workers", default="1,2", help="pool processes to time (1,2)")
    parser.add_argument("--keep-db", action="store_true", dest="keep_db")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in (args.sizes or ("1000" if args.quick else "1000,70000")).split(",")]
    pools = [int(w) for w in args.workers.split(",") if w]
    output = args.output or RESULTS / (
        "verification-quick.json" if args.quick else "verification.json"
    )
    media = tempfile.mkdtemp(prefix="bench-verification-media-")
    environment.apply_environ(
        {
            **environment.django_environ(secret_key=environment.new_secret_key(), media_root=media),
            "DATABASE_URL": environment.database_url(name=DB),
            "EMAIL_URL": "dummymail://",
        }
    )
    redis_ok = _redis_available()
    if redis_ok:
        os.environ["REDIS_URL"] = REDIS_URL  # real workers, and the run's tasks through Redis
    else:
        print(f"Redis not available at {REDIS_URL}: no worker figures", file=sys.stderr)
        pools = []
    postgres = environment.postgres_version()
    report = {"sizes": {}}
    for n in sizes:
        environment.database_recreate(DB)
        try:
            environment.manage("migrate", "--no-input", "-v0")
            report["sizes"][str(n)] = _size(n, pools)
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


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def _close_connections() -> None:
    with contextlib.suppress(Exception):  # Django was never set up
        from django.db import connections

        connections.close_all()


def _say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f} s] {message}", flush=True)


def _size(n: int, pools: list[int]) -> dict:
    import django

    django.setup()
    started = time.perf_counter()
    city, admin = _seed(n)
    from django.db import connection

    with connection.cursor() as cursor:  # statistics for the planner, as autovacuum would make
        cursor.execute("ANALYZE")
    row = {"enterprises": n, "seed_s": round(time.perf_counter() - started, 1)}
    _say(f"{n:,} enterprises seeded in {row['seed_s']} s")
    chunks = _chunks(city)
    row["chunks"] = len(chunks)
    row["read"] = _timed(n, lambda: _read(chunks))
    _say(f"read: {row['read']['per_second']:,.0f} enterprises/s")
    row["checks"] = _timed(n, lambda: _checks(city, chunks))
    _say(f"checks in process: {row['checks']['per_second']:,.0f} enterprises/s")
    for pool in pools:
        row[f"workers_{pool}"] = _with_workers(n, city, admin, pool)
        _say(f"{pool} worker(s): {row[f'workers_{pool}']['per_second']:,.0f} enterprises/s")
    floor = row["read"]["per_second"]
    for name in ["checks", *(f"workers_{pool}" for pool in pools)]:
        row[name]["ratio_to_read"] = round(row[name]["per_second"] / floor, 4)
    if "workers_1" in row and "workers_2" in row:
        row["speed_up_2_workers"] = round(
            row["workers_2"]["per_second"] / row["workers_1"]["per_second"], 2
        )
    return row


def _timed(n: int, work) -> dict:
    started = time.perf_counter()
    extra = work() or {}
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "per_second": round(n / seconds, 1), **extra}


def _chunks(city) -> list[list[int]]:
    from enterprises.models import Enterprise
    from pilot_portal.verification.services import chunk_size

    ids = list(Enterprise.objects.filter(city=city).order_by("pk").values_list("pk", flat=True))
    size = chunk_size()
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _read(chunks) -> dict:
    """The rows the checks look at, read plainly: one query per table per chunk."""
    from assessments.models import Assessment
    from enterprises.models import Application, ApplicationTransition, Enterprise
    from enterprises.projects.models import InvestmentLine, Project
    from subsidies.models import SubsidyClaim

    rows = 0
    for ids in chunks:
        for query in (
            Enterprise.objects.filter(pk__in=ids),
            Application.objects.filter(enterprise_id__in=ids),
            ApplicationTransition.objects.filter(application__enterprise_id__in=ids),
            Project.objects.filter(enterprise_id__in=ids),
            InvestmentLine.objects.filter(project__enterprise_id__in=ids),
            Assessment.objects.filter(enterprise_id__in=ids),
            SubsidyClaim.objects.filter(enterprise_id__in=ids),
        ):
            rows += len(list(query.values()))
    return {"rows": rows}


def _checks(city, chunks) -> dict:
    from pilot_portal.verification.checks import findings_for

    return {"findings": sum(len(findings_for(city, ids)) for ids in chunks)}


def _with_workers(n: int, city, admin, pool: int) -> dict:
    from pilot_portal.celery import app

    app.control.purge()  # nothing left by an earlier run
    name = f"bench-verification-{pool}-{os.getpid()}@localhost"
    with tempfile.NamedTemporaryFile("w+", prefix="bench-verification-worker-") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "pilot_portal", "worker", "--pool", "prefork",
             "--concurrency", str(pool), "--loglevel", "WARNING", "--without-gossip",
             "--without-mingle", "-n", name],
            cwd=environment.ROOT, env=os.environ, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            return _timed_run(n, city, admin, worker, name)
        except SystemExit:
            log.seek(0)
            print(log.read(), file=sys.stderr)
            raise
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=60)


def _timed_run(n, city, admin, worker, name) -> dict:
    from django.db import transaction

    from pilot_portal.celery import app
    from pilot_portal.verification.models import VerificationRun
    from pilot_portal.verification.services import verification_start

    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[name], timeout=1):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the worker did not start")
    started = time.perf_counter()
    with transaction.atomic():
        run = verification_start(admin, city)
    while True:
        run.refresh_from_db()
        if run.status != "running":
            break
        if worker.poll() is not None:
            raise SystemExit("the worker died")
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    if run.status != "succeeded":
        raise SystemExit(f"the run {run.status}: {run.job.error}")
    return {
        "seconds": round(seconds, 3),
        "per_second": round(n / seconds, 1),
        "findings": run.counts.get("total"),
        "runs_kept": VerificationRun.objects.filter(city=city).count(),
    }


def _seed(n: int):
    from datetime import timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from assessments.models import Assessment
    from assessments.templates import current_edition
    from enterprises.models import Application, ApplicationTransition, Enterprise
    from enterprises.projects.models import InvestmentLine, Project
    from pilot_portal.demo.services import demo_uscc
    from pilot_portal.tenancy.models import Batch, City, District, Membership, Province, Sector
    from providers.models import Provider, ProviderSelection, SelectionRound
    from subsidies.models import SubsidyClaim
    from subsidies.rulebooks import rulebook_install_shipped

    now = timezone.now()
    day0 = now - timedelta(days=300)
    province = Province.objects.create(code="bench-verify", name="核验省")
    city = City.objects.create(
        code="verify", name="核验市", province=province, division_code="219800",
        region="northeast", tier="capital", batch_year=2023, award_cap=Decimal("150000000"),
        period_start=day0.date(), period_end=(now + timedelta(days=400)).date(),
    )  # fmt: skip
    rulebook_install_shipped(city, source="shenyang")
    district = District.objects.create(city=city, code="219801", name="核验区")
    sector = Sector.objects.create(city=city, code="C3400", name="通用设备制造")
    batch = Batch.objects.create(
        city=city, name="第一批", year=2024, opens=day0.date(), closes=(day0 + timedelta(30)).date()
    )
    users = get_user_model().objects
    admin = users.create_user("bench-verify-admin")
    officer = users.create_user("bench-verify-officer")
    diagnoser, acceptor = users.create_user("bench-diag"), users.create_user("bench-accept")
    Membership.objects.create(user=admin, city=city, role="city_admin")
    Membership.objects.create(user=officer, city=city, role="district_officer", district=district)
    provider = Provider.objects.create(
        uscc=demo_uscc("219802", 9000), name="数智服务有限公司", kind="integrator"
    )
    selection_round = SelectionRound.objects.create(
        city=city, name="第一轮", opens=day0.date(), closes=(day0 + timedelta(10)).date(),
        criteria="综合评分", created_by=admin,
    )  # fmt: skip
    ProviderSelection.objects.create(
        city=city, provider=provider, round=selection_round, status="selected", applied_by=admin
    )

    def uscc(i):
        code = demo_uscc("219801", 10_000 + i)
        return code if i % 50 else code[:17] + ("0" if code[17] != "0" else "1")

    enterprises = Enterprise.objects.bulk_create(
        (Enterprise(city=city, uscc=uscc(i), name=f"核验{i + 1}号制造有限公司", district=district,
                    sector=sector) for i in range(n)),
        batch_size=5000,
    )  # fmt: skip
    applications = Application.objects.bulk_create(
        (Application(city=city, enterprise=e, batch=batch, status="approved",
                     declares_not_central_little_giant=True, declares_not_in_2022_pilot=True)
         for e in enterprises),
        batch_size=5000,
    )  # fmt: skip
    steps = (("submit", "draft", "submitted", admin, "city_admin"),
             ("district-approve", "submitted", "district_approved", officer, "district_officer"),
             ("approve", "district_approved", "approved", admin, "city_admin"))  # fmt: skip
    ApplicationTransition.objects.bulk_create(
        (ApplicationTransition(application=a, action=action, from_status=source, to_status=target,
                               actor=actor, actor_role=role)
         for a in applications for action, source, target, actor, role in steps),
        batch_size=5000,
    )  # fmt: skip
    served = enterprises[::2]
    projects = Project.objects.bulk_create(
        (Project(city=city, enterprise=e, provider=provider, title="数字化改造",
                 contract_amount=Decimal("600000"), planned_start=(day0 + timedelta(20)).date(),
                 planned_end=(day0 + timedelta(100)).date(), status="accepted", created_by=admin)
         for e in served),
        batch_size=5000,
    )  # fmt: skip
    InvestmentLine.objects.bulk_create(
        (InvestmentLine(city=city, project=p, category=category, amount=Decimal(amount),
                        description=category, invoice_number=f"FP{p.pk:08d}{k}",
                        invoice_issuer=provider.name, created_by=admin)
         for p in projects
         for k, (category, amount) in enumerate((("software", 300000), ("cloud", 60000)))),
        batch_size=5000,
    )  # fmt: skip
    edition = current_edition()
    Assessment.objects.bulk_create(
        (Assessment(city=city, enterprise=p.enterprise, project=project, kind=kind,
                    edition=edition, status="locked", level=level, assessor=assessor,
                    locked_at=day0 + timedelta(days), created_by=admin)
         for p in projects
         for kind, project, level, assessor, days in (
             ("diagnosis", None, 1, diagnoser, 10), ("acceptance", p, 2, acceptor, 110))),
        batch_size=5000,
    )  # fmt: skip
    SubsidyClaim.objects.bulk_create(
        (SubsidyClaim(city=city, kind="transformation", enterprise=p.enterprise, project=p,
                      created_by=admin) for p in projects),
        batch_size=5000,
    )  # fmt: skip
    return city, admin


def _table(report: dict) -> str:
    lines = [
        f"{'enterprises':>11}  {'read/s':>9}  {'checks/s':>9}  {'1 worker/s':>10}  "
        f"{'2 workers/s':>11}  {'speed-up':>8}  {'2 workers ÷ read':>16}"
    ]
    for row in report["sizes"].values():

        def rate(name, row=row):
            return f"{row[name]['per_second']:,.0f}" if name in row else "-"

        ratio = row.get("workers_2", {}).get("ratio_to_read")
        lines.append(
            f"{row['enterprises']:>11,}  {rate('read'):>9}  {rate('checks'):>9}  "
            f"{rate('workers_1'):>10}  {rate('workers_2'):>11}  "
            f"{row.get('speed_up_2_workers', '-'):>8}  "
            f"{ratio if ratio is not None else '-':>16}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
