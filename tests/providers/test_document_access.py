"""Application documents reach the round's experts and the city, not the public pool's readers."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from providers import services
from tests.factories import EnterpriseFactory, MembershipFactory
from tests.providers.test_selection_services import _apply, world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _status(user, city, document) -> int:
    client = Client()
    client.force_login(user)
    url = reverse("document-download", kwargs={"city_code": city.code, "pk": document.pk})
    return client.get(url).status_code


def test_experts_of_the_round_read_the_licence_others_do_not(world):  # noqa: F811
    selection = _apply(world)
    attached = services.selection_document_add(
        selection=selection, actor=world["staff"], kind="licence",
        upload=SimpleUploadedFile("licence.pdf", PDF, content_type="application/pdf"),
    )  # fmt: skip
    city, document = world["city"], attached.document
    assert _status(world["experts"][0], city, document) == 200
    assert _status(world["admin"], city, document) == 200
    assert _status(world["staff"], city, document) == 200
    outsider = MembershipFactory(city=city, role="expert").user  # not on this round
    assert _status(outsider, city, document) == 404
    enterprise_user = MembershipFactory(
        city=city, role="enterprise", enterprise=EnterpriseFactory(city=city)
    ).user
    assert _status(enterprise_user, city, document) == 404
