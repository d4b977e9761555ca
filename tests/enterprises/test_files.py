"""The enterprise file (一企一档): documents uploaded, served only to those who see the
enterprise, and the whole file as one zip whose manifest proves what it holds."""

import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from enterprises.models import Application, Enterprise, EnterpriseDocument
from pilot_portal.audit.models import AuditEntry
from pilot_portal.documents.models import Document
from pilot_portal.jobs.models import Job
from pilot_portal.tenancy.models import Membership

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def user(username):
    return get_user_model().objects.get(username=username)


def as_user(client, username):
    client.force_login(user(username))
    return client


def api_as(username):
    client = APIClient()
    client.force_authenticate(user(username))
    return client


def demo_enterprise(city="xiamen") -> Enterprise:
    return Membership.objects.get(user__username=f"{city}-enterprise").enterprise


def files_url(enterprise, suffix=""):
    return f"/c/{enterprise.city.code}/enterprises/{enterprise.pk}/files/{suffix}"


def api_files_url(enterprise, suffix=""):
    return f"/api/v1/cities/{enterprise.city.code}/enterprises/{enterprise.pk}/files/{suffix}"


def upload(client, enterprise, name="营业执照.pdf", content=PDF, kind="licence", **fields):
    return client.post(
        files_url(enterprise),
        {"file": SimpleUploadedFile(name, content), "kind": kind, **fields},
    )


def add_document(enterprise, username, name="营业执照.pdf", content=PDF, kind="licence", **more):
    """A document added through the service, as an upload would add it."""
    from enterprises.files.services import enterprise_document_upload

    return enterprise_document_upload(
        enterprise=enterprise, upload=SimpleUploadedFile(name, content), kind=kind,
        actor=user(username), **more,
    )  # fmt: skip


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def state(settings):
    """What an upload could change: rows, audit entries, files in storage."""
    return (
        EnterpriseDocument.objects.count(),
        Document.objects.count(),
        AuditEntry.objects.count(),
        len(stored_files(settings)),
    )


# -- uploading ---------------------------------------------------------------------------------


def test_an_enterprise_uploads_a_document_to_its_own_file(demo, client):
    # given
    enterprise = demo_enterprise()

    # when
    response = upload(as_user(client, "xiamen-enterprise"), enterprise, return_to="detail")

    # then
    entry = EnterpriseDocument.objects.select_related("document").get(enterprise=enterprise)
    assert response.status_code == 302
    assert response.url == f"/c/xiamen/enterprises/{enterprise.pk}/#documents"
    assert (entry.kind, entry.city, entry.application) == ("licence", enterprise.city, None)
    assert entry.document.name == "营业执照.pdf"
    assert entry.document.content_type == "application/pdf"
    assert entry.document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert entry.document.created_by.username == "xiamen-enterprise"
    assert entry.document.file.read() == PDF
    audit = AuditEntry.objects.get(action="enterprise.document_upload")
    assert (audit.actor_username, audit.object_type, audit.object_id) == (
        "xiamen-enterprise", "enterprises.enterprisedocument", str(entry.pk),
    )  # fmt: skip
    assert audit.data["sha256"] == entry.document.sha256


def test_the_city_admin_uploads_for_one_of_the_enterprise_s_applications(demo):
    # given
    application = Application.objects.get(city__code="xiamen", status="district_approved")

    # when
    response = api_as("xiamen-city_admin").post(
        api_files_url(application.enterprise),
        {"file": SimpleUploadedFile("合同.docx", b"PK\x03\x04docx"), "kind": "contract",
         "application": application.pk, "note": "服务合同"},
        format="multipart",
    )  # fmt: skip

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    entry = EnterpriseDocument.objects.get(pk=body["id"])
    assert entry.application == application
    assert {k: body[k] for k in ("kind", "name", "size", "application", "note")} == {
        "kind": "contract", "name": "合同.docx", "size": 8, "application": application.pk,
        "note": "服务合同",
    }  # fmt: skip
    assert body["sha256"] == hashlib.sha256(b"PK\x03\x04docx").hexdigest()
    assert body["download_url"] == api_files_url(application.enterprise, f"{entry.pk}/")


