"""Importing a city's enterprise list (xlsx) as a job: the report, the upsert, who may do it."""

import math
import time
from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook
from rest_framework.test import APIClient

from enterprises.importing import rules, services
from enterprises.models import Enterprise
from pilot_portal.audit.models import AuditEntry
from pilot_portal.demo.services import demo_uscc
from pilot_portal.documents.models import Document
from pilot_portal.jobs.models import Job
from pilot_portal.jobs.services import job_run
from pilot_portal.tenancy.models import City
from tests.factories import DEMO_DOCUMENTS

pytestmark = pytest.mark.django_db

HEADER = ["统一社会信用代码", "企业名称", "所属区县", "细分行业", "规模", "专精特新等级"]
FULL_WIDTH = str.maketrans(
    "0123456789ABCDEFGHJKLMNPQRTUWXY",
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ",
)


def code(serial, division="350203"):
    """A valid credit code registered in Xiamen's Siming district (unless told otherwise)."""
    return demo_uscc(division, serial)


def wrong_check(valid):
    return valid[:-1] + ("0" if valid[-1] != "0" else "1")


def xlsx(rows, *, title=None, name="企业名单.xlsx", header=HEADER) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def user(username):
    return get_user_model().objects.get(username=username)


def api_as(username):
    client = APIClient()
    client.force_authenticate(user(username))
    return client


@pytest.fixture
def xiamen(demo):
    return City.objects.get(code="xiamen")


@pytest.fixture
def admin(demo):
    return user("xiamen-city_admin")


@pytest.fixture
def run_import(xiamen, admin, django_capture_on_commit_callbacks):
    """Upload a workbook as Xiamen's city admin and run the job; return the finished job."""

    def run(upload, *, import_valid_rows=False):
        with django_capture_on_commit_callbacks(execute=True):
            job = services.enterprise_import_start(
                city=xiamen, upload=upload, actor=admin, import_valid_rows=import_valid_rows
            )
        job.refresh_from_db()
        assert job.status == "succeeded", job.error
        return job

    return run


def messy_workbook():
    """What a statistics bureau really sends: a merged title row, a serial-number column and a
    remarks column, full-width digits and lower case, blank rows, duplicates, another city's
    district, bad codes, a code registered outside the city."""
    header = ["序号", "统一社会信用代码", "单位名称", "区县", "行业", "企业规模", "专精特新"]
    header += ["联系电话", "备注"]
    messy_code = code(1002, "350206").lower()
    messy_code = "  " + messy_code[:10].translate(FULL_WIDTH) + " " + messy_code[10:]
    rows = [
        # row 3: clean; the phone number is a number in Excel
        (1, code(1001), "厦门甲科技有限公司", "思明区", "电子器件制造", "规上", "无", 13800000001),
        # row 4: full-width digits, lower case and spaces in the code; district by its code
        (
            2,
            messy_code,
            "厦门乙电子有限公司",
            350206.0,
            "c397",
            "规模以上",
            "国家级专精特新“小巨人”",
        ),
        # row 5: wrong check character
        (3, wrong_check(code(1003)), "厦门丙公司", "思明区", "", "规上"),
        # row 6: blank
        (),
        # row 7: repeats row 3
        (4, code(1001), "厦门甲科技有限公司（重复）", "思明区", "", "规上"),
        # row 8: a district of Shenyang
        (5, code(1005), "厦门丁公司", "和平区", "", "规下"),
        # row 9: too short
        (6, "91350203ABC", "厦门戊公司", "", "", "规下"),
        # row 10: registered in Zhangzhou: imported, with a warning for the reviewer
        (7, code(1007, "350600"), "漳州己公司厦门分公司", "湖里区", "", "规下", "省级"),
        # row 11: a size no one can read
        (8, code(1008), "厦门庚公司", "", "", "中型", "", "", "请核实"),
        # row 12: only the serial number: an unused line of the form
        (9,),
        # row 13: no code
        (10, None, "厦门辛公司", "思明区", "", "规上"),
    ]
    return xlsx(rows, title="厦门市2024年规模以上工业企业名单", header=header)


