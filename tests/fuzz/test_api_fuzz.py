"""Fuzz every operation of the OpenAPI schema: whatever a client sends, the API never answers 5xx.

Schemathesis reads /api/schema/ from the WSGI application and generates valid and invalid
requests for each operation, sent in-process as a token user of the demo (a city
administrator, the ministry, an enterprise user). Path parameters often take real values
(the demo's city codes, ids of existing jobs and documents), or everything would be 404.

The demo is seeded once per module inside a transaction that is rolled back at the end;
each request runs in a savepoint rolled back after it, so examples don't affect each other.
"""

from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from pilot_portal.wsgi import application

pytestmark = pytest.mark.fuzz

USERS = ["shenyang-city_admin", "ministry", "shenyang-enterprise"]
CITY_CODES = ["shenyang", "xiamen", "xinxiang"]
# Real values for path parameters, filled in by the `world` fixture (ids of its jobs/documents).
KNOWN = {"city_code": CITY_CODES, "id": [], "pk": []}

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the time, swap generated path parameters for ones that exist in the demo."""
    choices = {}
    for name, value in (path_parameters or {}).items():
        known = KNOWN.get(name) or []
        choices[name] = st.sampled_from(known) | st.just(value) if known else st.just(value)
    return st.fixed_dictionaries(choices)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo, a finished job with its file in two cities, and API tokens for USERS."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from pilot_portal.demo.services import demo_seed
    from pilot_portal.jobs.models import Job
    from pilot_portal.jobs.services import job_run, job_start
    from pilot_portal.tenancy.models import City

    fast_hasher = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    # As Django's test client does: a request's end must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with fast_hasher, django_db_blocker.unblock(), transaction.atomic():
        demo_seed(
            seed_file=Path(settings.SEED_DATA_DIR) / "seed-cities.json",
            password=settings.DEMO_PASSWORD,
        )
        users = get_user_model().objects.filter(username__in=USERS).in_bulk(field_name="username")
        for code in ("shenyang", "xiamen"):
            admin = get_user_model().objects.get(username=f"{code}-city_admin")
            job = job_start(
                city=City.objects.get(code=code), kind="city_export", params={}, actor=admin
            )
            job_run(job_id=job.pk)
        jobs = list(Job.objects.values_list("pk", "document_id"))
        assert all(document for _, document in jobs), "the seeded jobs made no files"
        KNOWN["id"] = KNOWN["pk"] = sorted({pk for job in jobs for pk in job})
        print("TOKENS", list(Token.objects.values_list("user__username", "created")))
        tokens = {name: Token.objects.create(user=user).key for name, user in users.items()}
        yield tokens
        transaction.set_rollback(True)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("username", USERS)
@schema.parametrize()
@hypothesis_settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_never_answers_5xx(case, world, username):
    savepoint = transaction.savepoint()
    try:
        case.call_and_validate(
            headers={"Authorization": f"Token {world[username]}"}, checks=[not_a_server_error]
        )
    finally:
        transaction.savepoint_rollback(savepoint)