def test_an_application_of_another_enterprise_is_refused(demo, client, settings):
    # given
    enterprise = demo_enterprise()
    other = Application.objects.filter(city__code="xiamen").exclude(enterprise=enterprise).first()
    before = state(settings)

    # when
    response = upload(as_user(client, "xiamen-city_admin"), enterprise, application=other.pk)

    # then
    assert response.status_code == 400
    assert state(settings) == before


@pytest.mark.parametrize(
    ("name", "content", "max_size", "message"),
    [
        ("年报.pdf", PDF, 16, "文件过大"),
        ("setup.exe", EXE, None, "不支持的文件类型 .exe"),
        ("营业执照.pdf", EXE, None, "文件内容与扩展名 .pdf 不符"),
        ("photo.png", PDF, None, "the file&#x27;s content is not a real .png"),
    ],
    ids=["too-large", "wrong-extension", "exe-renamed-pdf", "pdf-renamed-png"],
)
def test_a_refused_upload_says_why_next_to_the_file_and_changes_nothing(
    demo, client, settings, name, content, max_size, message
):
    # given
    if max_size:
        settings.MAX_UPLOAD_SIZE = max_size
    enterprise = demo_enterprise()
    before = state(settings)

    # when
    response = upload(as_user(client, "xiamen-enterprise"), enterprise, name=name, content=content,
                      note="保留的备注")  # fmt: skip

    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="file-error"' in html
    assert message in html
    assert " / " in html.split('data-testid="file-error">')[1].split("</p>")[0]  # bilingual
    assert 'value="保留的备注"' in html  # what was typed is kept
    assert state(settings) == before


def test_a_document_without_a_kind_is_refused_next_to_the_kind(demo, client, settings):
    before = state(settings)

    response = upload(as_user(client, "xiamen-enterprise"), demo_enterprise(), kind="")

    assert response.status_code == 400
    assert 'data-testid="kind-error"' in response.content.decode()
    assert state(settings) == before


def test_the_api_refuses_a_disguised_file_with_the_field_named(demo, settings):
    enterprise = demo_enterprise()
    before = state(settings)

    response = api_as("xiamen-enterprise").post(
        api_files_url(enterprise),
        {"file": SimpleUploadedFile("invoice.pdf", EXE), "kind": "invoice"},
        format="multipart",
    )

    assert response.status_code == 400
    assert "文件内容与扩展名 .pdf 不符" in response.json()["file"][0]
    assert state(settings) == before


@pytest.mark.parametrize("username", ["xiamen-district_officer", "xiamen-auditor"])
def test_readers_of_the_enterprise_may_not_upload(demo, client, settings, username):
    enterprise = demo_enterprise()
    before = state(settings)

    page = upload(as_user(client, username), enterprise)
    api = api_as(username).post(
        api_files_url(enterprise),
        {"file": SimpleUploadedFile("a.pdf", PDF), "kind": "other"},
        format="multipart",
    )

    assert (page.status_code, api.status_code) == (403, 403)
    assert state(settings) == before


# -- downloading -------------------------------------------------------------------------------


@pytest.fixture
def licence(demo):
    return add_document(demo_enterprise(), "xiamen-enterprise")


def other_enterprise_staff(enterprise):
    """A member acting for another enterprise of the same city and district."""
    from tests.factories import MembershipFactory

    other = Enterprise.objects.filter(city=enterprise.city).exclude(pk=enterprise.pk).first()
    return MembershipFactory(city=enterprise.city, role="enterprise", enterprise=other).user


def other_district_officer(enterprise):
    from tests.factories import MembershipFactory

    district = enterprise.city.districts.exclude(pk=enterprise.district_id).first()
    return MembershipFactory(city=enterprise.city, role="district_officer", district=district).user