MESSY_REFUSED = {  # the start of each refused row's one reason
    5: "第 5 行：统一社会信用代码校验位错误",
    7: f"第 7 行：统一社会信用代码 {code(1001)} 与第 3 行重复 / row 7: credit code",
    8: "第 8 行：所属区县“和平区”不是本市的区县 / row 8: district “和平区” is not",
    9: "第 9 行：统一社会信用代码应为 18 位，实际 11 位 / row 9: a unified social",
    11: "第 11 行：规模“中型”无法识别",
    13: "第 13 行：统一社会信用代码为空 / row 13: the unified social credit code is empty",
}


def assert_messy_report(result):
    assert result["rows"] == 9
    assert result["valid"] == 3
    assert {r["row"]: len(r["reasons"]) for r in result["refused"]} == dict.fromkeys(
        MESSY_REFUSED, 1
    )
    for refused in result["refused"]:
        assert refused["reasons"][0].startswith(MESSY_REFUSED[refused["row"]])
    assert result["refused"][0]["uscc"] == wrong_check(code(1003))
    assert result["warnings"] == [
        {
            "row": 10,
            "uscc": code(1007, "350600"),
            "reasons": [
                "第 10 行：统一社会信用代码的登记管理机关行政区划码为 350600，不属于本市（3502），"
                "请核实 / row 10: the code was registered in division 350600, outside this city "
                "(3502); please check"
            ],
        }
    ]
    assert result["ignored_columns"] == ["序号", "备注"]
    assert result["errors"] == []


def test_a_messy_workbook_gives_the_right_report_and_imports_nothing(xiamen, run_import):
    # given
    before = Enterprise.objects.for_city(xiamen).count()

    # when
    job = run_import(messy_workbook())

    # then
    assert_messy_report(job.result)
    assert job.result["imported"] is False
    assert job.result["created"] == 0
    assert Enterprise.objects.for_city(xiamen).count() == before
    assert not AuditEntry.objects.filter(action="enterprise.import").exists()


def test_import_valid_rows_imports_the_valid_rows_of_a_messy_workbook(xiamen, admin, run_import):
    job = run_import(messy_workbook(), import_valid_rows=True)

    assert_messy_report(job.result)
    assert job.result["imported"] is True
    assert (job.result["created"], job.result["updated"]) == (3, 0)
    imported = {
        e.uscc: e for e in Enterprise.objects.for_city(xiamen).select_related("district", "sector")
    }
    first, second = imported[code(1001)], imported[code(1002, "350206")]
    assert (first.name, first.district.name, first.sector.code) == (
        "厦门甲科技有限公司",
        "思明区",
        "C397",
    )
    assert (first.size, first.srdi, first.contact_phone) == ("above", "none", "13800000001")
    assert (second.district.code, second.size, second.srdi) == ("350206", "above", "little_giant")
    assert imported[code(1007, "350600")].srdi == "provincial"
    assert code(1005) not in imported and code(1008) not in imported
    entry = AuditEntry.objects.get(action="enterprise.import")
    assert (entry.actor, entry.city_code, entry.object_type) == (
        admin,
        "xiamen",
        "documents.document",
    )
    assert entry.data == {
        "rows": 9, "created": 3, "updated": 0, "unchanged": 0, "refused": 6, "warnings": 1,
    }  # fmt: skip


