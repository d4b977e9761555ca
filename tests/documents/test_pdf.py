"""PDFs carry real Chinese text in an embedded CJK font; without the font the portal won't start."""

import shutil
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from rest_framework.test import APIClient

from pilot_portal.documents import checks
from pilot_portal.jobs.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def factsheet(demo, django_capture_on_commit_callbacks):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username="xinxiang-city_admin"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/cities/xinxiang/jobs/", {"kind": "city_factsheet"}, format="json"
        )
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", job.error
    return job.document.file.path


def pdftotext(path):
    if not shutil.which("pdftotext"):
        pytest.fail("poppler-utils (pdftotext) is required: make test installs it")
    return subprocess.run(
        ["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_fact_sheet_reads_in_chinese(factsheet):
    text = pdftotext(factsheet)

    assert "新乡市中小企业数字化转型城市试点概况" in text
    assert "起重装备制造" in text
    assert "100,000,000.00" in text
    assert "第四批" in text


def test_the_fact_sheet_embeds_the_cjk_font(factsheet):
    fonts = subprocess.run(["pdffonts", factsheet], capture_output=True, text=True).stdout

    rows = [line.split() for line in fonts.splitlines()[2:]]
    names = {row[0].split("+", 1)[1] for row in rows}
    assert names == {"Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"}  # nothing fell back
    assert all(row[-5] == "yes" for row in rows)  # embedded


def test_the_system_check_fails_without_a_cjk_font(monkeypatch):
    monkeypatch.setattr(checks, "cjk_font_installed", lambda: False)

    with pytest.raises(SystemCheckError, match=r"documents\.E001"):
        call_command("check")


def test_the_system_check_passes_with_the_font():
    assert checks.cjk_font_installed()
    assert checks.check_cjk_font(None) == []


def test_a_job_file_is_only_for_its_starter_and_overseers(demo, factsheet):
    job = Job.objects.get(kind="city_factsheet")
    url = f"/api/v1/cities/xinxiang/documents/{job.document_id}/download/"

    def status(username):
        client = APIClient()
        client.force_authenticate(get_user_model().objects.get(username=username))
        return client.get(url).status_code

    assert status("xinxiang-city_admin") == 200
    assert status("xinxiang-auditor") == 200
    assert status("henan-province") == 200
    assert status("xinxiang-enterprise") == 404
    assert status("xiamen-city_admin") == 404