@pytest.mark.parametrize(
    "username",
    ["xiamen-enterprise", "xiamen-district_officer", "xiamen-city_admin",
     "xiamen-finance_officer", "xiamen-auditor", "fujian-province", "ministry"],
)  # fmt: skip
def test_whoever_sees_the_enterprise_downloads_its_document(client, licence, username):
    enterprise = licence.enterprise

    page = as_user(client, username).get(files_url(enterprise, f"{licence.pk}/"))
    api = api_as(username).get(api_files_url(enterprise, f"{licence.pk}/"))

    for response in (page, api):
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "who", ["another enterprise", "another district's officer", "another city", "an expert"]
)
def test_no_one_else_gets_the_document_and_learns_nothing(client, licence, who):
    enterprise = licence.enterprise
    outsider = {
        "another enterprise": lambda: other_enterprise_staff(enterprise),
        "another district's officer": lambda: other_district_officer(enterprise),
        "another city": lambda: user("shenyang-city_admin"),
        "an expert": lambda: user("xiamen-expert"),
    }[who]()
    client.force_login(outsider)
    api = APIClient()
    api.force_authenticate(outsider)

    statuses = {
        client.get(files_url(enterprise, f"{licence.pk}/")).status_code,
        client.get(files_url(enterprise)).status_code,
        api.get(api_files_url(enterprise, f"{licence.pk}/")).status_code,
        api.get(api_files_url(enterprise)).status_code,
    }

    assert statuses <= {403, 404}
    if who != "an expert":  # an expert's role reads no enterprise at all (403)
        assert statuses == {404}


def test_a_document_is_served_only_under_its_own_enterprise(client, licence):
    # given: another enterprise the city admin also sees
    other = Enterprise.objects.filter(city=licence.city).exclude(pk=licence.enterprise_id).first()
    shenyang = demo_enterprise("shenyang")
    as_user(client, "xiamen-city_admin")

    # when: the document's id is guessed under another enterprise, or another city
    guesses = [
        files_url(other, f"{licence.pk}/"),
        f"/c/xiamen/enterprises/{shenyang.pk}/files/{licence.pk}/",
        f"/c/shenyang/enterprises/{licence.enterprise_id}/files/{licence.pk}/",
    ]

    # then
    assert [client.get(url).status_code for url in guesses] == [404, 404, 404]


# -- the pages ---------------------------------------------------------------------------------


def test_the_documents_page_lists_the_documents_with_their_download_links(client, licence):
    enterprise = licence.enterprise
    add_document(enterprise, "xiamen-city_admin", name="财务报表.xlsx", content=b"PK\x03\x04x",
                 kind="financial", note="2024年度")  # fmt: skip

    html = as_user(client, "xiamen-enterprise").get(files_url(enterprise)).content.decode()

    assert "营业执照.pdf" in html and "财务报表.xlsx" in html and "2024年度" in html
    assert f'href="{files_url(enterprise, f"{licence.pk}/")}"' in html
    assert licence.document.sha256[:12] in html
    assert 'data-testid="document-upload"' in html  # the enterprise adds to its own file
    assert 'data-testid="file-bundle"' not in html  # the zip is for the city and auditors


@pytest.mark.parametrize(
    ("username", "upload_form", "bundle_button"),
    [
        ("xiamen-city_admin", True, True),
        ("xiamen-auditor", False, True),
        ("xiamen-district_officer", False, False),
        ("xiamen-finance_officer", False, False),
        ("fujian-province", False, False),
    ],
)
def test_the_forms_show_only_to_those_allowed(
    client, licence, username, upload_form, bundle_button
):
    html = as_user(client, username).get(files_url(licence.enterprise)).content.decode()

    assert "营业执照.pdf" in html
    assert ('data-testid="document-upload"' in html) == upload_form
    assert ('data-testid="file-bundle"' in html) == bundle_button


def test_the_enterprise_page_has_a_documents_card(client, licence):
    html = (
        as_user(client, "xiamen-enterprise")
        .get(f"/c/xiamen/enterprises/{licence.enterprise_id}/")
        .content.decode()
    )

    assert 'data-testid="documents-card"' in html
    # the list itself once the page's view supplies `enterprise_file`, a link to it until then
    assert "营业执照.pdf" in html or f'href="{files_url(licence.enterprise)}"' in html


def test_the_documents_page_runs_a_fixed_number_of_queries(
    demo, client, django_assert_max_num_queries
):
    enterprise = demo_enterprise()
    for n in range(30):
        add_document(enterprise, "xiamen-city_admin", name=f"发票{n}.pdf", kind="invoice")
    as_user(client, "xiamen-city_admin")

    # session, user, city, memberships, enterprise, documents (with file, uploader and
    # application), applications for the form's choices
    with django_assert_max_num_queries(7):
        response = client.get(files_url(enterprise))

    assert response.content.decode().count('data-document="') == 30


