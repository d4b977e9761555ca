"""The verification pages: the city's runs (history, progress, counts, the start form), one run's
results (counts by severity and by check, the filterable findings table linking each finding to
the record to fix, the comparison with the previous run, a district officer's narrower view),
inspection samples (draw, the seed, outcomes) and the ministry's page of every city."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import NoReverseMatch, include, path, reverse
from django.utils import timezone

from enterprises.models import Application
from pilot_portal.jobs.models import Job
from pilot_portal.tenancy.models import Membership
from pilot_portal.verification.models import InspectionItem, InspectionSample, VerificationRun
from pilot_portal.verification.views import NationalVerificationPage
from tests.factories import AssessmentFactory, UserFactory
from tests.verification.pages_helpers import (
    make_project,
    make_run,
    make_sample,
    many_findings,
    pages_world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return pages_world()


def url(name, world, **kwargs):
    return reverse(name, kwargs={"city_code": world["city"].code, **kwargs})


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return re.sub(r"\s+", " ", response.content.decode())


def finding_rows(body: str) -> list[str]:
    return re.findall(r'<tr data-finding="\d+" data-code="([a-z_0-9]+)">', body)


def snapshot() -> tuple:
    return (
        VerificationRun.objects.count(),
        Job.objects.count(),
        InspectionSample.objects.count(),
        list(InspectionItem.objects.values_list("outcome", "note").order_by("pk")),
    )


# -- the city's runs -----------------------------------------------------------------------------


def test_it_lists_every_run_of_the_city_newest_first_with_its_counts(world):
    # given: an older whole-city run, a newer batch run, one running, and another city's run
    old = make_run(
        world["city"], actor=world["admin"], created_at=timezone.now() - timedelta(days=2),
        findings=[("uscc_check_digit", "error", world["alpha"]),
                  ("district_missing", "warning", world["gamma"])],
    )  # fmt: skip
    newer = make_run(
        world["city"], actor=world["admin"], batch=world["batch"],
        created_at=timezone.now() - timedelta(days=1),
        findings=[("exclusion_overridden", "info", world["beta"])],
    )  # fmt: skip
    running = make_run(world["city"], actor=world["admin"], status="running", chunks=(1, 4))
    make_run(world["other_city"], actor=world["other_admin"])

    # when
    body = text(as_user(world["auditor"]).get(url("verification-run-list", world)))

    # then
    order = [int(pk) for pk in re.findall(r'<tr data-run="(\d+)">', body)]
    assert order == [running.pk, newer.pk, old.pk]
    old_row = body[body.index(f'data-run="{old.pk}"') :].split("</tr>")[0]
    assert 'data-count="error">1<' in old_row
    assert 'data-count="warning">1<' in old_row and 'data-count="info">0<' in old_row
    newer_row = body[body.index(f'data-run="{newer.pk}"') :].split("</tr>")[0]
    assert "第一批" in newer_row and 'data-count="info">1<' in newer_row
    running_row = body[body.index(f'data-run="{running.pk}"') :].split("</tr>")[0]
    assert 'aria-valuenow="25"' in running_row  # 1 of 4 chunks
    assert (
        reverse(
            "api:verification-run-detail",
            kwargs={"city_code": world["city"].code, "pk": running.pk},
        )
        in running_row
    )
    assert 'data-testid="start-form"' not in body  # the auditor reads


def test_a_district_officer_counts_only_the_district_s_findings(world):
    make_run(
        world["city"], actor=world["admin"],
        findings=[("uscc_check_digit", "error", world["alpha"]),
                  ("uscc_check_digit", "error", world["gamma"])],
    )  # fmt: skip

    body = text(as_user(world["district"]).get(url("verification-run-list", world)))

    assert 'data-count="error">1<' in body  # alpha (north); gamma is the south's


@pytest.mark.parametrize("n", [2, 12])
def test_the_list_costs_the_same_number_of_queries_for_2_and_12_runs(
    world, n, django_assert_max_num_queries
):
    for i in range(n):
        make_run(
            world["city"], actor=world["admin"], status="running" if i % 2 else "succeeded",
            findings=[("uscc_check_digit", "error", world["alpha"], "", None, {"i": i})],
        )  # fmt: skip
    client = as_user(world["admin"])
    # session, user, city, memberships, the count, the page of runs (batch, starter and job
    # joined), the running runs' counts grouped, the batches of the start form
    with django_assert_max_num_queries(8):
        response = client.get(url("verification-run-list", world))
    assert text(response).count("<tr data-run=") == n


def test_the_city_admin_starts_a_verification_of_a_batch(world, django_capture_on_commit_callbacks):
    Application.objects.create(
        city=world["city"], enterprise=world["alpha"], batch=world["batch"], status="approved"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(world["admin"]).post(
            url("verification-run-list", world), {"batch": world["batch"].pk}
        )

    run = VerificationRun.objects.get(city=world["city"])
    assert response.status_code == 302
    assert response["Location"] == url("verification-run-detail", world, pk=run.pk)
    assert run.batch == world["batch"] and run.started_by == world["admin"]
    assert run.enterprise_count == 1
    assert run.job is not None and run.job.kind == "verify_batch"


def test_the_start_form_offers_the_whole_city_and_the_city_s_batches_only(world):
    other_batch = world["other_city"].batches.create(
        name="他市批次", year=2025, opens=timezone.localdate(), closes=timezone.localdate()
    )

    body = text(as_user(world["admin"]).get(url("verification-run-list", world)))

    assert 'data-testid="start-form"' in body
    assert "第一批" in body and "他市批次" not in body
    assert re.search(r'<option value=""[^>]*>(全市|The whole city)', body)

    # a forged batch id of another city is refused next to the field, and nothing starts
    before = snapshot()
    response = as_user(world["admin"]).post(
        url("verification-run-list", world), {"batch": other_batch.pk}
    )
    assert response.status_code == 400
    assert 'data-testid="batch-error"' in response.content.decode()
    assert snapshot() == before


def test_a_second_start_while_one_runs_is_refused_with_the_reason(world):
    running = make_run(world["city"], actor=world["admin"], status="running", chunks=(0, 2))
    before = snapshot()

    response = as_user(world["admin"]).post(url("verification-run-list", world), {"batch": ""})

    assert response.status_code == 409
    assert f"#{running.pk}" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("role", ["auditor", "finance", "district"])
def test_only_the_city_admin_starts_a_verification(world, role):
    before = snapshot()

    response = as_user(world[role]).post(url("verification-run-list", world), {"batch": ""})

    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("role", ["owner", "assessor"])
def test_enterprises_and_assessors_do_not_open_verification(world, role):
    run = make_run(world["city"], actor=world["admin"])
    client = as_user(world[role])

    assert client.get(url("verification-run-list", world)).status_code == 403
    assert client.get(url("verification-run-detail", world, pk=run.pk)).status_code == 403


def test_another_city_s_run_is_not_found(world):
    theirs = make_run(
        world["other_city"], actor=world["other_admin"],
        findings=[("uscc_check_digit", "error", world["other_enterprise"])],
    )  # fmt: skip
    sample = make_sample(theirs, world["other_admin"], [world["other_enterprise"]])
    client = as_user(world["admin"])

    for name, pk in (
        ("verification-run-detail", theirs.pk),
        ("verification-run-export", theirs.pk),
        ("verification-sample-detail", sample.pk),
    ):
        assert client.get(url(name, world, pk=pk)).status_code == 404
    before = snapshot()
    item = sample.items.get()
    assert client.post(url("verification-run-summary", world, pk=theirs.pk)).status_code == 404
    assert (
        client.post(url("verification-sample-draw", world, pk=theirs.pk), {"size": 1}).status_code
        == 404
    )
    assert (
        client.post(
            url("verification-inspection-record", world, pk=item.pk),
            {f"item{item.pk}-outcome": "compliant"},
        ).status_code
        == 404
    )
    assert snapshot() == before


# -- one run -------------------------------------------------------------------------------------


def test_the_run_shows_counts_by_severity_and_by_check_and_the_most_serious_first(world):
    run = make_run(
        world["city"], actor=world["admin"],
        findings=[("exclusion_overridden", "info", world["beta"]),
                  ("district_missing", "warning", world["gamma"]),
                  ("uscc_check_digit", "error", world["alpha"]),
                  ("uscc_check_digit", "error", world["beta"])],
    )  # fmt: skip

    body = text(as_user(world["auditor"]).get(url("verification-run-detail", world, pk=run.pk)))

    assert re.search(r'data-severity="error"><span>2</span>', body)
    assert re.search(r'data-severity="warning"><span>1</span>', body)
    assert re.search(r'data-severity="info"><span>1</span>', body)
    codes = body[body.index('data-testid="code-counts"') :].split("</table>")[0]
    assert re.search(r'data-code="uscc_check_digit">.*统一社会信用代码校验位错误.*?>2</td>', codes)
    assert finding_rows(body) == [
        "uscc_check_digit", "uscc_check_digit", "district_missing", "exclusion_overridden",
    ]  # fmt: skip
    assert "甲智造有限公司：uscc_check_digit 的问题" in body
    assert "按营业执照更正统一社会信用代码" in body  # what to fix, beside the finding


def test_each_finding_links_to_the_record_to_fix(world):
    # given: an application, a project with an investment line, an assessment
    application = Application.objects.create(
        city=world["city"], enterprise=world["alpha"], batch=world["batch"], status="approved"
    )
    project, line = make_project(world)
    assessment = AssessmentFactory(city=world["city"], enterprise=world["alpha"])
    alpha = world["alpha"]
    run = make_run(
        world["city"], actor=world["admin"],
        findings=[
            ("uscc_check_digit", "error", alpha, "enterprises.enterprise", alpha.pk),
            ("documents_missing", "error", alpha, "enterprises.application", application.pk),
            ("diagnosis_missing", "error", alpha, "enterprises.project", project.pk),
            ("investment_unevidenced", "error", alpha, "enterprises.investmentline", line.pk),
            ("acceptance_not_locked", "error", alpha, "assessments.assessment", assessment.pk),
            ("claim_amount_mismatch", "error", alpha, "subsidies.subsidyclaim", 4321),
        ],
    )  # fmt: skip

    body = text(as_user(world["admin"]).get(url("verification-run-detail", world, pk=run.pk)))

    links = set(re.findall(r'<a href="([^"]+)" data-testid="fix-link">', body))
    assert links == {
        url("enterprise-detail", world, pk=world["alpha"].pk),
        url("application-detail", world, pk=application.pk),
        url("project-detail", world, pk=project.pk),
        url("project-detail", world, pk=project.pk) + "#investments",
        url("assessment-detail", world, pk=assessment.pk),
        url("subsidy-claim-detail", world, pk=4321),
    }


def test_the_findings_filter_by_severity_check_district_and_enterprise(world):
    run = make_run(
        world["city"], actor=world["admin"],
        findings=[("uscc_check_digit", "error", world["alpha"]),
                  ("uscc_check_digit", "error", world["gamma"]),
                  ("district_missing", "warning", world["beta"]),
                  ("exclusion_overridden", "info", world["gamma"])],
    )  # fmt: skip
    client = as_user(world["admin"])
    page = url("verification-run-detail", world, pk=run.pk)

    def shown(**params):
        body = text(client.get(page, params))
        return sorted(re.findall(r"<td>([甲乙丙]\w+有限公司)<br>", body))

    assert shown(severity="error") == ["丙精工有限公司", "甲智造有限公司"]
    assert shown(code="district_missing") == ["乙科技有限公司"]
    assert shown(district=world["south"].pk) == ["丙精工有限公司", "丙精工有限公司"]
    assert shown(q="精工") == ["丙精工有限公司", "丙精工有限公司"]
    assert shown(q=world["alpha"].uscc) == ["甲智造有限公司"]
    assert shown(severity="error", district=world["north"].pk) == ["甲智造有限公司"]
    assert shown(severity="nonsense") == sorted(["甲智造有限公司", "丙精工有限公司",
                                                 "乙科技有限公司", "丙精工有限公司"])  # fmt: skip
    # the export link carries the same filters
    body = text(client.get(page, {"severity": "error", "q": "精工"}))
    export = url("verification-run-export", world, pk=run.pk)
    assert f'href="{export}?severity=error&amp;q=%E7%B2%BE%E5%B7%A5"' in body


def test_the_findings_table_shows_100_a_page(world):
    run = make_run(world["city"], actor=world["admin"], findings=many_findings(world, 130))
    client = as_user(world["admin"])
    page = url("verification-run-detail", world, pk=run.pk)

    first, second = text(client.get(page)), text(client.get(page, {"page": 2}))

    assert len(finding_rows(first)) == 100 and len(finding_rows(second)) == 30
    assert "1 / 2" in first and "2 / 2" in second


def test_a_district_officer_sees_only_the_district_s_findings(world):
    run = make_run(
        world["city"], actor=world["admin"],
        findings=[("uscc_check_digit", "error", world["alpha"]),
                  ("uscc_check_digit", "error", world["gamma"]),
                  ("district_missing", "warning", None, "", None)],
    )  # fmt: skip

    body = text(as_user(world["district"]).get(url("verification-run-detail", world, pk=run.pk)))

    assert "甲智造有限公司" in body
    assert "丙精工有限公司" not in body and "城市级问题" not in body
    assert re.search(r'data-severity="error"><span>1</span>', body)
    assert re.search(r'data-severity="warning"><span>0</span>', body)
    assert 'name="district"' not in body  # one district: nothing to choose


def test_the_run_compares_with_the_previous_run_of_the_same_scope(world):
    earlier = timezone.now() - timedelta(days=1)
    make_run(  # the same scope before: alpha's and beta's findings
        world["city"], actor=world["admin"], created_at=earlier - timedelta(hours=1),
        findings=[("uscc_check_digit", "error", world["alpha"]),
                  ("district_missing", "warning", world["beta"]),
                  ("uscc_check_digit", "error", world["gamma"])],
    )  # fmt: skip
    previous = make_run(
        world["city"], actor=world["admin"], created_at=earlier,
        findings=[("uscc_check_digit", "error", world["alpha"]),
                  ("district_missing", "warning", world["beta"])],
    )  # fmt: skip
    make_run(  # a batch run in between: another scope, not compared with
        world["city"], actor=world["admin"], batch=world["batch"],
        created_at=earlier + timedelta(hours=1), findings=[],
    )  # fmt: skip
    # beta's warning fixed; gamma's new
    run = make_run(
        world["city"], actor=world["admin"],
        findings=[("uscc_check_digit", "error", world["alpha"]),
                  ("exclusion_overridden", "info", world["gamma"])],
    )  # fmt: skip

    body = text(as_user(world["admin"]).get(url("verification-run-detail", world, pk=run.pk)))

    assert 'data-testid="new-count">+1<' in body
    assert 'data-testid="gone-count">−1<' in body
    assert url("verification-run-detail", world, pk=previous.pk) in body


def test_a_running_run_shows_its_progress_bar_polling_the_run(world):
    job = Job.objects.create(
        city=world["city"], kind="verify_batch", status="running", progress=60,
        started_by=world["admin"],
    )  # fmt: skip
    run = make_run(world["city"], actor=world["admin"], status="running", chunks=(1, 2), job=job)

    body = text(as_user(world["finance"]).get(url("verification-run-detail", world, pk=run.pk)))

    assert 'data-testid="run-progress"' in body and 'data-finished="0"' in body
    assert 'aria-valuenow="60"' in body  # the job's progress, ahead of the chunks' 50
    assert "js/jobs.js" in body
    assert 'data-testid="rerun"' not in body and 'data-testid="sample-form"' not in body


@pytest.mark.parametrize("n", [5, 150])
def test_the_run_costs_the_same_number_of_queries_for_5_and_150_findings(
    world, n, django_assert_max_num_queries
):
    _project, line = make_project(world)
    findings = [
        *many_findings(world, n - 1),
        ("investment_unevidenced", "error", world["alpha"], "enterprises.investmentline", line.pk),
    ]
    make_run(world["city"], actor=world["admin"], findings=findings[:3])  # to compare with
    run = make_run(world["city"], actor=world["admin"], findings=findings)
    make_sample(run, world["admin"], [world["alpha"], world["beta"]])
    client = as_user(world["admin"])
    # session, user, city, memberships, the run (batch, starter, job joined), counts by
    # severity and code, the districts of the filter, the page's count and rows (enterprise and
    # district joined), the investment lines' projects, the previous run, new and gone, the
    # samples
    with django_assert_max_num_queries(14):
        response = client.get(url("verification-run-detail", world, pk=run.pk))
    assert len(finding_rows(text(response))) == min(n, 100)


# -- inspection sampling -------------------------------------------------------------------------


def test_the_auditor_draws_a_sample_and_sees_its_seed(world):
    run = make_run(
        world["city"], actor=world["admin"],
        findings=[("uscc_check_digit", "error", world["alpha"]),
                  ("district_missing", "warning", world["beta"])],
    )  # fmt: skip
    client = as_user(world["auditor"])
    assert 'data-testid="sample-form"' in text(
        client.get(url("verification-run-detail", world, pk=run.pk))
    )

    response = client.post(
        url("verification-sample-draw", world, pk=run.pk), {"size": 2, "seed": 424242}
    )

    sample = InspectionSample.objects.get(run=run)
    assert response.status_code == 302
    assert response["Location"] == url("verification-sample-detail", world, pk=sample.pk)
    assert sample.seed == 424242 and sample.created_by == world["auditor"]
    body = text(client.get(response["Location"]))
    assert 'data-testid="seed">424242<' in body
    ranks = [
        int(pk) for pk in re.findall(r'<tr id="item-\d+" data-item="\d+" data-enterprise="(\d+)"',
                                     body)
    ]  # fmt: skip
    assert ranks == list(sample.items.order_by("rank").values_list("enterprise_id", flat=True))
    assert len(ranks) == 2
    assert body.count('data-testid="outcome-form"') == 2

    # the same seed draws the same enterprises in the same order
    again = client.post(
        url("verification-sample-draw", world, pk=run.pk), {"size": 2, "seed": 424242}
    )
    repeat = InspectionSample.objects.exclude(pk=sample.pk).get(run=run)
    assert again.status_code == 302
    assert list(repeat.items.order_by("rank").values_list("enterprise_id", flat=True)) == list(
        sample.items.order_by("rank").values_list("enterprise_id", flat=True)
    )


def test_a_wrong_sample_size_is_shown_next_to_the_field(world):
    run = make_run(world["city"], actor=world["admin"])
    before = snapshot()

    response = as_user(world["admin"]).post(
        url("verification-sample-draw", world, pk=run.pk), {"size": 0}
    )

    assert response.status_code == 400
    assert 'data-testid="size-error"' in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("role", ["finance", "district"])
def test_only_the_city_admin_and_the_auditor_draw_samples(world, role):
    run = make_run(world["city"], actor=world["admin"])
    before = snapshot()

    response = as_user(world[role]).post(
        url("verification-sample-draw", world, pk=run.pk), {"size": 1}
    )

    assert response.status_code == 403
    assert snapshot() == before


def test_an_inspector_records_the_outcome_and_a_note_is_required_for_issues(world):
    run = make_run(world["city"], actor=world["admin"])
    sample = make_sample(run, world["admin"], [world["alpha"], world["gamma"]])
    item = sample.items.get(rank=1)
    client = as_user(world["auditor"])
    record = url("verification-inspection-record", world, pk=item.pk)
    prefix = f"item{item.pk}"

    # issues without a note: refused, next to the field, nothing changed
    before = snapshot()
    refused = client.post(record, {f"{prefix}-outcome": "issues", f"{prefix}-note": ""})
    assert refused.status_code == 400
    assert "describe what was found" in refused.content.decode()
    assert snapshot() == before

    response = client.post(
        record, {f"{prefix}-outcome": "issues", f"{prefix}-note": "发票与合同金额不符"}
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"#item-{item.pk}")
    item.refresh_from_db()
    assert (item.outcome, item.note, item.recorded_by) == (
        "issues", "发票与合同金额不符", world["auditor"],
    )  # fmt: skip
    body = text(client.get(url("verification-sample-detail", world, pk=sample.pk)))
    assert f'<tr id="item-{item.pk}"' in body and 'data-outcome="issues"' in body


def test_a_district_officer_sees_the_district_s_sampled_enterprises_without_forms(world):
    run = make_run(world["city"], actor=world["admin"])
    sample = make_sample(run, world["admin"], [world["alpha"], world["gamma"]])
    gamma_item = sample.items.get(enterprise=world["gamma"])
    client = as_user(world["district"])

    body = text(client.get(url("verification-sample-detail", world, pk=sample.pk)))

    assert "甲智造有限公司" in body and "丙精工有限公司" not in body
    assert 'data-testid="outcome-form"' not in body
    before = snapshot()
    assert (
        client.post(
            url("verification-inspection-record", world, pk=gamma_item.pk),
            {f"item{gamma_item.pk}-outcome": "compliant"},
        ).status_code
        == 403
    )
    assert snapshot() == before


def test_the_sample_page_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    run = make_run(world["city"], actor=world["admin"])
    sample = make_sample(run, world["admin"], [world["alpha"], world["beta"], world["gamma"]])
    client = as_user(world["admin"])
    # session, user, city, memberships, the sample (run, batch, drawer joined), its items
    # (enterprise, district, recorder joined)
    with django_assert_max_num_queries(6):
        response = client.get(url("verification-sample-detail", world, pk=sample.pk))
    assert text(response).count('data-testid="outcome-form"') == 3


# -- the ministry ----------------------------------------------------------------------------------

# Until pilot_portal/urls.py wires the ministry's page, this module is the test's urlconf: the
# page, then the portal's own URLs.
urlpatterns = [
    path(
        "overview/verification/",
        NationalVerificationPage.as_view(),
        name="national-verification",
    ),
    path("", include("pilot_portal.urls")),
]


@pytest.fixture
def national_url(settings):
    try:
        return reverse("national-verification")
    except NoReverseMatch:
        settings.ROOT_URLCONF = "tests.verification.test_pages"
        return reverse("national-verification")


@pytest.fixture
def ministry(world):
    user = UserFactory(username="ministry-verifier")
    Membership.objects.create(user=user, role="ministry")
    return user


def test_the_ministry_sees_the_latest_run_of_every_city_and_verifies_them_all(
    world, ministry, national_url, django_capture_on_commit_callbacks
):
    make_run(world["city"], actor=world["admin"], created_at=timezone.now() - timedelta(days=1))
    latest = make_run(
        world["city"], actor=world["admin"],
        findings=[("uscc_check_digit", "error", world["alpha"])],
    )  # fmt: skip
    client = as_user(ministry)

    body = text(client.get(national_url))

    row = body[body.index(f'data-city="{world["city"].code}"') :].split("</tr>")[0]
    assert f"#{latest.pk}" in row and 'data-count="error">1<' in row
    other = body[body.index(f'data-city="{world["other_city"].code}"') :].split("</tr>")[0]
    assert "Never verified" in other or "从未核查" in other or "尚未核查" in other

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(national_url)

    assert response.status_code == 302
    assert VerificationRun.objects.filter(city=world["other_city"]).count() == 1
    assert VerificationRun.objects.filter(city=world["city"]).count() == 3


def test_a_city_admin_does_not_open_the_national_page(world, national_url):
    before = snapshot()
    client = as_user(world["admin"])

    assert client.get(national_url).status_code == 403
    assert client.post(national_url).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("runs", [1, 6])
def test_the_national_page_costs_the_same_number_of_queries_for_1_and_6_runs_per_city(
    world, ministry, national_url, runs, django_assert_max_num_queries
):
    for city in (world["city"], world["other_city"]):
        for i in range(runs):
            make_run(city, actor=world["admin"], status="running" if i == runs - 1 else "succeeded")
    client = as_user(ministry)
    # session, user, memberships, the cities with their latest run's id, those runs (batch,
    # starter and job joined), the running ones' counts grouped
    with django_assert_max_num_queries(6):
        response = client.get(national_url)
    assert text(response).count('data-testid="run-progress"') >= 2


def test_the_ministry_reads_a_city_s_run_without_its_buttons(world, ministry):
    run = make_run(
        world["city"], actor=world["admin"],
        findings=[("uscc_check_digit", "error", world["gamma"])],
    )  # fmt: skip

    body = text(as_user(ministry).get(url("verification-run-detail", world, pk=run.pk)))

    assert "丙精工有限公司" in body
    for button in ("rerun", "summary", "sample-form"):
        assert f'data-testid="{button}"' not in body
