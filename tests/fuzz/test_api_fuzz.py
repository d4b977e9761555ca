"""Fuzz every operation of the OpenAPI schema: whatever a client sends, the API never answers 5xx.

Schemathesis reads /api/schema/ from the WSGI application and generates valid and invalid
requests for each operation, sent in-process as token users of the demo (a city
administrator, the ministry, an enterprise user). Path parameters and body fields that
name things often take real values (the demo's city codes, ids of existing rows, job
kinds), or nearly everything would be 404 or 400.

The demo is seeded once per module inside a transaction rolled back at the end; each
request runs in a savepoint rolled back after it, so examples don't affect each other.
FUZZ_MAX_EXAMPLES (default 20) sets the examples per operation and user.
"""

import os
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.test import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from pilot_portal.wsgi import application

# django_db also makes pytest-django create the test database before `world` runs: without
# a test that asks for the database, a module fixture would write to the development database.
pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

USERS = ["shenyang-city_admin", "ministry", "shenyang-enterprise"]
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "20"))

# Real values for path parameters and body fields, by name; `world` fills in the ids.
KNOWN: dict[str, list] = {"city_code": ["shenyang", "xiamen", "xinxiang"]}
ID_NAMES = ["id", "pk", "enterprise", "batch", "provider", "project", "job", "document"]

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


def _sometimes_known(values: dict, *, skip=()) -> st.SearchStrategy[dict]:
    """`values` with each field that names a known thing swapped, half the time, for a real one."""
    fields = {}
    for name, value in values.items():
        known = KNOWN.get(name) if name not in skip else None
        fields[name] = st.sampled_from(known) | st.just(value) if known else st.just(value)
    return st.fixed_dictionaries(fields)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    return _sometimes_known(path_parameters or {})


@schema.hook
def flatmap_body(context, body):
    if not isinstance(body, dict):
        return st.just(body)
    # `kind` is a job kind only for jobs; elsewhere it means other things (a provider's kind).
    jobs = context.operation.path.endswith("/jobs/")
    return _sometimes_known(body, skip=() if jobs else {"kind"})


def _is_test_database(name) -> bool:
    return "memory" in str(name) or Path(str(name)).name.startswith("test_")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, a finished job with its file in two cities, and API tokens for USERS."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from enterprises.models import Enterprise
    from pilot_portal.demo.services import demo_seed
    from pilot_portal.documents.models import Document
    from pilot_portal.jobs.models import Job
    from pilot_portal.jobs.registry import all_kinds
    from pilot_portal.jobs.services import job_run, job_start
    from pilot_portal.tenancy.models import Batch, City
    from providers.models import Provider

    assert _is_test_database(connection.settings_dict["NAME"]), connection.settings_dict["NAME"]
    media = tmp_path_factory.mktemp("media")
    test_settings = override_settings(MEDIA_ROOT=media)  # conftest's `_media_root` is per test
    # As Django's test client does: the end of a request must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with test_settings, django_db_blocker.unblock(), transaction.atomic():
            demo_seed(
                seed_file=Path(settings.SEED_DATA_DIR) / "seed-cities.json",
                password=settings.DEMO_PASSWORD,
            )
            for code in ("shenyang", "xiamen"):
                admin = get_user_model().objects.get(username=f"{code}-city_admin")
                city = City.objects.get(code=code)
                job_run(job_id=job_start(city=city, kind="city_export", params={}, actor=admin).pk)
            assert not Job.objects.filter(document=None).exists(), "a seeded job made no file"
            ids = set()
            for model in (Job, Document, Enterprise, Provider, Batch):
                ids.update(model.objects.values_list("pk", flat=True))
            KNOWN.update(dict.fromkeys(ID_NAMES, sorted(ids)))
            KNOWN["kind"] = [kind.name for kind in all_kinds()]
            users = get_user_model().objects.filter(username__in=USERS)
            tokens = {u.username: Token.objects.get_or_create(user=u)[0].key for u in users}
            yield {"tokens": tokens, "media": media}
            transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def world_media(world, settings):
    """Where the world's job files are, once per test: `settings.X = ...` stacks one more
    override per assignment, and each makes reading any setting slower, so not per example."""
    settings.MEDIA_ROOT = world["media"]


@pytest.mark.parametrize("username", USERS)
@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_never_answers_5xx(case, world, world_media, username):
    savepoint = transaction.savepoint()
    try:
        case.call_and_validate(
            headers={"Authorization": f"Token {world['tokens'][username]}"},
            checks=[not_a_server_error],
        )
    finally:
        transaction.savepoint_rollback(savepoint)
