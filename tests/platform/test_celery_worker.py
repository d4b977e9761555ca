"""A real Celery worker on Redis runs a job on PostgreSQL (in CI; skipped locally without them)."""

import os
import subprocess
import sys
import time
import uuid
from io import BytesIO
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from openpyxl import load_workbook

from pilot_portal.celery import app as celery_app
from pilot_portal.documents.models import Document
from pilot_portal.jobs.models import Job
from pilot_portal.jobs.services import job_start
from pilot_portal.jobs.tasks import run_job
from pilot_portal.tenancy.models import City
from tests.conftest import require_service, seed_demo_data
from tests.factories import DEMO_DOCUMENTS

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def redis_available() -> bool:
    if not settings.REDIS_URL:
        return False
    try:
        return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError:
        return False


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(settings):
    require_service(redis_available(), "Redis (REDIS_URL)")
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),  # the test database, which this test commits to
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_SETTINGS_MODULE": "pilot_portal.settings",
    }
    # Its own queue, so that it takes only this test's tasks: not those of another pytest-xdist
    # worker's test (whose database is another), nor any left in the broker by an earlier run.
    queue = f"test-{uuid.uuid4().hex[:8]}"
    name = f"{queue}@localhost"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pilot_portal",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            queue,
            "-n",
            name,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    default_queue = celery_app.conf.task_default_queue
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[name], timeout=1):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{process.stdout.read()}")
        celery_app.conf.task_always_eager = False
        celery_app.conf.task_default_queue = queue  # where .delay() sends this test's tasks
        yield process
    finally:
        celery_app.conf.task_default_queue = default_queue
        process.terminate()
        process.wait(timeout=30)
        with celery_app.connection_for_write() as broker:  # the queue and its binding
            bound = celery_app.amqp.queues[queue](broker.default_channel)
            bound.declare()
            bound.delete()


def wait_for(job_id: int, seconds: float = 60) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.is_finished:
            return job
        time.sleep(0.2)
    pytest.fail(f"job {job_id} did not finish in {seconds} s: {job.status} {job.progress}%")


def test_a_worker_runs_a_queued_job_and_a_redelivery_changes_nothing(worker):
    # given
    seed_demo_data()
    city = City.objects.get(code="xiamen")
    admin = get_user_model().objects.get(username="xiamen-city_admin")

    # when
    with transaction.atomic():
        job = job_start(city=city, kind="city_export", params={}, actor=admin)
    finished = wait_for(job.pk)

    # then
    assert finished.status == "succeeded", finished.error
    assert finished.progress == 100
    assert finished.result["rows"]["区县"] == 6
    workbook = load_workbook(BytesIO(finished.document.file.read()))
    assert workbook["城市"]["B4"].value == "福建省"

    # a second delivery of the same task (acks_late redelivery) does nothing more
    run_job.delay(job.pk).get(timeout=60)
    assert Document.objects.filter(pk=finished.document_id).count() == 1
    assert Document.objects.exclude(purpose__in=DEMO_DOCUMENTS).count() == 1
    assert Job.objects.get(pk=job.pk).attempts == 1
