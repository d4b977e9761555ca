"""The PDF summary of a run (a job): counts, the checks that found the most, the findings table
cut sensibly, the latest sample with its seed, in Chinese with extractable text; only what the
starter sees; started from the run's page."""

import pytest
from django.test import Client
from django.urls import reverse

from pilot_portal.errors import NotAllowed
from pilot_portal.jobs.models import Job
from pilot_portal.tenancy.models import Membership
from pilot_portal.verification import (
    report_job_kinds,  # noqa: F401  (registers the kind)
    reports,
)
from tests.documents.test_pdf import pdftotext
from tests.factories import UserFactory
from tests.verification.pages_helpers import make_run, make_sample, many_findings, pages_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return pages_world()


@pytest.fixture
def run(world):
    return make_run(
        world["city"], actor=world["admin"], batch=world["batch"],
        findings=[("exclusion_overridden", "info", world["beta"]),
                  ("uscc_check_digit", "error", world["alpha"]),
                  ("district_missing", "warning", world["gamma"]),
                  ("uscc_check_digit", "error", world["gamma"])],
    )  # fmt: skip


def summary(capture, user, run) -> Job:
    with capture(execute=True):
        job = reports.summary_start(actor=user, run=run)
    job.refresh_from_db()
    return job


def text_of(job) -> str:
    assert job.status == "succeeded", job.error
    return "".join(pdftotext(job.document.file.path).split())


def test_the_summary_reads_the_counts_the_top_checks_the_findings_and_the_sample(
    world, run, django_capture_on_commit_callbacks
):
    make_sample(run, world["admin"], [world["gamma"], world["alpha"]], seed=987654321)

    job = summary(django_capture_on_commit_callbacks, world["auditor"], run)

    text = text_of(job)
    assert "核查市批量核查结果摘要" in text
    assert f"核查#{run.pk}" in text and "范围：第一批" in text
    assert "错误警告提示合计" in text and "2114" in text  # 2 errors, 1 warning, 1 info, 4
    assert "统一社会信用代码校验位错误uscc_check_digit2" in text
    assert "甲智造有限公司：uscc_check_digit的问题" in text
    assert "丙精工有限公司：district_missing的问题" in text
    assert "随机种子987654321" in text
    assert "2个错误" in text  # the drawn enterprises' reasons
    assert job.result == {
        "run": run.pk, "error": 2, "warning": 1, "info": 1, "listed": 4,
    }  # fmt: skip
    assert job.document.name.endswith(".pdf") and "核查结果摘要" in job.document.name


def test_a_long_table_is_cut_and_says_how_many_more(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(reports, "TABLE_LIMIT", 5)
    run = make_run(world["city"], actor=world["admin"], findings=many_findings(world, 12))

    job = summary(django_capture_on_commit_callbacks, world["admin"], run)

    text = text_of(job)
    assert "仅列出最严重的前5条，另有7条未列出" in text
    assert job.result["listed"] == 5
    assert "提示" in text and "exclusion_overridden" in text  # still counted by check


def test_a_district_officer_s_summary_has_only_the_district_s_findings(
    world, run, django_capture_on_commit_callbacks
):
    job = summary(django_capture_on_commit_callbacks, world["district"], run)

    text = text_of(job)
    assert "甲智造有限公司" in text and "乙科技有限公司" in text
    assert "丙精工有限公司" not in text
    assert job.result["error"] == 1 and job.result["warning"] == 0


def test_oversight_and_enterprises_may_not_start_it(world, run):
    ministry = UserFactory(username="ministry-pdf")
    Membership.objects.create(user=ministry, role="ministry")
    before = Job.objects.count()

    for user in (ministry, world["owner"]):
        with pytest.raises(NotAllowed):
            reports.summary_start(actor=user, run=run)
    assert Job.objects.count() == before


def test_the_run_s_page_starts_it_and_goes_to_the_job(
    world, run, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(world["finance"])
    page = reverse(
        "verification-run-detail", kwargs={"city_code": world["city"].code, "pk": run.pk}
    )
    assert 'data-testid="summary"' in client.get(page).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(
                "verification-run-summary", kwargs={"city_code": world["city"].code, "pk": run.pk}
            )
        )

    job = Job.objects.get(kind="verification_summary")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "job-detail", kwargs={"city_code": world["city"].code, "pk": job.pk}
    )
    assert job.params == {"run": run.pk} and job.started_by == world["finance"]
    assert job.status == "succeeded"
