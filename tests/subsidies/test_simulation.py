"""The what-if simulation of a rulebook version (job kind `subsidy_simulation`): every live claim
recomputed under the version, nothing written; the claims whose amount would change and the
totals against the fund pools; a fixed number of queries however many claims."""

import html
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pilot_portal.errors import InvalidInput, NotAllowed
from pilot_portal.jobs import services as jobs
from pilot_portal.jobs.models import Job
from subsidies import services
from subsidies.models import ClaimStatus, ClaimStep, RulebookVersion, SubsidyClaim
from subsidies.models import SubsidyComputation as Computation
from subsidies.simulation import SIMULATION_JOB, simulate
from tests.factories import BatchFactory, CityFactory, EnterpriseFactory
from tests.subsidies.claim_helpers import accepted_project, subsidy_world
from tests.subsidies.preview_helpers import line, version_from

pytestmark = pytest.mark.django_db


def lower_transformation(data):
    """40 % instead of 50 %, capped at 450,000 instead of 500,000."""
    line(data, "transformation")["params"]["levels"][0].update(rate="0.40", cap="450000.00")


@pytest.fixture
def world():
    return subsidy_world("shenyang")


@pytest.fixture
def shipped(world):
    return RulebookVersion.objects.get(city=world["city"])


@pytest.fixture
def proposed(shipped):
    return version_from(
        shipped, version="2026.1", effective_from=timezone.localdate() + timedelta(days=60),
        mutate=lower_transformation, note="改造补贴比例降至 40% / rate down to 40 %",
    )  # fmt: skip


def transformation_claim(world, *, software, level=2):
    enterprise = EnterpriseFactory(city=world["city"])
    project = accepted_project(world, level=level, software=software, enterprise=enterprise)
    claim, _changed = services.claim_for_project(world["admin"], project)
    return claim


@pytest.fixture
def claims(world):
    """Three transformation claims, a diagnosis claim, a void and an approved one."""
    made = {
        "big": transformation_claim(world, software="1200000.00"),  # 500,000 → 450,000
        "mid": transformation_claim(world, software="600000.00"),  # 300,000 → 240,000
        "small": transformation_claim(world, software="300000.00", level=3),  # 150k → 120k
        "diagnosis": services.claim_create(
            world["admin"],
            city=world["city"],
            kind="diagnosis",
            enterprise=world["enterprise"],
            inputs={"fee": "9000"},
        ),
        "void": transformation_claim(world, software="800000.00"),
        "approved": transformation_claim(world, software="100000.00"),  # 50,000 → 40,000
    }
    SubsidyClaim.objects.filter(pk=made["void"].pk).update(status=ClaimStatus.VOID)
    SubsidyClaim.objects.filter(pk=made["approved"].pk).update(
        status=ClaimStatus.APPROVED, approved_amount=Decimal("50000.00")
    )
    return made


def written(city) -> tuple:
    """Everything a simulation must leave as it was."""
    return (
        list(Computation.objects.filter(city=city).order_by("pk").values_list("pk", "amount")),
        list(
            SubsidyClaim.objects.filter(city=city)
            .order_by("pk")
            .values_list("pk", "computation_id", "status", "updated_at", "approved_amount")
        ),
        ClaimStep.objects.filter(claim__city=city).count(),
    )


# -- what it finds ------------------------------------------------------------------------------


def test_it_lists_every_live_claim_whose_amount_would_change(world, proposed, claims):
    result = simulate(city=world["city"], version=proposed)

    rows = {row["claim"]: row for row in result["rows"]}
    assert set(rows) == {claims[k].pk for k in ("big", "mid", "small", "approved")}
    big = rows[claims["big"].pk]
    assert (big["current"], big["new"], big["difference"]) == ("500000.00", "450000.00",
                                                               "-50000.00")  # fmt: skip
    assert (big["kind"], big["recipient_type"], big["status"]) == (
        "transformation",
        "enterprise",
        "computed",
    )
    assert big["recipient"] == claims["big"].enterprise.name
    assert rows[claims["mid"].pk]["new"] == "240000.00"
    assert rows[claims["small"].pk]["new"] == "120000.00"
    assert rows[claims["approved"].pk]["status"] == "approved"
    assert (result["claims"], result["changed"]) == (5, 4)  # the void claim is not live


