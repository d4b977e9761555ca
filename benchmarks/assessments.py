"""`python -m benchmarks.assessments`: scoring throughput and acceptance-report PDFs per second.

1. Scoring: `rules.score` on the real 2024 questionnaire (the edition the data migration
   ships, built by `templates.template_spec` from the database), over a few thousand random
   complete answer sets (a seeded generator: every question answered, a multiple choice
   sometimes "none" alone, every scene judged 1–4). Timed twice: the score alone, and the
   score with its explanation (what the services store on every save).
2. Acceptance reports: one enterprise with a locked diagnosis and a locked acceptance (three
   evidence files, a project and its provider), made through the services. Each round times
   the same report three ways, interleaved so that other work on the machine disturbs all
   three alike:
   - `weasyprint`: WeasyPrint alone, rendering the report's HTML (rendered once beforehand)
     — the floor;
   - `report`: the report as the job makes it — the assessment looked up within what the user
     sees, the diagnosis and evidence, scoring again, the chart, the template, WeasyPrint;
   - `job`: the whole job through `job_start` (eager Celery): claim, the report, storing the
     PDF as a Document, the job's result.
   The overhead ratio is each one's median time over WeasyPrint's.
3. A batch: the acceptance reports of a batch of enterprises as one job (zip and manifest).

Runs against a PostgreSQL database of its own (`pilot_portal_bench_assessments`, recreated,
dropped at the end unless --keep-db), in production mode. Writes
benchmarks/results/assessments.json (--quick: assessments-quick.json) and prints a table.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from benchmarks import environment, loadtest

RESULTS = Path(__file__).resolve().parent / "results"
DB = "pilot_portal_bench_assessments"
SEED = 6
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"  # a minimal evidence file
QUIET_BELOW = 15.0  # wait (within --quiet-wait) until the CPUs are this idle before a phase
STARTED = time.monotonic()


@dataclass
class Config:
    quick: bool
    assessments: int
    rounds: int
    batch: int
    quiet_wait: int
    keep_db: bool
    output: Path


def config_load(argv=None) -> Config:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.assessments", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="1,000 scored, 5 rounds, batch 4")
    parser.add_argument("--assessments", type=int, help="answer sets scored (5,000)")
    parser.add_argument("--rounds", type=int, help="report rounds, each timed three ways (20)")
    parser.add_argument("--batch", type=int, help="enterprises in the batch job (10)")
    parser.add_argument("--quiet-wait", type=int, dest="quiet_wait", help="seconds (60)")
    parser.add_argument("--keep-db", action="store_true", dest="keep_db")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    quick = args.quick or os.environ.get("BENCH_QUICK", "") in {"1", "true", "yes"}
    return Config(
        quick=quick,
        assessments=args.assessments or (1000 if quick else 5000),
        rounds=args.rounds or (5 if quick else 20),
        batch=args.batch or (4 if quick else 10),
        quiet_wait=args.quiet_wait if args.quiet_wait is not None else (20 if quick else 60),
        keep_db=args.keep_db,
        output=args.output or RESULTS / ("assessments-quick.json" if quick else "assessments.json"),
    )


def main(argv=None) -> None:
    config = config_load(argv)
    load_average = os.getloadavg()
    media = tempfile.mkdtemp(prefix="bench-assessments-media-")
    environment.apply_environ(
        {
            **environment.django_environ(secret_key=environment.new_secret_key(), media_root=media),
            "DATABASE_URL": environment.database_url(name=DB),
            "EMAIL_URL": "dummymail://",  # the services' notifications go nowhere
        }
    )
    postgres = environment.postgres_version()
    _say(
        f"{config.assessments:,} answer sets, {config.rounds} report rounds, a batch of "
        f"{config.batch}; database {DB}"
    )
    environment.database_recreate(DB)
    try:
        migrate_seconds = environment.manage("migrate", "--no-input", "-v0")
        import django

        django.setup()
        report = _run(config)
        report["setup"] = {"migrate_s": round(migrate_seconds, 1)}
    finally:
        _close_connections()
        shutil.rmtree(media, ignore_errors=True)
        if not config.keep_db:
            environment.database_drop(DB)
    report["machine"] = {
        "nproc": len(os.sched_getaffinity(0)),
        "postgresql": postgres,
        "load_average_at_start": load_average,
        **_versions(),
    }
    report["total_seconds"] = round(time.monotonic() - STARTED, 1)
    _write(config.output, report)
    print(_table(report))
    shown = config.output.resolve()
    root = environment.ROOT
    print(f"\nWritten to {shown.relative_to(root) if shown.is_relative_to(root) else shown}")


def _run(config: Config) -> dict:
    from assessments.templates import current_edition, template_spec

    spec = template_spec(current_edition())
    rng = random.Random(SEED)
    answer_sets = [random_answers(spec, rng) for _ in range(config.assessments)]
    quiet = _Quiet(config.quiet_wait)

    quiet.wait()
    scoring = _scoring(spec, answer_sets)
    _say(
        f"scoring: {scoring['assessments_per_second']:,.0f} assessments/s "
        f"({scoring['with_explanation_per_second']:,.0f}/s with the explanation)"
    )

    _say("seeding a city, its enterprises, their diagnoses and acceptances (services)")
    world = _seed(spec, rng, batch=config.batch)

    quiet.wait()
    reports = _reports(world, rounds=config.rounds)
    _say(
        f"acceptance report: {reports['report']['per_second']:.2f} PDFs/s "
        f"(WeasyPrint alone {reports['weasyprint']['per_second']:.2f}/s: "
        f"overhead ×{reports['overhead_ratio']['report']:.2f}; as a job "
        f"×{reports['overhead_ratio']['job']:.2f})"
    )

    quiet.wait()
    batch = _batch(world)
    _say(f"batch of {batch['reports']}: {batch['seconds']:.1f} s, {batch['per_second']:.2f}/s")

    return {
        "schema": 1,
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "parameters": {
            "quick": config.quick,
            "assessments": config.assessments,
            "rounds": config.rounds,
            "batch_enterprises": config.batch,
            "edition": f"{spec.edition} v{spec.version}",
            "questions": len(spec.questions()),
            "scenes": len(spec.scenes),
            "seed": SEED,
            "debug": False,
            "database": f"postgresql://127.0.0.1:5432/{DB}",
        },
        "scoring": scoring,
        "acceptance_report": reports,
        "batch": batch,
        "noise": {"waited_s": round(quiet.waited, 1), "quiet_below_pct": QUIET_BELOW},
    }


# -- scoring ---------------------------------------------------------------------------------


def random_answers(spec, rng: random.Random) -> tuple[dict, dict]:
    """A complete, valid answer set: one option, or a non-empty set ("none" alone at times)."""
    answers = {}
    for code, question in spec.questions().items():
        if question.kind == "single":
            answers[code] = rng.choice(question.options).code
            continue
        exclusive = [o.code for o in question.options if o.exclusive]
        others = [o.code for o in question.options if not o.exclusive]
        if exclusive and rng.random() < 0.1:
            answers[code] = exclusive[:1]
        else:
            answers[code] = rng.sample(others, rng.randint(1, len(others)))
    scenes = {scene.code: rng.randint(1, 4) for scene in spec.scenes}
    return answers, scenes


def _scoring(spec, answer_sets) -> dict:
    from assessments import rules

    rules.score(spec, *answer_sets[0])  # warm
    with loadtest.ForeignLoad(server_session=-1) as other:
        started = time.perf_counter()
        results = [rules.score(spec, answers, scenes) for answers, scenes in answer_sets]
        seconds = time.perf_counter() - started
    started = time.perf_counter()
    for answers, scenes in answer_sets:
        rules.score(spec, answers, scenes).explanation()
    explained = time.perf_counter() - started
    totals = [r.total for r in results]
    if not all(0 <= t <= 100 for t in totals) or any(r.unanswered for r in results):
        raise RuntimeError("a random answer set scored outside 0–100 or left a question open")
    levels = {str(n): sum(1 for r in results if r.level == n) for n in (None, 1, 2, 3, 4)}
    n = len(answer_sets)
    return {
        "assessments": n,
        "seconds": round(seconds, 3),
        "assessments_per_second": round(n / seconds),
        "us_per_assessment": round(seconds / n * 1e6, 1),
        "with_explanation_seconds": round(explained, 3),
        "with_explanation_per_second": round(n / explained),
        "total_min": str(min(totals)),
        "total_mean": str(round(sum(totals) / n, 2)),
        "total_max": str(max(totals)),
        "levels": levels,  # "None": no level reached
        "other_work_cpu_pct": other.percent,
    }


# -- the data the reports are made of --------------------------------------------------------


@dataclass
class World:
    city: object
    admin: object
    acceptance: object
    batch: object
    batch_size: int


def _seed(spec, rng: random.Random, *, batch: int) -> World:
    """A city with an admin and an assessor; enterprises with a locked diagnosis and a locked
    acceptance of a completed project (three evidence files each), all in one batch."""
    from datetime import date, timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments import services
    from assessments.templates import current_edition
    from enterprises.models import Application, Enterprise
    from enterprises.projects.models import Project
    from pilot_portal.demo.services import demo_uscc
    from pilot_portal.tenancy.models import Batch, City, District, Membership, Province, Sector
    from providers.models import Provider

    edition = current_edition()
    province = Province.objects.create(code="bench-assess", name="评测省")
    city = City.objects.create(
        code="assess", name="评测市", province=province, division_code="449600",
        region="east", tier="prefecture", batch_year=2024, award_cap=Decimal("100000000"),
        period_start=date(2024, 10, 1), period_end=date(2026, 10, 31),
    )  # fmt: skip
    district = District.objects.create(city=city, code="449601", name="示范区")
    sector = Sector.objects.create(city=city, code="C34", name="通用设备制造")
    batch_row = Batch.objects.create(
        city=city, name="第一批", year=2025, opens=date(2025, 1, 1), closes=date(2025, 6, 30)
    )
    users = get_user_model().objects
    admin = users.create_user("bench-assess-admin", first_name="市工信局")
    assessor = users.create_user("bench-assess-assessor", first_name="第三方评测机构")
    Membership.objects.create(user=admin, city=city, role="city_admin")
    Membership.objects.create(user=assessor, city=city, role="assessor")
    provider = Provider.objects.create(
        uscc=demo_uscc("449601", 9000), name="数智服务有限公司", kind="integrator"
    )
    today = date.today()
    evidence = ("equipment_systems", "data_collection", "information_systems")
    acceptances = []
    for n in range(batch):
        enterprise = Enterprise.objects.create(
            city=city, uscc=demo_uscc("449601", 1000 + n), name=f"评测{n + 1}号精密机械有限公司",
            district=district, sector=sector, size="above",
        )  # fmt: skip
        Application.objects.create(
            city=city, enterprise=enterprise, batch=batch_row, status="approved"
        )
        project = Project.objects.create(
            city=city, enterprise=enterprise, provider=provider, title="智能产线数字化改造",
            contract_amount=Decimal("380000.00"), planned_start=today - timedelta(days=200),
            planned_end=today - timedelta(days=10), status="completed", created_by=admin,
        )  # fmt: skip
        for kind in ("diagnosis", "acceptance"):
            answers, scenes = random_answers(spec, rng)
            assessment = services.assessment_create(
                admin, city, enterprise=enterprise, kind=kind, assessor=assessor,
                answers=answers, scenes=scenes, complete=True, edition=edition,
                project=project if kind == "acceptance" else None,
                findings="设备数据仍靠人工抄录\n质量追溯不完整" if kind == "diagnosis" else "",
            )  # fmt: skip
            if kind == "acceptance":
                for code in evidence:
                    upload = SimpleUploadedFile(f"{code}-佐证.pdf", PDF)
                    services.evidence_add(assessor, assessment, indicator_code=code, upload=upload)
            services.assessment_transition(admin, assessment, "lock")
        acceptances.append(assessment)
    return World(
        city=city, admin=admin, acceptance=acceptances[0], batch=batch_row, batch_size=batch
    )


# -- the reports -------------------------------------------------------------------------------


def _timings(values: list[float]) -> dict:
    median = statistics.median(values)
    return {
        "median_s": round(median, 4),
        "mean_s": round(statistics.fmean(values), 4),
        "min_s": round(min(values), 4),
        "max_s": round(max(values), 4),
        "per_second": round(1 / median, 3),
    }


def _reports(world: World, *, rounds: int) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation
    from weasyprint import HTML

    from assessments import reports
    from pilot_portal.documents.pdf import CJK_FONT_FAMILY
    from pilot_portal.jobs.models import Job
    from pilot_portal.jobs.services import job_start

    city, admin, pk = world.city, world.admin, world.acceptance.pk
    assessment = reports.report_assessment_for(admin, city, pk)
    with translation.override("zh-hans"):
        html = render_to_string(
            reports.TEMPLATES[assessment.kind],
            {**reports.report_context(assessment), "cjk_font_family": CJK_FONT_FAMILY},
        )

    def weasyprint_alone() -> bytes:
        return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()

    def report() -> bytes:
        return reports.report_pdf(reports.report_assessment_for(admin, city, pk))

    def job() -> bytes:
        done = job_start(city=city, kind=reports.REPORT_JOB, params={"assessment": pk},
                         actor=admin)  # fmt: skip
        done = Job.objects.select_related("document").get(pk=done.pk)
        if done.status != "succeeded":
            raise RuntimeError(f"the report job failed: {done.error}")
        return done.document.file.read()

    ways = {"weasyprint": weasyprint_alone, "report": report, "job": job}
    pages = len(HTML(string=html, base_url=str(settings.BASE_DIR)).render().pages)
    sizes, queries = {}, {}
    for name, make in ways.items():  # warm each up once (fonts, templates), and measure it
        with CaptureQueriesContext(connection) as captured:
            pdf = make()
        sizes[name], queries[name] = len(pdf), len(captured)
    times: dict[str, list[float]] = {name: [] for name in ways}
    with loadtest.ForeignLoad(server_session=-1) as other:
        for _ in range(rounds):
            for name, make in ways.items():
                started = time.perf_counter()
                make()
                times[name].append(time.perf_counter() - started)
    result = {name: {**_timings(times[name]), "bytes": sizes[name]} for name in ways}
    floor = result["weasyprint"]["median_s"]
    return {
        **result,
        "rounds": rounds,
        "pages": pages,
        "html_bytes": len(html.encode()),
        "queries": {"report": queries["report"], "job": queries["job"]},
        "overhead_ratio": {
            "report": round(result["report"]["median_s"] / floor, 3),
            "job": round(result["job"]["median_s"] / floor, 3),
        },
        "other_work_cpu_pct": other.percent,
    }


def _batch(world: World) -> dict:
    import io
    import zipfile

    from assessments import reports
    from pilot_portal.jobs.models import Job

    with loadtest.ForeignLoad(server_session=-1) as other:
        started = time.perf_counter()
        job = reports.batch_reports_start(actor=world.admin, city=world.city, batch=world.batch)
        seconds = time.perf_counter() - started
    job = Job.objects.select_related("document").get(pk=job.pk)
    if job.status != "succeeded" or job.result["reports"] != world.batch_size:
        raise RuntimeError(f"the batch job made {job.result} ({job.status}: {job.error})")
    names = zipfile.ZipFile(io.BytesIO(job.document.file.read())).namelist()
    return {
        "reports": job.result["reports"],
        "seconds": round(seconds, 2),
        "per_second": round(job.result["reports"] / seconds, 3),
        "zip_bytes": job.document.size,
        "files": len(names),
        "progress": job.progress,
        "other_work_cpu_pct": other.percent,
    }


# -- plumbing ----------------------------------------------------------------------------------


class _Quiet:
    """Waits for a mostly idle machine before a phase, within one budget for the run."""

    def __init__(self, budget: int):
        self.budget, self.waited = budget, 0.0

    def wait(self) -> None:
        started = time.monotonic()
        loadtest.wait_for_quiet(threshold=QUIET_BELOW, max_wait=max(0, self.budget - self.waited))
        self.waited += time.monotonic() - started


def _versions() -> dict:
    import importlib.metadata
    import platform

    def version(package: str) -> str:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "absent"

    return {
        "python": platform.python_version(),
        "django": version("django"),
        "weasyprint": version("weasyprint"),
        "pydyf": version("pydyf"),
    }


def _close_connections() -> None:
    from django.apps import apps

    if apps.ready:
        from django.db import connections

        connections.close_all()


def _write(path: Path, report: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    os.replace(temporary, path)


def _table(report: dict) -> str:
    s, r, b = report["scoring"], report["acceptance_report"], report["batch"]
    lines = [
        f"{'measure':<44}{'figure':>16}",
        "-" * 60,
        f"{'scoring, assessments/s (rules.score)':<44}{s['assessments_per_second']:>16,}",
        f"{'  µs per assessment':<44}{s['us_per_assessment']:>16}",
        f"{'  with the explanation, assessments/s':<44}{s['with_explanation_per_second']:>16,}",
        f"{'acceptance report PDFs/s (the report)':<44}{r['report']['per_second']:>16.2f}",
        f"{'  WeasyPrint alone on the same HTML, /s':<44}{r['weasyprint']['per_second']:>16.2f}",
        f"{'  as a job (stored as a Document), /s':<44}{r['job']['per_second']:>16.2f}",
        f"{'  overhead: report ÷ WeasyPrint':<44}{r['overhead_ratio']['report']:>16.3f}",
        f"{'  overhead: job ÷ WeasyPrint':<44}{r['overhead_ratio']['job']:>16.3f}",
        f"{'  pages; queries (report, job)':<44}"
        f"{r['pages']:>6}; {r['queries']['report']:>3}, {r['queries']['job']:>3}",
        f"{'batch job: reports, seconds':<44}{b['reports']:>8}, {b['seconds']:>6.1f}",
        f"{'  reports/s in the batch':<44}{b['per_second']:>16.2f}",
    ]
    busy = max(s["other_work_cpu_pct"], r["other_work_cpu_pct"], b["other_work_cpu_pct"])
    if busy > 5:
        lines.append(f"\nWARNING: other work took up to {busy:.0f}% of the CPUs while measuring")
    return "\n".join(lines)


def _say(message: str) -> None:
    print(f"[bench {time.monotonic() - STARTED:6.1f} s] {message}", flush=True)


if __name__ == "__main__":
    main()