def test_it_updates_an_enterprise_with_the_same_credit_code(xiamen, admin, run_import):
    # given
    from tests.factories import EnterpriseFactory

    known = EnterpriseFactory(
        city=xiamen, uscc=code(1100), name="旧名称", size="below", contact_phone="0592-1"
    )

    # when: lower case code, a blank phone, a new name and size
    job = run_import(xlsx([(code(1100).lower(), "新名称有限公司", "湖里区", "", "规上", "")]))

    # then
    assert (job.result["created"], job.result["updated"]) == (0, 1)
    known.refresh_from_db()
    assert (known.name, known.size, known.district.name) == ("新名称有限公司", "above", "湖里区")
    assert known.contact_phone == "0592-1"  # a blank cell changes nothing
    assert Enterprise.objects.for_city(xiamen).filter(uscc=code(1100)).count() == 1
    change = known.history.latest()
    assert (change.history_type, change.history_user) == ("~", admin)
    assert change.history_change_reason.startswith("导入企业名单 / enterprise list import")


def test_running_the_same_list_twice_changes_nothing_more(xiamen, run_import):
    rows = [(code(1200 + n), f"重复导入{n}有限公司", "思明区", "", "规上", "") for n in range(3)]
    first = run_import(xlsx(rows))
    history = Enterprise.history.filter(city=xiamen).count()

    second = run_import(xlsx(rows))

    assert (first.result["created"], first.result["unchanged"]) == (3, 0)
    assert (second.result["created"], second.result["updated"]) == (0, 0)
    assert second.result["unchanged"] == 3
    assert Enterprise.objects.for_city(xiamen).filter(name__startswith="重复导入").count() == 3
    assert Enterprise.history.filter(city=xiamen).count() == history


def test_a_redelivered_job_runs_once(xiamen, run_import):
    job = run_import(xlsx([(code(1250), "一次有限公司", "", "", "规上", "")]))

    job_run(job_id=job.pk)  # the broker delivers the task again

    assert Enterprise.objects.for_city(xiamen).filter(uscc=code(1250)).count() == 1
    assert Job.objects.get(pk=job.pk).attempts == 1


def test_a_district_or_sector_of_another_city_is_refused(xiamen, run_import):
    job = run_import(
        xlsx(
            [
                (code(1300), "甲有限公司", "铁西区", "", "规上", ""),  # Shenyang
                (code(1301), "乙有限公司", "", "起重装备制造", "规上", ""),  # Xinxiang
                (code(1302), "丙有限公司", "210106", "C343", "规上", ""),  # their codes
            ]
        )
    )

    reasons = [r["reasons"] for r in job.result["refused"]]
    assert [len(r) for r in reasons] == [1, 1, 2]
    assert "district “铁西区” is not one of this city's districts" in reasons[0][0]
    assert "sector “起重装备制造” is not one of this city's pilot sectors" in reasons[1][0]
    assert not Enterprise.objects.filter(uscc__in=[code(1300), code(1301), code(1302)]).exists()


def test_the_same_code_in_another_city_is_a_different_enterprise(xiamen, run_import):
    from tests.factories import EnterpriseFactory

    shenyang = City.objects.get(code="shenyang")
    theirs = EnterpriseFactory(city=shenyang, uscc=code(1400), name="沈阳的记录")

    job = run_import(xlsx([(code(1400), "厦门的记录", "", "", "规上", "")]))

    assert job.result["created"] == 1
    theirs.refresh_from_db()
    assert theirs.name == "沈阳的记录"


def test_a_workbook_without_the_columns_is_reported_not_imported(xiamen, run_import):
    no_header = run_import(xlsx([("甲公司", "思明区")], header=["企业", "区县"]))
    no_size = run_import(xlsx([(code(1500), "甲公司")], header=["统一社会信用代码", "企业名称"]))

    assert no_header.result["imported"] is False
    assert no_header.result["errors"] == [rules.no_header_message()]
    assert no_size.result["errors"] == [
        "第 1 行的表头缺少必需的列：规模（规上/规下） / the header in row 1 lacks required "
        "columns: 规模（规上/规下）"
    ]
    assert not Enterprise.objects.filter(uscc=code(1500)).exists()