def test_the_totals_set_current_and_new_against_the_fund_pools(world, proposed, claims):
    result = simulate(city=world["city"], version=proposed)

    # 500,000 + 300,000 + 150,000 + 50,000 + 7,000 → 450,000 + 240,000 + 120,000 + 40,000 + 7,000
    assert result["totals"] == {"current": "1007000.00", "new": "857000.00",
                                "difference": "-150000.00"}  # fmt: skip
    assert result["by_fund_use"]["enterprise"]["new"] == "857000.00"
    assert result["pools"]["total"] == "337500000.00"  # 150 M central + 187.5 M local
    assert result["pools"]["remaining_new"] == "336643000.00"
    assert result["pools"]["within"] is True
    assert result["pools"]["ecosystem_ceiling"] == "30000000.00"  # 20 % of the central award
    assert result["by_kind"]["diagnosis"] == {"claims": 1, "current": "7000.00",
                                              "new": "7000.00", "difference": "0.00"}  # fmt: skip
    assert result["version"]["version"] == "2026.1"
    assert result["in_effect"]["version"] == "2023.1"


def test_it_writes_nothing(world, proposed, claims):
    before = written(world["city"])

    simulate(city=world["city"], version=proposed)

    assert written(world["city"]) == before


def test_an_unchanged_version_changes_no_claim(world, shipped, claims):
    same = version_from(shipped, version="2026.1", effective_from=date(2026, 1, 1))

    result = simulate(city=world["city"], version=same)

    assert (result["changed"], result["rows"]) == (0, [])
    assert result["totals"]["difference"] == "0.00"


def test_a_line_the_version_drops_gets_nothing_and_is_named(world, shipped, claims):
    def drop_diagnosis(data):
        data["lines"] = [item for item in data["lines"] if item["code"] != "diagnosis"]

    dropped = version_from(shipped, version="2026.1", effective_from=date(2026, 1, 1),
                           mutate=drop_diagnosis)  # fmt: skip

    result = simulate(city=world["city"], version=dropped)

    assert result["missing_lines"] == ["diagnosis"]
    row = next(r for r in result["rows"] if r["claim"] == claims["diagnosis"].pk)
    assert (row["new"], row["line_missing"]) == ("0.00", True)


def test_a_falling_rate_lowers_the_claims_of_later_batches_only(world, shipped):
    # given: an enterprise of the city's first batch and one of a later batch, same project
    early = transformation_claim(world, software="600000.00")
    late = transformation_claim(world, software="600000.00")
    first = BatchFactory(city=world["city"], opens=date(2020, 1, 1), closes=date(2020, 2, 1))
    later = BatchFactory(city=world["city"], opens=date(2030, 1, 1), closes=date(2030, 2, 1))
    early.enterprise.applications.create(city=world["city"], batch=first, status="approved")
    late.enterprise.applications.create(city=world["city"], batch=later, status="approved")
    falling = version_from(
        shipped, version="2026.1", effective_from=date(2026, 1, 1),
        mutate=lambda data: data.update(falling_rates=[
            {"line": "transformation", "from_batch": 3, "factor": "0.80", "source": "测试"}
        ]),
    )  # fmt: skip
    # when
    result = simulate(city=world["city"], version=falling)
    # then: the later batch is the city's third (world's own batch opens in between)
    rows = {row["claim"]: row for row in result["rows"]}
    assert early.pk not in rows
    assert (rows[late.pk]["current"], rows[late.pk]["new"]) == ("300000.00", "240000.00")


def count_queries(func) -> int:
    with CaptureQueriesContext(connection) as context:
        func()
    return len(context)


def test_it_costs_the_same_queries_for_few_and_many_claims(world, proposed):
    transformation_claim(world, software="1200000.00")
    few = count_queries(lambda: simulate(city=world["city"], version=proposed))
    for n in range(6):
        transformation_claim(world, software=f"{100000 * (n + 1)}.00", level=2 + n % 3)
        services.claim_create(world["admin"], city=world["city"], kind="diagnosis",
                              enterprise=EnterpriseFactory(city=world["city"]),
                              inputs={"fee": f"{1000 * (n + 1)}"})  # fmt: skip

    many = count_queries(lambda: simulate(city=world["city"], version=proposed))

    assert many == few
    assert many <= 12


# -- the job ---------------------------------------------------------------------------------


def run(actor, city, params, django_capture_on_commit_callbacks) -> Job:
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_start(city=city, kind=SIMULATION_JOB, params=params, actor=actor)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("role", ["finance", "auditor", "admin"])
def test_overseers_and_finance_run_it_as_a_job(
    world, proposed, claims, role, django_capture_on_commit_callbacks
):
    job = run(world[role], world["city"], {"version": proposed.pk},
              django_capture_on_commit_callbacks)  # fmt: skip

    assert (job.status, job.progress) == ("succeeded", 100)
    assert job.result["changed"] == 4
    assert job.result["totals"]["new"] == "857000.00"


