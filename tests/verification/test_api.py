"""The verification API: runs (list, start, one run with its counts), findings with filters,
inspection samples and outcomes; 403 for a role that may not, 404 for another city's ids, lists
at a fixed number of queries."""

import pytest
from rest_framework.test import APIClient

from enterprises.models import Application
from pilot_portal.jobs.models import Job
from pilot_portal.verification.models import InspectionItem, InspectionSample, VerificationRun
from tests.verification.pages_helpers import make_run, make_sample, many_findings, pages_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return pages_world()


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def url(world, tail="", city=None) -> str:
    return f"/api/v1/cities/{(city or world['city']).code}/{tail}"


def snapshot() -> tuple:
    return (
        VerificationRun.objects.count(),
        Job.objects.count(),
        InspectionSample.objects.count(),
        list(InspectionItem.objects.values_list("outcome", "note").order_by("pk")),
    )


@pytest.fixture
def run(world):
    return make_run(
        world["city"], actor=world["admin"],
        findings=[("exclusion_overridden", "info", world["beta"]),
                  ("uscc_check_digit", "error", world["alpha"]),
                  ("district_missing", "warning", world["gamma"]),
                  ("uscc_check_digit", "error", world["gamma"])],
    )  # fmt: skip


# -- runs ------------------------------------------------------------------------------------------


def test_it_lists_the_city_s_runs_with_their_counts(world, run):
    running = make_run(world["city"], actor=world["admin"], status="running", chunks=(1, 4))
    make_run(world["other_city"], actor=world["other_admin"])

    response = api(world["auditor"]).get(url(world, "verification-runs/"))

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == [running.pk, run.pk]
    assert results[0]["status"] == "running" and results[0]["progress"] == 25
    assert results[1]["counts"] == {"error": 2, "warning": 1, "info": 1}
    assert results[1]["progress"] == 100 and results[1]["batch"] is None
    assert results[1]["started_by"] == world["admin"].username


def test_a_district_officer_s_counts_are_the_district_s(world, run):
    response = api(world["district"]).get(url(world, f"verification-runs/{run.pk}/"))

    assert response.status_code == 200
    assert response.json()["counts"] == {"error": 1, "warning": 0, "info": 1}


@pytest.mark.parametrize("n", [2, 10])
def test_the_run_list_costs_the_same_number_of_queries_for_2_and_10_runs(
    world, n, django_assert_max_num_queries
):
    for i in range(n):
        make_run(
            world["city"], actor=world["admin"], status="running" if i % 2 else "succeeded",
            findings=[("uscc_check_digit", "error", world["alpha"], "", None, {"i": i})],
        )  # fmt: skip
    client = api(world["admin"])
    # session, user, city, memberships, count, the page (batch, starter, job joined), the
    # running runs' counts
    with django_assert_max_num_queries(7):
        response = client.get(url(world, "verification-runs/"))
    assert response.json()["count"] == n


