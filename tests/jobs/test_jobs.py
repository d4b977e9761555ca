"""Jobs: started through the API and the page, run (eagerly here), followed, downloaded."""

from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook
from rest_framework.test import APIClient

from pilot_portal.documents.models import Document
from pilot_portal.jobs.models import Job
from pilot_portal.jobs.services import job_run
from tests.factories import DEMO_DOCUMENTS

pytestmark = pytest.mark.django_db


def api_as(username):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username=username))
    return client


def start(client, city, kind, capture):
    with capture(execute=True):
        return client.post(f"/api/v1/cities/{city}/jobs/", {"kind": kind}, format="json")


def test_it_exports_the_city_to_xlsx(demo, django_capture_on_commit_callbacks):
    client = api_as("shenyang-city_admin")

    response = start(client, "shenyang", "city_export", django_capture_on_commit_callbacks)

    assert response.status_code == 202
    job = client.get(f"/api/v1/cities/shenyang/jobs/{response.json()['id']}/").json()
    assert job["status"] == "succeeded"
    assert job["progress"] == 100
    assert job["result"]["rows"]["区县"] == 13
    download = client.get(job["file_url"])
    assert download.status_code == 200
    workbook = load_workbook(BytesIO(b"".join(download.streaming_content)))
    assert workbook.sheetnames == ["城市", "区县", "细分行业", "批次", "企业"]
    sectors = [row[1] for row in workbook["细分行业"].iter_rows(min_row=2, values_only=True)]
    assert "汽车零部件及配件制造" in sectors
    assert workbook["企业"].max_row == 1 + 8


def test_it_refuses_an_unknown_kind_and_creates_nothing(demo):
    response = api_as("shenyang-city_admin").post(
        "/api/v1/cities/shenyang/jobs/", {"kind": "mine_bitcoin"}, format="json"
    )

    assert response.status_code == 400
    assert "unknown job kind" in response.json()["kind"][0]
    assert Job.objects.count() == 0


@pytest.mark.parametrize("username", ["shenyang-enterprise", "ministry", "liaoning-province"])
def test_it_refuses_a_role_that_may_not_start_jobs(demo, username):
    # enterprises don't export the city; ministry and province users only read
    response = api_as(username).post(
        "/api/v1/cities/shenyang/jobs/", {"kind": "city_export"}, format="json"
    )

    assert response.status_code == 403
    assert Job.objects.count() == 0


def test_it_hides_another_city_s_job(demo, django_capture_on_commit_callbacks):
    job_id = start(
        api_as("shenyang-city_admin"), "shenyang", "city_export", django_capture_on_commit_callbacks
    ).json()["id"]
    job = Job.objects.get(pk=job_id)
    xiamen = api_as("xiamen-city_admin")

    assert xiamen.get(f"/api/v1/cities/xiamen/jobs/{job_id}/").status_code == 404
    assert xiamen.get(f"/api/v1/cities/shenyang/jobs/{job_id}/").status_code == 404
    assert (
        xiamen.get(f"/api/v1/cities/xiamen/documents/{job.document_id}/download/").status_code
        == 404
    )


def test_members_see_their_own_jobs_and_overseers_see_all(demo, django_capture_on_commit_callbacks):
    start(
        api_as("xiamen-finance_officer"),
        "xiamen",
        "city_export",
        django_capture_on_commit_callbacks,
    )
    start(api_as("xiamen-auditor"), "xiamen", "city_export", django_capture_on_commit_callbacks)

    def count(username):
        return api_as(username).get("/api/v1/cities/xiamen/jobs/").json()["count"]

    assert count("xiamen-finance_officer") == 1
    assert count("xiamen-expert") == 0
    assert count("xiamen-city_admin") == 2
    assert count("ministry") == 2


def test_running_a_job_twice_produces_one_file(demo, django_capture_on_commit_callbacks):
    job_id = start(
        api_as("xiamen-city_admin"), "xiamen", "city_export", django_capture_on_commit_callbacks
    ).json()["id"]

    job_run(job_id=job_id)  # a redelivered task

    assert Document.objects.exclude(purpose__in=DEMO_DOCUMENTS).count() == 1
    assert Job.objects.get(pk=job_id).attempts == 1


def test_a_failing_job_records_its_error(demo, monkeypatch, django_capture_on_commit_callbacks):
    from pilot_portal.reporting import selectors

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(selectors, "city_export_sheets", broken)

    response = start(
        api_as("xiamen-city_admin"), "xiamen", "city_export", django_capture_on_commit_callbacks
    )

    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == "failed"
    assert "disk full" in job.error
    assert job.document is None


def test_the_job_list_runs_a_fixed_number_of_queries(demo, django_assert_max_num_queries):
    from pilot_portal.tenancy.models import City
    from tests.factories import JobFactory

    JobFactory.create_batch(30, city=City.objects.get(code="xinxiang"))
    client = api_as("xinxiang-city_admin")

    # city, memberships, count, page of jobs with starter and document
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/cities/xinxiang/jobs/")
    assert response.json()["count"] == 30


def test_the_page_starts_a_job_and_shows_its_progress(
    demo, client, django_capture_on_commit_callbacks
):
    client.force_login(get_user_model().objects.get(username="xinxiang-city_admin"))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/c/xinxiang/jobs/", {"kind": "city_export"})

    job = Job.objects.get()
    assert response.url == f"/c/xinxiang/jobs/{job.pk}/"
    page = client.get(response.url).content.decode()
    assert 'data-status="succeeded"' in page
    assert f"/c/xinxiang/documents/{job.document_id}/download/" in page
    download = client.get(f"/c/xinxiang/documents/{job.document_id}/download/")
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_job_list_page_runs_a_fixed_number_of_queries(
    demo, client, django_assert_max_num_queries
):
    from pilot_portal.tenancy.models import City
    from tests.factories import JobFactory

    JobFactory.create_batch(25, city=City.objects.get(code="xinxiang"))
    client.force_login(get_user_model().objects.get(username="xinxiang-auditor"))

    # session, user, city, memberships, count, page of jobs with starter and document
    with django_assert_max_num_queries(6):
        assert client.get("/c/xinxiang/jobs/").status_code == 200


def test_beat_requeues_jobs_a_broker_lost(demo, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from pilot_portal.celery import app
    from pilot_portal.jobs.tasks import requeue_stale_jobs
    from pilot_portal.tenancy.models import City
    from tests.factories import JobFactory

    stale = JobFactory(city=City.objects.get(code="xiamen"))
    Job.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(hours=2))

    assert requeue_stale_jobs() == 1
    assert Job.objects.get(pk=stale.pk).status == "succeeded"
    assert "requeue-stale-jobs" in app.conf.beat_schedule