def test_a_damaged_xlsx_is_reported_not_a_crash(run_import):
    job = run_import(SimpleUploadedFile("坏文件.xlsx", b"PK\x03\x04 this is no workbook"))

    assert job.result["errors"] == [
        "无法读取该文件：不是有效的 xlsx 工作簿 / the file cannot be read as an xlsx workbook"
    ]
    assert job.result["imported"] is False


def test_the_job_refuses_a_document_of_another_city_or_purpose(xiamen, admin, demo):
    from pilot_portal.documents.services import document_create
    from pilot_portal.jobs.services import job_start

    shenyang_list = document_create(
        city=City.objects.get(code="shenyang"), name="x.xlsx", content=b"PK", content_type="x",
        actor=None, purpose=services.PURPOSE,
    )  # fmt: skip
    evidence = document_create(
        city=xiamen, name="y.xlsx", content=b"PK", content_type="x", actor=None, purpose="evidence"
    )
    for params in ({"document": shenyang_list.pk}, {"document": evidence.pk}, {}):
        job = job_start(city=xiamen, kind="import_enterprises", params=params, actor=admin)
        job_run(job_id=job.pk)
        job.refresh_from_db()
        assert job.status == "failed"
        assert "no enterprise list to import" in job.error


def test_a_clean_5000_row_list_imports_in_one_job_with_bulk_writes(
    xiamen, admin, django_capture_on_commit_callbacks
):
    # given: 5,000 rows over every district and sector of Xiamen
    districts = list(xiamen.districts.values_list("name", flat=True))
    sectors = list(xiamen.sectors.values_list("code", flat=True))
    rows = [
        (
            code(200_000 + n, "350203" if n % 2 else "350206"),
            f"厦门批量{n:04d}有限公司",
            districts[n % len(districts)],
            sectors[n % len(sectors)],
            "规上" if n % 3 else "规下",
            ("无", "省级", "国家级小巨人")[n % 3],
        )
        for n in range(5000)
    ]
    before = Enterprise.objects.for_city(xiamen).count()
    with django_capture_on_commit_callbacks():  # queued, not run yet
        job = services.enterprise_import_start(city=xiamen, upload=xlsx(rows), actor=admin)

    # when
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        job_run(job_id=job.pk)
    seconds = time.perf_counter() - started

    # then
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert job.progress == 100
    assert job.result["created"] == 5000
    assert job.result["refused"] == []
    assert Enterprise.objects.for_city(xiamen).count() == before + 5000
    assert (
        Enterprise.history.filter(city=xiamen, history_type="+", history_user=admin).count() == 5000
    )

    def statements(prefix, table):
        return [q for q in queries if q["sql"].startswith(prefix) and table in q["sql"]]

    def batches(model):
        # SQLite binds at most 999 parameters per statement, so Django splits a bulk INSERT
        # into 999 // columns rows; PostgreSQL takes the service's batches of 1,000.
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        per_statement = min(services.BATCH_SIZE, connection.ops.bulk_batch_size(fields, rows))
        return math.ceil(5000 / per_statement)

    table, history = Enterprise._meta.db_table, Enterprise.history.model._meta.db_table
    assert len(statements('INSERT INTO "' + table, "")) == batches(Enterprise)
    assert len(statements('INSERT INTO "' + history, "")) == batches(Enterprise.history.model)
    others = len(queries) - batches(Enterprise) - batches(Enterprise.history.model)
    # claim the job (savepoint, select, update, release); the document and its uploader; the
    # districts; the sectors; progress every 5 % while reading, then 60 and 95 (13 at most);
    # the write's savepoint and release; the existing codes (3 chunks of 2,000); the audit
    # entry (savepoint, chain head, entry, head, release); the job's result (savepoint,
    # update, release); flagging enterprises on exclusion lists (2 lists x 2 updates)
    assert others <= 4 + 2 + 1 + 1 + 13 + 2 + 3 + 5 + 3 + 4
    print(f"\n5,000 rows: {seconds:.2f} s, {len(queries)} queries ({others} besides inserts)")