def test_the_api_list_runs_a_fixed_number_of_queries(demo, django_assert_max_num_queries):
    application = Application.objects.get(city__code="xiamen", status="district_approved")
    for n in range(30):
        add_document(application.enterprise, "xiamen-city_admin", name=f"发票{n}.pdf",
                     kind="invoice", application_id=application.pk)  # fmt: skip
    client = api_as("xiamen-auditor")

    # city, memberships, enterprise, count, page (with file, uploader and application)
    with django_assert_max_num_queries(5):
        response = client.get(api_files_url(application.enterprise))

    body = response.json()
    assert body["count"] == 30
    assert {row["application"] for row in body["results"]} == {application.pk}


# -- the whole file as a zip -------------------------------------------------------------------


def pdftotext(content: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.fail("poppler-utils (pdftotext) is required: make test installs it")
    path = tmp_path / "summary.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def bundled(demo, client, django_capture_on_commit_callbacks):
    """An enterprise with two reviewed steps and three documents, bundled by the auditor."""
    application = Application.objects.get(city__code="xiamen", status="district_approved")
    enterprise = application.enterprise
    add_document(enterprise, "xiamen-city_admin")
    add_document(enterprise, "xiamen-city_admin", content=PDF + b"%2", note="换发后")  # same name
    add_document(enterprise, "xiamen-city_admin", name="现场照片.png", content=PNG, kind="other",
                 application_id=application.pk)  # fmt: skip
    as_user(client, "xiamen-auditor")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(files_url(enterprise, "bundle/"))

    job = Job.objects.get(kind="enterprise_file")
    assert response.url == f"/c/xiamen/jobs/{job.pk}/"
    assert job.status == "succeeded", job.error
    return job, enterprise, application


def test_the_zip_holds_summary_attachments_history_and_manifest(bundled):
    job, enterprise, _application = bundled
    _first, second, _photo = EnterpriseDocument.objects.filter(enterprise=enterprise).order_by("pk")

    archive = zipfile.ZipFile(job.document.file.path)

    assert job.params == {"enterprise": enterprise.pk}
    assert job.document.content_type == "application/zip"
    assert sorted(archive.namelist()) == [
        "MANIFEST.sha256",
        f"attachments/licence/营业执照-{second.pk}.pdf",  # one name twice: the id tells apart
        "attachments/licence/营业执照.pdf",
        "attachments/other/现场照片.png",
        "history.json",
        "manifest.json",
        "summary.pdf",
    ]
    assert archive.read("attachments/licence/营业执照.pdf") == PDF
    assert archive.read("attachments/other/现场照片.png") == PNG


def test_the_manifest_proves_every_file_of_the_zip(bundled, tmp_path):
    job, _enterprise, _application = bundled
    archive = zipfile.ZipFile(job.document.file.path)

    manifest = json.loads(archive.read("manifest.json"))
    listed = {f["path"]: f for f in manifest["files"]}

    assert set(listed) == set(archive.namelist()) - {"manifest.json", "MANIFEST.sha256"}
    for path, entry in listed.items():
        content = archive.read(path)
        assert entry == {"path": path, "size": len(content),
                         "sha256": hashlib.sha256(content).hexdigest()}  # fmt: skip
    assert manifest["problems"] == []
    assert (
        job.result["manifest_sha256"] == hashlib.sha256(archive.read("manifest.json")).hexdigest()
    )
    # and `sha256sum -c` on the unpacked zip checks every file, the manifest included
    archive.extractall(tmp_path / "copy")
    check = subprocess.run(
        ["sha256sum", "-c", "MANIFEST.sha256"], cwd=tmp_path / "copy", capture_output=True,
        text=True,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == len(archive.namelist()) - 1


def test_a_tampered_copy_fails_the_check(bundled, tmp_path):
    job, _enterprise, _application = bundled
    zipfile.ZipFile(job.document.file.path).extractall(tmp_path / "copy")
    (tmp_path / "copy/attachments/other/现场照片.png").write_bytes(PNG + b"!")

    check = subprocess.run(
        ["sha256sum", "--quiet", "-c", "MANIFEST.sha256"], cwd=tmp_path / "copy",
        capture_output=True, text=True,
    )  # fmt: skip

    assert check.returncode == 1
    assert "attachments/other/现场照片.png: FAILED" in check.stdout


def test_the_history_names_who_did_what_and_when(bundled):
    job, enterprise, application = bundled

    history = json.loads(zipfile.ZipFile(job.document.file.path).read("history.json"))

    assert history["enterprise"] == {"id": enterprise.pk, "uscc": enterprise.uscc,
                                     "name": enterprise.name, "city": "xiamen"}  # fmt: skip
    assert history["profile_history"][0]["type"] == "created"
    assert history["profile_history"][0]["changes"]["name"]["to"] == enterprise.name
    [applied] = history["applications"]
    steps = [(s["action"], s["from"], s["to"], s["actor"], s["comment"]) for s in applied["steps"]]
    assert steps == [
        ("submit", "draft", "submitted", "xiamen-city_admin", "演示数据 / demo"),
        ("district-approve", "submitted", "district_approved", "xiamen-district_officer",
         "演示数据 / demo"),
    ]  # fmt: skip
    assert all(step["time"].endswith("+08:00") for step in applied["steps"])
    uploads = [e for e in history["audit_entries"] if e["action"] == "enterprise.document_upload"]
    assert [e["actor"] for e in uploads] == ["xiamen-city_admin"] * 3
    assert [d["application"] for d in history["documents"]] == [None, None, application.pk]


def test_the_summary_pdf_reads_in_chinese(bundled, tmp_path):
    job, enterprise, application = bundled

    pdf = zipfile.ZipFile(job.document.file.path).read("summary.pdf")
    text = pdftotext(pdf, tmp_path)

    assert f"{enterprise.name} 企业档案" in text
    assert enterprise.uscc in text
    assert "申报记录及审核过程" in text and application.batch.name in text
    assert "演示数据 / demo" in text
    assert hashlib.sha256(PNG).hexdigest() in text.replace(" ", "").replace("\n", "")
    assert "sha256sum -c MANIFEST.sha256" in text


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda path: path.write_bytes(PDF + b"tampered"), "no longer matches the SHA-256"),
        (lambda path: path.unlink(), "the stored file is missing"),
    ],
    ids=["changed", "missing"],
)
def test_a_stored_file_changed_or_lost_since_upload_is_reported(
    demo, client, django_capture_on_commit_callbacks, damage, problem
):
    # given
    entry = add_document(demo_enterprise(), "xiamen-enterprise")
    damage(Path(entry.document.file.path))
    as_user(client, "xiamen-city_admin")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post(files_url(entry.enterprise, "bundle/"))

    # then: the bundle is made, and says what is wrong where everyone reads it
    job = Job.objects.get(kind="enterprise_file")
    archive = zipfile.ZipFile(job.document.file.path)
    manifest = json.loads(archive.read("manifest.json"))
    assert job.status == "succeeded"
    assert [problem in p for p in job.result["problems"]] == [True]
    assert manifest["problems"] == job.result["problems"]
    assert json.loads(archive.read("history.json"))["documents"][0]["problem"] is not None


@pytest.mark.parametrize(
    "username", ["xiamen-enterprise", "xiamen-district_officer", "xiamen-finance_officer"]
)
def test_only_the_city_and_auditors_bundle_the_file(demo, client, username):
    enterprise = demo_enterprise()

    response = as_user(client, username).post(files_url(enterprise, "bundle/"))

    assert response.status_code == 403
    assert not Job.objects.filter(kind="enterprise_file").exists()


def test_the_job_refuses_an_enterprise_of_another_city(demo, django_capture_on_commit_callbacks):
    # given: the jobs API takes any params; the enterprise belongs to Shenyang
    shenyang = demo_enterprise("shenyang")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("xiamen-auditor").post(
            "/api/v1/cities/xiamen/jobs/",
            {"kind": "enterprise_file", "params": {"enterprise": shenyang.pk}},
            format="json",
        )

    # then
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == "failed"
    assert "no such enterprise in this city" in job.error
    assert job.document is None