def test_the_city_admin_starts_a_run_of_a_batch(world, django_capture_on_commit_callbacks):
    Application.objects.create(
        city=world["city"], enterprise=world["beta"], batch=world["batch"], status="approved"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = api(world["admin"]).post(
            url(world, "verification-runs/"), {"batch": world["batch"].pk}, format="json"
        )

    assert response.status_code == 202
    body = response.json()
    run = VerificationRun.objects.get(pk=body["id"])
    assert (run.city, run.batch, run.enterprise_count) == (world["city"], world["batch"], 1)
    assert body["batch"] == world["batch"].pk and body["batch_name"] == "第一批"
    assert set(body["counts"]) == {"error", "warning", "info"}


def test_starting_with_another_city_s_batch_is_a_400_naming_the_field(world):
    theirs = world["other_city"].batches.create(
        name="他市批次", year=2025, opens="2025-01-01", closes="2025-06-30"
    )
    before = snapshot()

    response = api(world["admin"]).post(
        url(world, "verification-runs/"), {"batch": theirs.pk}, format="json"
    )

    assert response.status_code == 400
    assert "batch" in response.json()
    assert snapshot() == before


def test_a_second_start_of_the_same_scope_is_a_409(world):
    make_run(world["city"], actor=world["admin"], status="running", chunks=(0, 2))
    before = snapshot()

    response = api(world["admin"]).post(url(world, "verification-runs/"), {}, format="json")

    assert response.status_code == 409
    assert snapshot() == before


@pytest.mark.parametrize("role", ["auditor", "finance", "district"])
def test_only_the_city_admin_starts_a_run(world, role):
    before = snapshot()

    response = api(world[role]).post(url(world, "verification-runs/"), {}, format="json")

    assert response.status_code == 403
    assert snapshot() == before


def test_the_run_detail_has_counts_by_code_and_the_comparison(world, run):
    later = make_run(
        world["city"], actor=world["admin"],
        findings=[("uscc_check_digit", "error", world["alpha"])],
    )  # fmt: skip

    response = api(world["admin"]).get(url(world, f"verification-runs/{later.pk}/"))

    body = response.json()
    assert body["counts"] == {"error": 1, "warning": 0, "info": 0}
    assert body["by_code"] == [
        {"code": "uscc_check_digit", "severity": "error", "count": 1,
         "title": "统一社会信用代码校验位错误"},
    ]  # fmt: skip
    assert body["comparison"] == {"previous": run.pk, "new": 0, "gone": 3}
    assert body["samples"] == []


# -- findings --------------------------------------------------------------------------------------


def test_the_findings_filter_by_severity_code_and_enterprise(world, run):
    client = api(world["admin"])
    findings = url(world, f"verification-runs/{run.pk}/findings/")

    def codes(**params):
        response = client.get(findings, params)
        assert response.status_code == 200, response.content
        return [(f["code"], f["enterprise"]["name"]) for f in response.json()["results"]]

    assert codes() == [
        ("uscc_check_digit", "丙精工有限公司"), ("uscc_check_digit", "甲智造有限公司"),
        ("district_missing", "丙精工有限公司"), ("exclusion_overridden", "乙科技有限公司"),
    ]  # fmt: skip
    assert codes(severity="warning") == [("district_missing", "丙精工有限公司")]
    assert codes(code="uscc_check_digit", enterprise=world["alpha"].pk) == [
        ("uscc_check_digit", "甲智造有限公司")
    ]
    assert client.get(findings, {"severity": "fatal"}).status_code == 400


def test_a_finding_carries_its_messages_and_the_page_of_its_record(world, run):
    response = api(world["admin"]).get(
        url(world, f"verification-runs/{run.pk}/findings/"), {"enterprise": world["alpha"].pk}
    )

    (finding,) = response.json()["results"]
    assert finding["message_zh"] == "甲智造有限公司：uscc_check_digit 的问题"
    assert finding["message_en"] == "甲智造有限公司: a uscc_check_digit problem"
    assert finding["object_type"] == "enterprises.enterprise"
    assert finding["object_id"] == world["alpha"].pk
    assert finding["record_url"] == f"/c/{world['city'].code}/enterprises/{world['alpha'].pk}/"
    assert finding["enterprise"]["uscc"] == world["alpha"].uscc


def test_a_district_officer_gets_only_the_district_s_findings(world, run):
    response = api(world["district"]).get(url(world, f"verification-runs/{run.pk}/findings/"))

    names = {f["enterprise"]["name"] for f in response.json()["results"]}
    assert names == {"甲智造有限公司", "乙科技有限公司"}


@pytest.mark.parametrize("n", [3, 40])
def test_the_findings_cost_the_same_number_of_queries_for_3_and_40(
    world, n, django_assert_max_num_queries
):
    run = make_run(world["city"], actor=world["admin"], findings=many_findings(world, n))
    client = api(world["finance"])
    # session, user, city, memberships, the run, count, the page (enterprise, district joined)
    with django_assert_max_num_queries(7):
        response = client.get(url(world, f"verification-runs/{run.pk}/findings/"))
    assert response.json()["count"] == n


# -- samples and outcomes --------------------------------------------------------------------------


def test_the_auditor_draws_a_sample_with_a_seed_and_records_an_outcome(world, run):
    client = api(world["auditor"])

    response = client.post(
        url(world, f"verification-runs/{run.pk}/samples/"), {"size": 2, "seed": 7}, format="json"
    )

    assert response.status_code == 201
    sample = response.json()
    assert (sample["seed"], sample["size"], sample["run"]) == (7, 2, run.pk)
    assert [item["rank"] for item in sample["items"]] == [1, 2]
    again = client.get(url(world, f"verification-samples/{sample['id']}/")).json()
    assert again["items"] == sample["items"]
    listed = client.get(url(world, f"verification-runs/{run.pk}/samples/")).json()
    assert [(s["id"], s["seed"], s["items"]) for s in listed] == [(sample["id"], 7, 2)]

    item = sample["items"][0]
    recorded = client.post(
        item["outcome_url"], {"outcome": "fraud", "note": "虚开发票"}, format="json"
    )

    assert recorded.status_code == 200
    row = next(i for i in recorded.json()["items"] if i["id"] == item["id"])
    assert (row["outcome"], row["note"], row["recorded_by"]) == (
        "fraud", "虚开发票", world["auditor"].username,
    )  # fmt: skip


def test_a_bad_outcome_is_a_400_and_changes_nothing(world, run):
    sample = make_sample(run, world["admin"], [world["alpha"]])
    item = sample.items.get()
    before = snapshot()
    client = api(world["admin"])
    outcome = url(world, f"inspection-items/{item.pk}/outcome/")

    assert client.post(outcome, {"outcome": "maybe"}, format="json").status_code == 400
    refused = client.post(outcome, {"outcome": "issues"}, format="json")
    assert refused.status_code == 400 and "note" in refused.json()
    assert snapshot() == before


@pytest.mark.parametrize("role", ["finance", "district"])
def test_only_the_city_admin_and_the_auditor_sample_and_record(world, run, role):
    sample = make_sample(run, world["admin"], [world["alpha"]])
    item = sample.items.get()
    client = api(world[role])
    before = snapshot()

    assert (
        client.post(
            url(world, f"verification-runs/{run.pk}/samples/"), {"size": 1}, format="json"
        ).status_code
        == 403
    )
    assert client.post(
        url(world, f"inspection-items/{item.pk}/outcome/"), {"outcome": "compliant"},
        format="json",
    ).status_code == 403  # fmt: skip
    assert snapshot() == before
    assert client.get(url(world, f"verification-samples/{sample.pk}/")).status_code == 200


def test_an_enterprise_may_not_read_verification(world, run):
    client = api(world["owner"])

    assert client.get(url(world, "verification-runs/")).status_code == 403
    assert client.get(url(world, f"verification-runs/{run.pk}/findings/")).status_code == 403


def test_another_city_s_ids_are_not_found(world):
    theirs = make_run(
        world["other_city"], actor=world["other_admin"],
        findings=[("uscc_check_digit", "error", world["other_enterprise"])],
    )  # fmt: skip
    sample = make_sample(theirs, world["other_admin"], [world["other_enterprise"]])
    item = sample.items.get()
    client = api(world["admin"])
    before = snapshot()

    tails = [
        f"verification-runs/{theirs.pk}/",
        f"verification-runs/{theirs.pk}/findings/",
        f"verification-runs/{theirs.pk}/samples/",
        f"verification-samples/{sample.pk}/",
    ]
    for tail in tails:
        assert client.get(url(world, tail)).status_code == 404, tail
    assert (
        client.post(
            url(world, f"verification-runs/{theirs.pk}/samples/"), {"size": 1}, format="json"
        ).status_code
        == 404
    )
    assert client.post(
        url(world, f"inspection-items/{item.pk}/outcome/"), {"outcome": "compliant"},
        format="json",
    ).status_code == 404  # fmt: skip
    # and city B's URL itself, for a member of city A only
    assert client.get(url(world, "verification-runs/", city=world["other_city"])).status_code == 404
    assert snapshot() == before


def test_no_credentials_is_a_401(world, run):
    assert APIClient().get(url(world, "verification-runs/")).status_code == 401
