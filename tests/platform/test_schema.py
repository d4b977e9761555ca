"""The OpenAPI schema is valid, warning-free, and documents the error answers."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", validate=True, fail_on_warn=True, file=str(tmp_path / "s.yml"))

    assert "/api/v1/cities/{city_code}/jobs/" in (tmp_path / "s.yml").read_text()


@pytest.mark.django_db
def test_city_endpoints_document_401_403_and_404():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    sectors = schema["paths"]["/api/v1/cities/{city_code}/sectors/"]["get"]["responses"]
    job_create = schema["paths"]["/api/v1/cities/{city_code}/jobs/"]["post"]["responses"]
    assert {"200", "401", "403", "404"} <= set(sectors)
    assert {"202", "400", "401", "403", "404"} <= set(job_create)


@pytest.mark.django_db
def test_swagger_ui_is_served_without_a_cdn(client):
    page = client.get("/api/docs/").content.decode()

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()