def test_an_enterprise_may_not_start_it(world, proposed):
    with pytest.raises(NotAllowed):
        jobs.job_start(city=world["city"], kind=SIMULATION_JOB, params={"version": proposed.pk},
                       actor=world["owner"])  # fmt: skip
    assert not Job.objects.filter(kind=SIMULATION_JOB).exists()


def test_another_city_version_fails_the_job(world, django_capture_on_commit_callbacks):
    elsewhere = subsidy_world("xiamen")
    other = RulebookVersion.objects.get(city=elsewhere["city"])

    job = run(world["finance"], world["city"], {"version": other.pk},
              django_capture_on_commit_callbacks)  # fmt: skip

    assert job.status == "failed"
    assert "InvalidInput" in job.error
    assert job.result == {}


def test_a_starter_who_lost_the_role_is_refused_when_it_runs(world, proposed):
    from subsidies.job_kinds import subsidy_simulation

    job = Job.objects.create(
        city=world["city"], kind=SIMULATION_JOB, params={"version": proposed.pk},
        started_by=world["owner"],
    )  # fmt: skip

    with pytest.raises(NotAllowed):
        subsidy_simulation(job, lambda percent: None)
    job.params = {"version": "x"}
    job.started_by = world["finance"]
    with pytest.raises(InvalidInput):
        subsidy_simulation(job, lambda percent: None)


# -- the pages -------------------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def test_finance_starts_it_from_the_version_page_and_sees_the_result(
    world, proposed, claims, django_capture_on_commit_callbacks
):
    client = client_for(world["finance"])
    city = world["city"]
    detail = text(client.get(f"/c/{city.code}/subsidies/rulebooks/{proposed.pk}/"))
    assert 'data-testid="simulate"' in detail

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/c/{city.code}/subsidies/rulebooks/{proposed.pk}/simulate/")

    job = Job.objects.get(kind=SIMULATION_JOB, city=city)
    assert response.status_code == 302
    assert response["Location"] == f"/c/{city.code}/subsidies/rulebooks/simulations/{job.pk}/"
    body = text(client.get(response["Location"]))
    assert f'<tr data-claim="{claims["big"].pk}">' in body
    assert '<span data-testid="total-current">1,007,000.00</span>' in body
    assert '<span data-testid="total-new">857,000.00</span>' in body
    assert '<span data-testid="pool-total">337,500,000.00</span>' in body
    assert "-50,000.00" in body
    assert f'<tr data-claim="{claims["diagnosis"].pk}">' not in body  # unchanged
    # the version page lists it
    again = text(client.get(f"/c/{city.code}/subsidies/rulebooks/{proposed.pk}/"))
    assert f"/subsidies/rulebooks/simulations/{job.pk}/" in again


def test_the_simulate_button_is_refused_to_an_enterprise(world, proposed):
    response = client_for(world["owner"]).post(
        f"/c/{world['city'].code}/subsidies/rulebooks/{proposed.pk}/simulate/"
    )

    assert response.status_code == 403
    assert not Job.objects.filter(kind=SIMULATION_JOB).exists()


def test_a_result_page_shows_only_simulations_of_the_city(world, proposed):
    other_city = CityFactory()
    foreign = Job.objects.create(
        city=other_city, kind=SIMULATION_JOB, params={}, status="succeeded",
        result={"rows": []}, started_by=world["finance"],
    )  # fmt: skip
    export = Job.objects.create(city=world["city"], kind="city_export", params={},
                                started_by=world["finance"])  # fmt: skip
    client = client_for(world["finance"])

    for job in (foreign, export):
        url = f"/c/{world['city'].code}/subsidies/rulebooks/simulations/{job.pk}/"
        assert client.get(url).status_code == 404


def test_a_running_simulation_shows_its_progress(world, proposed):
    job = Job.objects.create(city=world["city"], kind=SIMULATION_JOB, status="running",
                             progress=40, params={"version": proposed.pk},
                             started_by=world["finance"])  # fmt: skip

    body = text(client_for(world["finance"]).get(
        f"/c/{world['city'].code}/subsidies/rulebooks/simulations/{job.pk}/"
    ))  # fmt: skip

    assert 'aria-valuenow="40"' in body
    assert 'data-testid="simulation-totals"' not in body