def test_the_template_has_the_columns_an_example_and_the_city_s_reference_data(xiamen, admin):
    response = api_as("xiamen-city_admin").get("/api/v1/cities/xiamen/enterprises/import/template/")

    assert response.status_code == 200
    assert response["Content-Type"] == services.workbook.XLSX
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["企业名单", "区县和细分行业", "填写说明"]
    header, example = list(book["企业名单"].iter_rows(max_row=2, values_only=True))
    assert header[:6] == (
        "统一社会信用代码",
        "企业名称",
        "所属区县",
        "细分行业",
        "规模（规上/规下）",
        "专精特新等级",
    )
    assert header == tuple(c.header for c in rules.COLUMNS)
    assert example[0] == rules.example_uscc("350200")
    reference = list(book["区县和细分行业"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in reference] == list(
        xiamen.districts.order_by("code").values_list("code", "name")
    )
    assert [(r[3], r[4]) for r in reference if r[3]] == list(
        xiamen.sectors.order_by("code").values_list("code", "name")
    )


def test_the_template_filled_in_imports_and_its_example_row_is_skipped(xiamen, admin, run_import):
    response = api_as("xiamen-city_admin").get("/api/v1/cities/xiamen/enterprises/import/template/")
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    book["企业名单"].append([code(1600), "按模板填写有限公司", "集美区", "C358", "规下", "无"])
    buffer = BytesIO()
    book.save(buffer)

    job = run_import(SimpleUploadedFile("template.xlsx", buffer.getvalue()))

    assert (job.result["rows"], job.result["created"], job.result["refused"]) == (1, 1, [])
    assert job.result["warnings"][0]["row"] == 2  # the example, skipped
    assert not Enterprise.objects.filter(uscc=rules.example_uscc("350200")).exists()
    assert Enterprise.objects.get(uscc=code(1600)).sector.code == "C358"


# -- the API -------------------------------------------------------------------------------


def test_the_api_queues_the_import_and_the_job_reports(xiamen, django_capture_on_commit_callbacks):
    client = api_as("xiamen-city_admin")
    upload = xlsx([(code(1700), "接口导入有限公司", "思明区", "C397", "规上", "省级")])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/cities/xiamen/enterprises/import/",
            {"file": upload, "import_valid_rows": "true"},
            format="multipart",
        )

    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    job = client.get(f"/api/v1/cities/xiamen/jobs/{response.json()['id']}/").json()
    assert (job["kind"], job["status"], job["progress"]) == ("import_enterprises", "succeeded", 100)
    assert job["params"]["import_valid_rows"] is True
    assert job["result"]["created"] == 1
    assert job["result"]["imported"] is True
    assert Enterprise.objects.get(city=xiamen, uscc=code(1700)).srdi == "provincial"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "没有提交任何文件"),  # DRF's own message, in the default language
        ({"file": SimpleUploadedFile("名单.pdf", b"%PDF-1.7")}, "file type .pdf not accepted"),
        ({"file": SimpleUploadedFile("名单.xlsx", b"MZ\x90\x00")}, "not a real .xlsx"),
    ],
)
def test_the_api_refuses_a_bad_upload_naming_the_file(xiamen, data, message):
    response = api_as("xiamen-city_admin").post(
        "/api/v1/cities/xiamen/enterprises/import/", data, format="multipart"
    )

    assert response.status_code == 400
    assert message in response.json()["file"][0]
    assert Document.objects.exclude(purpose__in=DEMO_DOCUMENTS).count() == 0
    assert Job.objects.count() == 0


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("shenyang-city_admin", 404),  # another city: not even there
        ("xiamen-enterprise", 403),
        ("xiamen-district_officer", 403),
        ("xiamen-auditor", 403),
        ("ministry", 403),
        ("fujian-province", 403),
    ],
)
def test_only_the_city_s_admin_may_import(
    xiamen, username, status, django_capture_on_commit_callbacks
):
    # given
    before = list(Enterprise.objects.order_by("pk").values())
    client = api_as(username)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        post = client.post(
            "/api/v1/cities/xiamen/enterprises/import/",
            {"file": xlsx([(code(1800), "越权有限公司", "", "", "规上", "")])},
            format="multipart",
        )
    template = client.get("/api/v1/cities/xiamen/enterprises/import/template/")

    # then
    assert (post.status_code, template.status_code) == (status, status)
    assert list(Enterprise.objects.order_by("pk").values()) == before
    assert Document.objects.exclude(purpose__in=DEMO_DOCUMENTS).count() == 0
    assert Job.objects.count() == 0


