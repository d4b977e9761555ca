"""Uploads: too large, wrong-type or disguised files are refused with a reason, stored nowhere."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pilot_portal.documents.models import Document
from pilot_portal.documents.services import document_upload
from pilot_portal.errors import InvalidInput
from pilot_portal.tenancy.models import City
from tests.factories import DEMO_DOCUMENTS

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def city(demo):
    return City.objects.get(code="xiamen")


def upload(city, name, content):
    return document_upload(
        city=city, upload=SimpleUploadedFile(name, content), actor=None, purpose="evidence"
    )


def test_it_stores_a_real_pdf(city):
    document = upload(city, "发票.pdf", PDF)

    assert document.content_type == "application/pdf"
    assert document.size == len(PDF)
    assert document.file.read() == PDF


def test_it_refuses_a_file_over_the_limit(city, settings):
    settings.MAX_UPLOAD_SIZE = 1024

    with pytest.raises(InvalidInput, match=r"file too large: 2\.1 KB, at most 1\.0 KB") as error:
        upload(city, "big.pdf", PDF + b"0" * 2048)

    assert "文件过大" in error.value.message
    assert Document.objects.exclude(purpose__in=DEMO_DOCUMENTS).count() == 0


def test_it_refuses_a_type_it_does_not_accept(city):
    with pytest.raises(InvalidInput, match=r"file type \.exe not accepted"):
        upload(city, "setup.exe", b"MZ\x90\x00")

    assert Document.objects.exclude(purpose__in=DEMO_DOCUMENTS).count() == 0


def test_it_refuses_a_program_renamed_to_pdf(city):
    with pytest.raises(InvalidInput, match=r"not a real \.pdf"):
        upload(city, "contract.pdf", b"MZ\x90\x00 this is a program")

    assert Document.objects.exclude(purpose__in=DEMO_DOCUMENTS).count() == 0


def test_a_document_whose_file_is_gone_is_a_clear_404_not_a_crash(client):
    from pilot_portal.documents.services import document_create
    from tests.factories import CityFactory, MembershipFactory

    city = CityFactory()
    admin = MembershipFactory(city=city, role="city_admin").user
    document = document_create(
        city=city, name="lost.pdf", content=b"%PDF-1.4", content_type="application/pdf",
        actor=admin,
    )  # fmt: skip
    document.file.storage.delete(document.file.name)
    client.force_login(admin)
    response = client.get(f"/api/v1/cities/{city.code}/documents/{document.pk}/download/")
    assert response.status_code == 404
    assert "missing from storage" in response.json()["detail"]
