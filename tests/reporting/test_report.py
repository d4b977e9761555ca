"""The self-evaluation report (PDF job) and the indicator table (xlsx job): what the extracted
text says, frozen figures for a submitted period, refusals of bad params, and the workbook's
shape."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from enterprises.models import Project
from enterprises.projects.models import ChainCase
from pilot_portal.errors import InvalidInput, NotAllowed
from pilot_portal.jobs.models import Job
from pilot_portal.jobs.services import job_start
from pilot_portal.reporting import report_job_kinds as reports
from pilot_portal.reporting.services import period_submit
from pilot_portal.tenancy.models import Membership
from pilot_portal.verification.models import VerificationRun
from tests.documents.test_pdf import pdftotext
from tests.factories import EnterpriseFactory, UserFactory
from tests.reporting.test_dashboard import diagnosed, performance_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return performance_world()


def run_job(capture, start, **kwargs) -> Job:
    with capture(execute=True):
        job = start(**kwargs)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    return job


def report_text(capture, world, params) -> tuple[str, Job]:
    job = run_job(
        capture, reports.report_start, actor=world["admin"], city=world["city"], params=params
    )
    text = pdftotext(job.document.file.path)
    return " ".join(text.split()), job


def squeezed(text: str) -> str:
    return "".join(text.split())


def test_the_report_has_the_title_every_indicator_and_the_verification_summary(
    world, django_capture_on_commit_callbacks
):
    VerificationRun.objects.create(
        city=world["city"], status="succeeded", enterprise_count=5, finished_at=timezone.now(),
        counts={"error": 2, "warning": 1, "info": 0, "total": 3,
                "by_code": {"uscc_check_digit": 2, "district_missing": 1}},
    )  # fmt: skip
    chain = ChainCase.objects.create(
        city=world["city"], title="机床产业链协同", leader_provider=world["provider"],
        created_by=world["admin"],
    )  # fmt: skip
    chain.projects.set(Project.objects.filter(city=world["city"])[:2])

    text, job = report_text(
        django_capture_on_commit_callbacks, world, {"kind": "mid_term", "year": 2025}
    )

    assert "绩效市中小企业数字化转型城市试点绩效自评报告（中期评估）" in squeezed(text)
    assert "数据状态：实时数据，尚未报送" in squeezed(text)
    # name, unit, target by 2025, total target, actual, progress
    assert "完成诊断企业数 家 10 30 4 40.0 %" in text
    assert "完成改造企业数 家 2 5 1 50.0 %" in text
    assert "看样学样活动 次 6 6 – –" in text  # the pending value is not counted
    assert "机床 4 2 50.00% 未达标" in text and "泵阀 1 1 100.00% 达标" in text
    assert "机床3号有限公司 智能产线改造 良品率提升 12%" in text  # the exemplary project
    assert "机床产业链协同 链主服务商有限公司 2" in text  # the chain case and its projects
    day = timezone.localdate()
    assert f"{day:%Y-%m-%d}核查企业5家：错误2项，警告1项，提示0项" in squeezed(text)
    assert "uscc_check_digit" in text
    assert job.result["frozen"] is False and job.result["indicators"] == 3
    assert job.document.name.endswith(".pdf") and "绩效自评报告" in job.document.name


def test_without_a_verification_run_the_report_says_so(world, django_capture_on_commit_callbacks):
    text, _job = report_text(
        django_capture_on_commit_callbacks, world, {"kind": "yearly", "year": 2026}
    )

    assert "绩效自评报告（2026年度）" in squeezed(text)
    assert "尚未开展核查" in text
    assert "完成诊断企业数 家 30 30 4 13.3 %" in text  # 2026: the whole target


def test_a_submitted_period_keeps_its_figures_after_the_records_change(
    world, django_capture_on_commit_callbacks
):
    period = period_submit(city=world["city"], kind="mid_term", year=2025, actor=world["admin"])
    diagnosed(EnterpriseFactory(city=world["city"], sector=world["pumps"]), 3)  # now 5

    for params in ({"period": period.pk}, {"kind": "mid_term", "year": 2025}):
        text, job = report_text(django_capture_on_commit_callbacks, world, params)
        assert f"已报送第1版{timezone.localdate(period.submitted_at):%Y-%m-%d}" in squeezed(text)
        # frozen actual 4 and progress 40 %, today's 5 beside it
        assert "完成诊断企业数 家 10 30 4 5 40.0 %" in text
        assert job.result["frozen"] is True and job.result["version"] == 1

    live, _job = report_text(
        django_capture_on_commit_callbacks, world, {"kind": "final", "year": 2025}
    )
    assert "完成诊断企业数 家 10 30 5 50.0 %" in live


@pytest.mark.parametrize(
    "params, message",
    [
        ({"kind": "quarterly", "year": 2025}, "报告类型须为 mid_term"),
        ({"kind": "final"}, "请指定年份 / give the year"),
        ({"kind": "final", "year": 2031}, "年份须在实施期 2024–2026 内"),
        ({"kind": "final", "year": "last"}, "年份无效"),
        ({"kind": "final", "year": True}, "年份无效"),
        ({"period": 999999}, "报告期不存在 / no such reporting period"),
        ({"period": 1, "kind": "final"}, "二者择一"),
        ({"kind": "final", "year": 2025, "format": "docx"}, "未知参数：format"),
    ],
)
def test_bad_params_are_refused_in_both_languages_and_start_nothing(world, params, message):
    with pytest.raises(InvalidInput) as refused:
        reports.report_start(actor=world["admin"], city=world["city"], params=params)

    assert message in refused.value.message and " / " in refused.value.message
    assert not Job.objects.filter(city=world["city"]).exists()


def test_a_job_started_through_the_api_with_bad_params_fails_with_the_reason(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(
            city=world["city"], kind="performance_report", params={"kind": "x"},
            actor=world["admin"],
        )  # fmt: skip
    job.refresh_from_db()

    assert job.status == "failed" and "报告类型须为" in job.error and job.document is None


def test_oversight_may_not_generate_reports(world):
    ministry = UserFactory(username="ministry-report")
    Membership.objects.create(user=ministry, role="ministry")

    with pytest.raises(NotAllowed):
        reports.report_start(
            actor=ministry, city=world["city"], params={"kind": "final", "year": 2025}
        )
    with pytest.raises(NotAllowed):
        reports.export_start(actor=world["other_admin"], city=world["city"], params={})


def test_the_xlsx_has_the_seed_table_shape_with_actuals(world, django_capture_on_commit_callbacks):
    job = run_job(
        django_capture_on_commit_callbacks, reports.export_start, actor=world["auditor"],
        city=world["city"], params={"year": 2025},
    )  # fmt: skip

    workbook = load_workbook(BytesIO(job.document.file.read()))
    sheet = workbook["绩效指标"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == [
        "序号", "指标名称", "单位", "2025年目标", "2026年目标", "合计目标",
        "实际完成", "完成进度", "数据来源", "口径说明",
    ]  # fmt: skip
    code, name, unit, y2025, y2026, total, actual, progress, source, how = rows[1]
    assert (code, name, unit, y2025, y2026, total) == ("1", "完成诊断企业数", "家", 10, 20, 30)
    assert actual == 4 and Decimal(str(progress)) == Decimal("0.4") and source == "系统计算"
    assert "诊断" in how
    assert rows[3][:3] == ["3", "看样学样活动", "次"] and rows[3][4] is None  # no 2026 target
    assert rows[3][6] is None and rows[3][8] == "填报（有待审核的新值）"
    assert len(rows) == 4
    about = dict(workbook["说明"].iter_rows(values_only=True))
    assert about["数据状态"] == "实时数据，尚未报送" and about["年度"] == 2025
