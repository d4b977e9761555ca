"""`python -m benchmarks.subsidies`: recomputing every claim of a 700-enterprise city.

A city under Shenyang's shipped rulebook with 700 enrolled enterprises, each with an accepted
project (four investment lines, one of them 'other'), a locked acceptance assessment and a
computed transformation claim (bulk-inserted: this measures the recompute, not the seeding).
`services.claims_recompute` is then timed three times, counting its SQL queries:
1. first computation of all 700 claims (every claim gets a computation);
2. again with nothing changed (no new computation: the facts' digest is the same);
3. after a correction line on every project (every claim gets a new computation).
The target is a fixed number of queries whatever the number of claims. Runs against a
PostgreSQL database of its own (`pilot_portal_bench_subsidies`, recreated, dropped at the end
unless --keep-db). Writes benchmarks/results/subsidies.json and prints a table.
"""

import argparse
import json
import os
import time
from pathlib import Path

from benchmarks import environment

RESULTS = Path(__file__).resolve().parent / "results"
DB = "pilot_portal_bench_subsidies"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=700)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    environment.apply_environ(
        {
            **environment.django_environ(secret_key=environment.new_secret_key()),
            "DATABASE_URL": environment.database_url(name=DB),
            "EMAIL_URL": "dummymail://",
        }
    )
    environment.database_recreate(DB)
    try:
        environment.manage("migrate", "--no-input", "-v0")
        import django

        django.setup()
        report = _run(args.enterprises)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            environment.database_drop(DB)
    report["machine"] = {
        "nproc": len(os.sched_getaffinity(0)),
        "postgresql": environment.postgres_version(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "subsidies.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    for name, row in report["recompute"].items():
        print(f"{name:<12} {row['claims']:>5} claims  {row['changed']:>5} new  "
              f"{row['seconds']:>7.2f} s  {row['queries']:>3} queries")  # fmt: skip


def _seed(n: int):
    from datetime import date, timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from assessments.models import Assessment
    from assessments.templates import current_edition
    from enterprises.models import Application, Enterprise
    from enterprises.projects.models import InvestmentLine, Project
    from pilot_portal.demo.services import demo_uscc
    from pilot_portal.tenancy.models import Batch, City, Membership, Province
    from providers.models import Provider
    from subsidies.models import FundPool, SubsidyClaim
    from subsidies.rulebooks import rulebook_install_shipped

    province = Province.objects.create(code="bench-subsidy", name="补助省")
    city = City.objects.create(
        code="subsidy", name="补助市", province=province, division_code="219900",
        region="northeast", tier="capital", batch_year=2023, award_cap=Decimal("150000000"),
        period_start=date(2023, 8, 1), period_end=date(2025, 12, 31),
    )  # fmt: skip
    rulebook_install_shipped(city, source="shenyang")
    FundPool.objects.create(city=city, source="central", amount=Decimal("150000000"))
    batch = Batch.objects.create(
        city=city, name="第一批", year=2024, opens=date(2024, 1, 1), closes=date(2024, 6, 30)
    )
    admin = get_user_model().objects.create_user("bench-subsidy-admin")
    Membership.objects.create(user=admin, city=city, role="city_admin")
    provider = Provider.objects.create(
        uscc=demo_uscc("219901", 9000), name="数智服务有限公司", kind="integrator"
    )
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(city=city, uscc=demo_uscc("219901", 1000 + i), name=f"补助{i + 1}号机械有限公司")
        for i in range(n)
    )  # fmt: skip
    Application.objects.bulk_create(
        Application(city=city, enterprise=e, batch=batch, status="approved") for e in enterprises
    )
    today = date.today()
    projects = Project.objects.bulk_create(
        Project(city=city, enterprise=e, provider=provider, title="数字化改造",
                contract_amount=Decimal("600000"), planned_start=today - timedelta(days=300),
                planned_end=today - timedelta(days=30), status="accepted", created_by=admin)
        for e in enterprises
    )  # fmt: skip
    lines = []
    for i, project in enumerate(projects):
        for category, amount in (("software", 200000 + i * 1000), ("cloud", 60000),
                                 ("data_devices", 90000), ("other", 15000)):  # fmt: skip
            lines.append(InvestmentLine(city=city, project=project, category=category,
                                        amount=Decimal(amount), description=category,
                                        created_by=admin))  # fmt: skip
    InvestmentLine.objects.bulk_create(lines)
    edition, now = current_edition(), timezone.now()
    acceptances = Assessment.objects.bulk_create(
        Assessment(city=city, enterprise=p.enterprise, project=p, kind="acceptance",
                   edition=edition, status="locked", level=2 + i % 3, locked_at=now,
                   created_by=admin)
        for i, p in enumerate(projects)
    )  # fmt: skip
    SubsidyClaim.objects.bulk_create(
        SubsidyClaim(city=city, kind="transformation", enterprise=p.enterprise, project=p,
                     acceptance=a, created_by=admin)
        for p, a in zip(projects, acceptances, strict=True)
    )  # fmt: skip
    return city, admin, projects


def _timed(label, city, admin) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from subsidies.services import claims_recompute

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        summary = claims_recompute(admin, city)
        seconds = time.perf_counter() - started
    return {**summary, "seconds": round(seconds, 3), "queries": len(queries.captured_queries)}


def _run(n: int) -> dict:
    from decimal import Decimal

    from enterprises.projects.models import InvestmentLine

    city, admin, projects = _seed(n)
    report = {"enterprises": n, "recompute": {}}
    report["recompute"]["first"] = _timed("first", city, admin)
    report["recompute"]["unchanged"] = _timed("unchanged", city, admin)
    InvestmentLine.objects.bulk_create(
        InvestmentLine(city=city, project=p, category="software", amount=Decimal("-5000"),
                       description="发票更正", reason="发票金额更正", created_by=admin)
        for p in projects
    )  # fmt: skip
    report["recompute"]["corrected"] = _timed("corrected", city, admin)
    return report


if __name__ == "__main__":
    main()