def test_the_generic_jobs_endpoint_refuses_the_kind_to_other_staff(xiamen):
    response = api_as("xiamen-finance_officer").post(
        "/api/v1/cities/xiamen/jobs/", {"kind": "import_enterprises"}, format="json"
    )

    assert response.status_code == 403
    assert Job.objects.count() == 0


# -- the page ------------------------------------------------------------------------------


@pytest.fixture
def city_admin_client(client, admin):
    client.force_login(admin)
    return client


def test_the_page_shows_the_form_and_the_template_link(city_admin_client):
    page = city_admin_client.get("/c/xiamen/enterprises/import/").content.decode()

    assert 'enctype="multipart/form-data"' in page
    assert 'name="import_valid_rows"' in page
    assert 'href="/c/xiamen/enterprises/import/template/"' in page
    template = city_admin_client.get("/c/xiamen/enterprises/import/template/")
    assert template["Content-Type"] == services.workbook.XLSX


def test_the_page_shows_an_upload_error_by_the_field_and_keeps_the_checkbox(city_admin_client):
    response = city_admin_client.post(
        "/c/xiamen/enterprises/import/",
        {"file": SimpleUploadedFile("名单.csv", b"a,b"), "import_valid_rows": "on"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "file type .csv not accepted" in page
    assert 'data-testid="file-error"' in page
    assert 'name="import_valid_rows" style="width: auto" id="id_import_valid_rows" checked' in page
    assert Job.objects.count() == 0


def test_the_page_starts_the_job_and_the_job_page_shows_the_refused_rows(
    city_admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = city_admin_client.post(
            "/c/xiamen/enterprises/import/", {"file": messy_workbook()}
        )

    job = Job.objects.get()
    assert response.status_code == 302
    assert response.url == f"/c/xiamen/jobs/{job.pk}/"
    page = city_admin_client.get(response.url).content.decode()
    assert 'data-testid="import-result" data-imported="0"' in page
    assert "第 8 行：所属区县“和平区”不是本市的区县" in page
    assert f"<td>{wrong_check(code(1003))}</td>" in page
    assert "第 10 行：统一社会信用代码的登记管理机关行政区划码为 350600" in page


@pytest.mark.parametrize(
    ("username", "status"), [("xiamen-enterprise", 403), ("shenyang-city_admin", 404)]
)
def test_the_page_is_closed_to_others(client, demo, username, status):
    client.force_login(user(username))

    assert client.get("/c/xiamen/enterprises/import/").status_code == status
    assert client.post("/c/xiamen/enterprises/import/", {}).status_code == status
    assert client.get("/c/xiamen/enterprises/import/template/").status_code == status


def test_the_list_may_be_on_another_sheet_than_the_first(xiamen, run_import):
    workbook = Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["本表由区工信局报送"])
    sheet = workbook.create_sheet("名单")
    sheet.append(HEADER)
    sheet.append([code(1900), "第二张表有限公司", "海沧区", "", "规上", ""])
    buffer = BytesIO()
    workbook.save(buffer)

    job = run_import(SimpleUploadedFile("区县名单.xlsx", buffer.getvalue()))

    assert job.result["created"] == 1
    assert Enterprise.objects.get(city=xiamen, uscc=code(1900)).district.name == "海沧区"
