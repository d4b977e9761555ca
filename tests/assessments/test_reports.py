"""Assessment reports: Chinese PDFs with extractable text, made by jobs, only for those who
may see the assessment; a batch's acceptance reports as one zip with progress."""

import io
import json
import subprocess
import zipfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import reports, services
from assessments.charts import Series, bar_chart
from enterprises.models import Application
from enterprises.projects.models import Project
from pilot_portal.jobs.models import Job
from tests.assessments.conftest import best_answers, scenes_at
from tests.documents.test_pdf import pdftotext
from tests.factories import (
    BatchFactory,
    EnterpriseFactory,
    MembershipFactory,
    ProviderFactory,
    SectorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
WEAK_SCENES = ("product_design", "hr")  # judged at level 1: the demand scenarios


def diagnosis_answers(template) -> dict:
    """Full marks but for two questions left at zero: network (8) and equipment digitisation (6),
    so the total is 86.00 and 数字化基础 36.00 of 50."""
    answers = best_answers(template)
    answers["network"] = ["a"]  # 无 (exclusive)
    answers["equipment_digitisation"] = "a"  # [0-10%]
    return answers


def diagnosis_scenes(template) -> dict:
    """Every scene at level 3 but two at level 1: 14 at ≥ 3, nine of them constraint scenes,
    none at 4 — level 3 (level 4 would need ten scenes at level 4)."""
    scenes = scenes_at(template, 3)
    scenes.update(dict.fromkeys(WEAK_SCENES, 1))
    return scenes


def lock(assessment, city_admin):
    return services.assessment_transition(city_admin, assessment, "lock")


def make_project(enterprise, title="智能产线改造项目"):
    today = timezone.localdate()
    return Project.objects.create(
        city=enterprise.city, enterprise=enterprise, provider=ProviderFactory(name="新松数字科技"),
        title=title, contract_amount=Decimal("300000.00"), planned_start=today - timedelta(90),
        planned_end=today + timedelta(30), status="completed", created_by=UserFactory(),
    )  # fmt: skip


@pytest.fixture
def diagnosis(make_assessment, template_2024, city_admin):
    assessment = make_assessment(
        answers=diagnosis_answers(template_2024),
        scenes=diagnosis_scenes(template_2024),
        complete=True,
        findings="设备台账仍靠纸质记录\n质检数据未采集",
    )
    return lock(assessment, city_admin)


@pytest.fixture
def acceptance(diagnosis, make_assessment, template_2024, city_admin, assessor, enterprise):
    assessment = make_assessment(
        kind="acceptance",
        project=make_project(enterprise),
        answers=best_answers(template_2024),
        scenes=scenes_at(template_2024, 4),
        complete=True,
    )
    services.evidence_add(
        assessor, assessment, indicator_code="equipment_systems",
        upload=SimpleUploadedFile("设备联网台账.pdf", PDF),
    )  # fmt: skip
    services.evidence_add(
        assessor, assessment, indicator_code="data_collection",
        upload=SimpleUploadedFile("数据采集截图.pdf", PDF),
    )  # fmt: skip
    return lock(assessment, city_admin)


def run_report(user, assessment, capture) -> Job:
    with capture(execute=True):
        job = reports.report_start(actor=user, assessment=assessment)
    job.refresh_from_db()
    return job


# -- the diagnosis report ------------------------------------------------------------------------


def test_the_diagnosis_report_reads_in_chinese(
    diagnosis, assessor, django_capture_on_commit_callbacks
):
    # when
    job = run_report(assessor, diagnosis, django_capture_on_commit_callbacks)

    # then
    assert job.status == "succeeded", job.error
    assert job.progress == 100
    assert job.result["level"] == 3 and job.result["total_score"] == "86.00"
    text = pdftotext(job.document.file.path)
    assert "数字化水平诊断报告" in text
    assert "沈阳精密机械有限公司" in text
    assert "总分 86.00 分，数字化水平三级" in text
    assert "36.00 / 50.00" in text  # 数字化基础 in the chart, of 50
    assert "评测一" in text.replace(" ", "")  # the assessor's name
    # the problem list: the findings, then the two questions scored 0
    assert "设备台账仍靠纸质记录" in text and "质检数据未采集" in text
    assert "企业网络建设连接情况" in text and "企业的生产设备数字化率" in text
    # the demand scenarios: the two scenes at level 1
    demands = text.split("六、需求场景")[1]
    assert "产品设计" in demands and "人力资源" in demands and "质量管理" not in demands
    assert "本报告依据尚未锁定" not in text  # it is locked


def test_the_report_embeds_the_cjk_font(diagnosis, assessor, django_capture_on_commit_callbacks):
    job = run_report(assessor, diagnosis, django_capture_on_commit_callbacks)

    fonts = subprocess.run(
        ["pdffonts", job.document.file.path], capture_output=True, text=True, check=True
    ).stdout
    names = {line.split()[0].split("+", 1)[1] for line in fonts.splitlines()[2:]}
    assert names <= {"Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"} and names


def test_a_draft_report_says_it_is_not_locked(make_assessment, template_2024):
    draft = make_assessment(answers=best_answers(template_2024))

    context = reports.report_context(draft)

    assert not context["locked"] and context["status"] == "草稿"
    assert context["level_name"] == "未达到一级"  # no scenes judged yet


def test_the_report_warns_when_the_stored_figures_were_altered(diagnosis):
    # given: someone changed the stored total behind the services' back
    diagnosis.total_score = Decimal("96.00")

    # when
    context = reports.report_context(diagnosis)

    # then
    assert "复算得总分 86.00" in context["recheck"]
    assert context["total"] == Decimal("96.00")  # what was stored is what is shown, flagged


# -- the acceptance report -----------------------------------------------------------------------


def test_the_acceptance_report_compares_before_and_after(
    acceptance, city_admin, django_capture_on_commit_callbacks
):
    job = run_report(city_admin, acceptance, django_capture_on_commit_callbacks)

    assert job.status == "succeeded", job.error
    text = pdftotext(job.document.file.path)
    assert "数字化改造验收评测报告" in text
    assert "沈阳精密机械有限公司" in text
    assert "智能产线改造项目" in text and "新松数字科技" in text
    compact = text.replace(" ", "")
    assert "改造前（诊断）" in compact and "改造后（验收）" in compact
    assert "86.00" in text and "100.00" in text and "+14.00" in text
    assert "三级→四级（提升）" in compact
    assert "设备联网台账.pdf" in text and "数据采集截图.pdf" in text
    assert "评测一" in compact


def test_the_acceptance_context_takes_the_latest_locked_diagnosis(
    acceptance, diagnosis, make_assessment, template_2024
):
    # a newer diagnosis that is still a draft does not count
    make_assessment(answers=best_answers(template_2024))

    context = reports.report_context(acceptance)

    assert context["before"] == diagnosis
    foundation = next(d for d in context["dimensions"] if d["code"] == "foundation")
    assert (foundation["before"], foundation["score"], foundation["change"]) == (
        Decimal("36.00"), Decimal("50.00"), Decimal("14.00"),
    )  # fmt: skip
    assert [group["indicator"] for group in context["evidence"]] == ["设备系统", "数据采集"]


# -- who may -------------------------------------------------------------------------------------


def test_only_those_who_see_the_assessment_start_its_report(
    client, diagnosis, city, neighbour, owner, auditor, other_city_admin
):
    url = reverse("assessment-report", args=[city.code, diagnosis.pk])
    other_district = MembershipFactory(
        city=city, role="district_officer", district=neighbour.district
    ).user

    def status(user):
        client.force_login(user)
        return client.post(url).status_code

    assert status(owner) == 403  # the enterprise sees it, but reports are the city's
    assert status(other_district) == 404
    assert status(other_city_admin) == 404
    assert Job.objects.count() == 0  # nothing started
    assert status(auditor) == 302
    assert Job.objects.get().kind == reports.REPORT_JOB


def test_a_report_job_for_an_unseen_assessment_fails_and_stores_nothing(
    diagnosis, city, neighbour, django_capture_on_commit_callbacks
):
    # given: a district officer of another district asks through the jobs API's route
    officer = MembershipFactory(city=city, role="district_officer", district=neighbour.district)

    # when
    from pilot_portal.jobs.services import job_start

    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(
            city=city, kind=reports.REPORT_JOB, params={"assessment": diagnosis.pk},
            actor=officer.user,
        )  # fmt: skip

    # then
    job.refresh_from_db()
    assert job.status == "failed" and "no such assessment" in job.error
    assert job.document is None


# -- a batch's acceptance reports ----------------------------------------------------------------


@pytest.fixture
def batch_world(city, city_admin, assessor, edition_2024, template_2024):
    """Three approved enterprises of a batch — two with a locked acceptance, one whose
    acceptance is only submitted — and one locked acceptance of another batch's enterprise."""
    batch, other_batch = BatchFactory(city=city, name="第一批"), BatchFactory(city=city)
    sector = SectorFactory(city=city)

    def enterprise_with(name, *, status, in_batch=batch):
        enterprise = EnterpriseFactory(city=city, name=name, sector=sector)
        Application.objects.create(
            city=city, enterprise=enterprise, batch=in_batch, status="approved"
        )
        acceptance = services.assessment_create(
            city_admin, city, enterprise=enterprise, kind="acceptance", assessor=assessor,
            answers=best_answers(template_2024), scenes=scenes_at(template_2024, 2),
            complete=True,
        )  # fmt: skip
        if status == "locked":
            lock(acceptance, city_admin)
        elif status == "submitted":
            services.assessment_transition(assessor, acceptance, "submit")
        return acceptance

    return {
        "batch": batch,
        "locked": [
            enterprise_with("甲机械有限公司", status="locked"),
            enterprise_with("乙电子有限公司", status="locked"),
        ],
        "submitted": enterprise_with("丙化工有限公司", status="submitted"),
        "elsewhere": enterprise_with("丁纺织有限公司", status="locked", in_batch=other_batch),
    }


def test_a_batch_makes_one_pdf_per_locked_acceptance_with_progress(
    batch_world, city, city_admin, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        job = reports.batch_reports_start(actor=city_admin, city=city, batch=batch_world["batch"])
    job.refresh_from_db()

    # then
    assert job.status == "succeeded", job.error
    assert job.progress == 100
    assert job.result["reports"] == 2 and job.result["skipped"] == 1
    archive = zipfile.ZipFile(io.BytesIO(Path(job.document.file.path).read_bytes()))
    pdfs = sorted(name for name in archive.namelist() if name.endswith(".pdf"))
    assert len(pdfs) == 2
    assert any("甲机械有限公司" in name for name in pdfs)
    assert any("乙电子有限公司" in name for name in pdfs)
    manifest = json.loads(archive.read("manifest.json"))
    assert {r["assessment"] for r in manifest["reports"]} == {a.pk for a in batch_world["locked"]}
    assert [s["enterprise"] for s in manifest["skipped"]] == ["丙化工有限公司"]
    checksums = archive.read("MANIFEST.sha256").decode()
    assert all(f"  {name}\n" in checksums for name in pdfs)
    first = archive.read(pdfs[0])
    assert first.startswith(b"%PDF-")


def test_batch_progress_moves_as_each_report_renders(batch_world, city, city_admin):
    calls = []

    reports.batch_reports_bundle(
        user=city_admin, city=city, batch=batch_world["batch"], name="x.zip",
        progress=calls.append,
    )  # fmt: skip

    assert calls == [5, 50, 95, 100]


def test_a_district_officer_batches_only_their_district(batch_world, city, district):
    # given: one of the two locked enterprises is in the officer's district
    first = batch_world["locked"][0].enterprise
    first.district = district
    first.save(update_fields=["district"])
    officer = MembershipFactory(city=city, role="district_officer", district=district).user

    # when
    acceptances, skipped = reports.batch_acceptances(
        user=officer, city=city, batch=batch_world["batch"]
    )

    # then
    assert [a.enterprise.name for a in acceptances] == ["甲机械有限公司"]
    assert skipped == []


def test_the_reports_page_counts_each_batch_and_starts_the_job(
    client, batch_world, city, city_admin, owner
):
    url = reverse("assessment-reports", args=[city.code])
    client.force_login(city_admin)

    page = client.get(url)
    assert page.status_code == 200
    batch = next(b for b in page.context["batches"] if b.pk == batch_world["batch"].pk)
    assert (batch.enterprises, batch.accepted) == (3, 2)

    assert client.post(url, {"batch": "nonsense"}).status_code == 400
    assert Job.objects.count() == 0
    response = client.post(url, {"batch": batch_world["batch"].pk})
    assert response.status_code == 302
    assert Job.objects.get().params == {"batch": batch_world["batch"].pk}

    client.force_login(owner)
    assert client.get(url).status_code == 403


# -- the chart -----------------------------------------------------------------------------------


def test_the_chart_escapes_labels_and_prints_values_against_maxima():
    svg = bar_chart(
        ["<script>", "数字化管理"],
        [Series("得分", (Decimal("12.345"), None))],
        maxima=[Decimal("50"), Decimal("30")],
    )

    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "12.35 / 50.00" in svg and "– / 30.00" in svg
    assert svg.startswith("<svg") and svg.endswith("</svg>")


def test_the_reports_page_runs_a_fixed_number_of_queries(client, city, city_admin):
    url = reverse("assessment-reports", args=[city.code])
    client.force_login(city_admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    BatchFactory(city=city)
    small = queries()
    for _ in range(10):
        batch = BatchFactory(city=city)
        enterprise = EnterpriseFactory(city=city)
        Application.objects.create(city=city, enterprise=enterprise, batch=batch, status="approved")

    assert queries() == small
    # session, user, city, memberships; the batches with their counts (one query)
    assert small == 5
