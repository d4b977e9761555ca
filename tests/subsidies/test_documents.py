"""Subsidy documents as PDF jobs: the approval notice of an enterprise (or one claim) and the
disbursement list of a publicity (or of every claim still to pay), in Chinese with extractable
text; only the claims the starter sees, never another city's."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import subsidies.document_job_kinds  # noqa: F401  (registers the kinds, as subsidies.job_kinds will)
from pilot_portal.errors import InvalidInput, NotAllowed
from pilot_portal.jobs.models import Job
from pilot_portal.jobs.services import job_start
from subsidies import documents, publicity
from tests.subsidies.publicity_helpers import (
    DIAGNOSIS_ZH,
    TRANSFORMATION_ZH,
    build_world,
    make_claim,
    pdf_text,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def run(capture, start) -> Job:
    with capture(execute=True):
        job = start()
    job.refresh_from_db()
    return job


def text_of(job) -> str:
    assert job.status == "succeeded", job.error
    return pdf_text(job.document.file.path)


def compact(text: str) -> str:
    return "".join(text.split())


# -- the approval notice ---------------------------------------------------------------------


def test_the_approval_notice_lists_the_enterprise_s_approved_claims(
    world, django_capture_on_commit_callbacks
):
    # given: two approved claims (one in two instalments), one still computed, a neighbour's
    make_claim(
        world["city"], enterprise=world["enterprise"], amount="500000.00",
        approved_by=world["admin"],
        explanation_zh="合规投资额 1200000.00 元 × 50% = 600000.00 元，封顶 500000.00 元",
        instalments=[
            {"no": 1, "share": "0.6", "amount": "300000.00"},
            {"no": 2, "share": "0.4", "amount": "200000.00"},
        ],
    )  # fmt: skip
    make_claim(
        world["city"], enterprise=world["enterprise"], kind="diagnosis", amount="20000.00",
        approved_by=world["admin"], explanation_zh="诊断服务费 40000.00 元 × 50%",
    )  # fmt: skip
    make_claim(world["city"], enterprise=world["enterprise"], amount="77777.00", status="computed")
    make_claim(world["city"], enterprise=world["neighbour"], amount="88888.00")

    # when
    job = run(
        django_capture_on_commit_callbacks,
        lambda: documents.notice_start(
            actor=world["finance"], city=world["city"], enterprise=world["enterprise"]
        ),
    )

    # then
    text = text_of(job)
    flat = compact(text)
    assert "补助核定通知书" in flat and "沈阳精密机械有限公司" in flat
    assert world["enterprise"].uscc in text
    assert TRANSFORMATION_ZH in flat and DIAGNOSIS_ZH in flat
    assert "500,000.00" in text and "20,000.00" in text and "520,000.00" in text  # the total
    assert "封顶500000.00元" in flat  # the explanation
    assert "300,000.00" in text and "200,000.00" in text and "60%" in text  # the instalments
    assert "王核定" in flat  # who approved
    assert timezone.localdate().strftime("%Y-%m-%d") in text
    assert "77,777.00" not in text and "88,888.00" not in text
    assert job.result["approved"] == "520000.00" and len(job.result["claims"]) == 2
    assert job.document.name.endswith(".pdf") and "补助核定通知书" in job.document.name


def test_the_notice_of_one_claim_serves_a_provider_too(world, django_capture_on_commit_callbacks):
    claim = make_claim(
        world["city"], provider=world["provider"], kind="diagnosis", amount="45000.00"
    )

    job = run(
        django_capture_on_commit_callbacks,
        lambda: documents.notice_start(actor=world["admin"], city=world["city"], claim=claim),
    )

    flat = compact(text_of(job))
    assert "新松数字科技有限公司" in flat and "45,000.00" in flat and DIAGNOSIS_ZH in flat


def test_no_notice_without_an_approved_claim_the_starter_sees(world):
    make_claim(world["city"], enterprise=world["enterprise"], status="computed")
    foreign = make_claim(world["other_city"], enterprise=world["other_enterprise"])
    neighbour = make_claim(world["city"], enterprise=world["neighbour"])

    def refused(actor, **target):
        with pytest.raises((InvalidInput, NotAllowed)) as error:
            documents.notice_start(actor=actor, city=world["city"], **target)
        return error.value

    assert refused(world["admin"], enterprise=world["enterprise"]).field == "enterprise"
    assert refused(world["admin"], enterprise=world["other_enterprise"]).field == "enterprise"
    assert refused(world["admin"], claim=foreign).field == "claim"
    assert refused(world["officer"], claim=neighbour).field == "claim"  # another district
    assert isinstance(refused(world["owner"], enterprise=world["enterprise"]), NotAllowed)
    assert not Job.objects.filter(city=world["city"], kind=documents.NOTICE_JOB).exists()


def test_a_job_started_with_another_city_s_ids_fails_and_shows_nothing(
    world, django_capture_on_commit_callbacks
):
    foreign = make_claim(world["other_city"], enterprise=world["other_enterprise"])

    job = run(
        django_capture_on_commit_callbacks,
        lambda: job_start(
            city=world["city"], kind=documents.NOTICE_JOB, params={"claim": foreign.pk},
            actor=world["admin"],
        ),
    )  # fmt: skip

    assert job.status == "failed" and job.document is None
    assert "厦门远方科技" not in job.error


# -- the disbursement list -------------------------------------------------------------------


def test_the_disbursement_list_of_a_publicity(world, django_capture_on_commit_callbacks):
    # given: a publicity of two claims, one partly paid; a claim not on it
    partly = make_claim(
        world["city"], enterprise=world["enterprise"], amount="500000.00",
        status="partially_paid", paid=[("300000.00", "ICBC20250301001")],
    )  # fmt: skip
    fresh = make_claim(
        world["city"], provider=world["provider"], kind="diagnosis", amount="45000.00"
    )
    make_claim(world["city"], enterprise=world["neighbour"], amount="88888.00")
    today = timezone.localdate()
    published = publicity.publicity_create(
        actor=world["admin"], city=world["city"], title="2025年第一批补助公示", starts_on=today,
        ends_on=today + timedelta(days=5), contact="x", claims=[partly.pk, fresh.pk],
    )  # fmt: skip

    # when
    job = run(
        django_capture_on_commit_callbacks,
        lambda: documents.list_start(
            actor=world["finance"], city=world["city"], publicity=published
        ),
    )

    # then
    text = text_of(job)
    flat = compact(text)
    assert "资金拨付清单" in flat and "2025年第一批补助公示" in flat
    assert "沈阳精密机械有限公司" in flat and "新松数字科技有限公司" in flat
    assert world["enterprise"].uscc in text and world["provider"].uscc in text
    assert "ICBC20250301001" in text
    assert "300,000.00" in text and "200,000.00" in text  # paid, remaining
    assert "545,000.00" in text and "245,000.00" in text  # totals approved, remaining
    assert "沈阳重工装备" not in flat and "88,888.00" not in text
    assert job.result == {
        "publicity": published.pk, "claims": 2, "approved": "545000.00", "paid": "300000.00",
        "remaining": "245000.00",
    }  # fmt: skip


def test_the_city_wide_list_has_every_claim_still_to_pay(world, django_capture_on_commit_callbacks):
    make_claim(world["city"], enterprise=world["enterprise"], amount="500000.00")
    make_claim(world["city"], enterprise=world["neighbour"], amount="150000.00")
    make_claim(world["city"], provider=world["provider"], amount="99999.00", status="computed")
    make_claim(
        world["city"], provider=world["provider"], amount="12345.00", status="paid",
        paid=[("12345.00", "PAID-IN-FULL")],
    )  # fmt: skip
    make_claim(world["other_city"], enterprise=world["other_enterprise"], amount="66666.00")

    job = run(
        django_capture_on_commit_callbacks,
        lambda: documents.list_start(actor=world["finance"], city=world["city"]),
    )

    text = text_of(job)
    flat = compact(text)
    assert "沈阳精密机械有限公司" in flat and "沈阳重工装备有限公司" in flat
    assert "650,000.00" in text
    assert "99,999.00" not in text and "PAID-IN-FULL" not in text and "66,666.00" not in text
    assert "厦门远方科技" not in flat


def test_a_district_officer_s_list_has_only_the_district(world, django_capture_on_commit_callbacks):
    make_claim(world["city"], enterprise=world["enterprise"], amount="500000.00")
    make_claim(world["city"], enterprise=world["neighbour"], amount="150000.00")

    job = run(
        django_capture_on_commit_callbacks,
        lambda: documents.list_start(actor=world["officer"], city=world["city"]),
    )

    flat = compact(text_of(job))
    assert "沈阳精密机械有限公司" in flat and "沈阳重工装备有限公司" not in flat


def test_another_city_s_publicity_is_refused(world):
    other = publicity.Publicity.objects.create(
        city=world["other_city"], title="他市公示", starts_on=timezone.localdate(),
        ends_on=timezone.localdate(), published_by=world["other_admin"],
    )  # fmt: skip

    with pytest.raises(InvalidInput) as refused:
        documents.list_start(actor=world["admin"], city=world["city"], publicity=other.pk)

    assert refused.value.field == "publicity"
    assert not Job.objects.filter(city=world["city"], kind=documents.LIST_JOB).exists()


# -- the documents page ----------------------------------------------------------------------


def test_the_documents_page_starts_the_jobs(world, django_capture_on_commit_callbacks):
    make_claim(world["city"], enterprise=world["enterprise"], amount="500000.00")
    client = Client()
    client.force_login(world["admin"])
    page_url = reverse("subsidy-documents", kwargs={"city_code": world["city"].code})

    page = client.get(page_url)
    with django_capture_on_commit_callbacks(execute=True):
        notice = client.post(page_url, {"document": "notice", "enterprise": world["enterprise"].pk})
        listed = client.post(page_url, {"document": "list", "publicity": ""})
    refused = client.post(page_url, {"document": "notice", "enterprise": world["neighbour"].pk})

    assert page.status_code == 200 and "沈阳精密机械有限公司" in page.content.decode()
    jobs = list(Job.objects.filter(city=world["city"]).order_by("pk"))
    assert [j.kind for j in jobs] == [documents.NOTICE_JOB, documents.LIST_JOB]
    assert all(j.status == "succeeded" for j in jobs), [j.error for j in jobs]
    assert notice.status_code == 302 and notice["Location"].endswith(f"/jobs/{jobs[0].pk}/")
    assert listed.status_code == 302
    assert refused.status_code == 400
    assert (
        client.get(
            reverse("subsidy-documents", kwargs={"city_code": world["other_city"].code})
        ).status_code
        == 404
    )
