"""A project's evidence is downloadable by everyone who sees the project, and by no one else."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from enterprises.models import Enterprise
from enterprises.projects import services
from tests.factories import DistrictFactory, MembershipFactory
from tests.projects.test_services import PDF, _project, world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _download(user, city, document):
    client = Client()
    client.force_login(user)
    url = reverse("document-download", kwargs={"city_code": city.code, "pk": document.pk})
    return client.get(url)


def test_milestone_evidence_reaches_the_enterprise_but_not_another_provider(world):  # noqa: F811
    project = _project(world)
    milestone = services.milestone_done(
        milestone=project.milestones.get(), actor=world["staff"],
        upload=SimpleUploadedFile("done.pdf", PDF, content_type="application/pdf"),
    )  # fmt: skip
    city, evidence = world["city"], milestone.evidence
    assert _download(world["owner"], city, evidence).status_code == 200
    district = DistrictFactory(city=city)
    Enterprise.objects.filter(pk=world["enterprise"].pk).update(district=district)
    officer = MembershipFactory(city=city, role="district_officer", district=district).user
    assert _download(officer, city, evidence).status_code == 200
    elsewhere = MembershipFactory(
        city=city, role="district_officer", district=DistrictFactory(city=city)
    ).user
    assert _download(elsewhere, city, evidence).status_code == 404
    assert _download(world["stranger"], city, evidence).status_code == 404
    other_enterprise = MembershipFactory(city=city, role="enterprise").user
    assert _download(other_enterprise, city, evidence).status_code == 404
