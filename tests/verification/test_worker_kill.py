"""A real worker killed in the middle of a verification run (Redis, PostgreSQL; in CI, skipped
locally without them): a new worker finishes the run, with the findings of an undisturbed run,
each finding once and each chunk counted once."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction

from pilot_portal.celery import app as celery_app
from pilot_portal.demo.services import demo_uscc
from pilot_portal.jobs.models import Job
from pilot_portal.verification import services
from pilot_portal.verification.models import Finding, VerificationChunk, VerificationRun
from tests.conftest import require_service
from tests.factories import (
    CityFactory,
    DistrictFactory,
    EnterpriseFactory,
    MembershipFactory,
    SectorFactory,
)

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
CHUNK_DELAY = 1.5  # seconds each chunk waits before committing: time to kill the worker
VISIBILITY_TIMEOUT = 6  # seconds before Redis gives an unacknowledged message to another worker

# The worker, with the delay and a short visibility timeout (production keeps Redis's hour).
WORKER = f"""
import os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilot_portal.settings")
django.setup()
from django.conf import settings
settings.VERIFICATION_CHUNK_DELAY_SECONDS = {CHUNK_DELAY}
from pilot_portal.celery import app
queue = os.environ["TEST_QUEUE"]
app.conf.task_default_queue = queue  # the chunks it sends, too
app.conf.broker_transport_options = {{
    "visibility_timeout": {VISIBILITY_TIMEOUT},
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
    # Its own record of unacknowledged messages: it gives back only this test's, never those
    # of another pytest-xdist worker's test (which may take longer than the timeout here).
    "unacked_key": "unacked-" + queue,
    "unacked_index_key": "unacked_index-" + queue,
    "unacked_mutex_key": "unacked_mutex-" + queue,
}}
app.worker_main(sys.argv[1:])
"""


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def redis_available() -> bool:
    if not settings.REDIS_URL:
        return False
    try:
        return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError:
        return False


class Workers:
    """Workers on a queue of this test's own, started and killed at will."""

    def __init__(self, media_root, logs: Path):
        self.logs = logs
        self.queue = f"test-verify-{uuid.uuid4().hex[:8]}"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),  # the test database, which this test commits to
            "MEDIA_ROOT": str(media_root),
            "DJANGO_SETTINGS_MODULE": "pilot_portal.settings",
            "TEST_QUEUE": self.queue,
        }
        self.processes = []

    def start(self) -> subprocess.Popen:
        name = f"{self.queue}-{len(self.processes)}@localhost"
        log = open(self.logs / f"worker-{len(self.processes)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-c", WORKER, "worker", "--pool", "prefork", "--concurrency", "2",
             "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "-Q", self.queue,
             "-n", name],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,  # its own process group: killed with its pool processes
        )  # fmt: skip
        self.processes.append(process)
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[name], timeout=1):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{self.output()}")
        return process

    def output(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text()}" for path in self.logs.iterdir())

    def kill(self, process) -> None:
        os.killpg(process.pid, signal.SIGKILL)  # no warm shutdown, no requeue: a lost machine
        process.wait(timeout=30)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        with celery_app.connection_for_write() as broker:  # the queue and its binding
            bound = celery_app.amqp.queues[self.queue](broker.default_channel)
            bound.declare()
            bound.delete()
        redis.Redis.from_url(settings.REDIS_URL).delete(
            *(f"{key}-{self.queue}" for key in ("unacked", "unacked_index", "unacked_mutex"))
        )


@pytest.fixture
def workers(settings, tmp_path):
    require_service(redis_available(), "Redis (REDIS_URL)")
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    (tmp_path / "logs").mkdir()
    pool = Workers(settings.MEDIA_ROOT, tmp_path / "logs")
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = pool.queue  # where .delay() sends this test's tasks
    try:
        yield pool
    finally:
        celery_app.conf.task_default_queue = default_queue
        pool.stop()


def wait_until(condition, seconds, what, workers):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    jobs = list(Job.objects.values_list("pk", "kind", "status", "progress", "error"))
    runs = list(VerificationRun.objects.values_list("pk", "status", "chunks_done", "chunks_total"))
    pytest.fail(
        f"{what} did not happen in {seconds} s; jobs {jobs}; runs {runs}\n{workers.output()}"
    )


def finished(run) -> VerificationRun:
    run.refresh_from_db()
    return run if run.status != "running" else None


def findings(run):
    return sorted(
        Finding.objects.filter(run=run).values_list("code", "enterprise_id", "fingerprint")
    )


def test_a_run_survives_its_worker_being_killed(workers, settings):
    # given: 40 enterprises in chunks of 5, every fifth with a wrong check character
    settings.VERIFICATION_CHUNK_SIZE = 5
    city = CityFactory()
    district, sector = DistrictFactory(city=city), SectorFactory(city=city)
    admin = MembershipFactory(city=city, role="city_admin").user
    wrong = []
    for n in range(40):
        uscc = demo_uscc("110101", 7000 + n)
        if n % 5 == 0:
            uscc = uscc[:17] + ("0" if uscc[17] != "0" else "1")
        enterprise = EnterpriseFactory(city=city, uscc=uscc, district=district, sector=sector)
        if n % 5 == 0:
            wrong.append(enterprise.pk)
    first = workers.start()

    # an undisturbed run
    with transaction.atomic():
        calm = services.verification_start(admin, city)
    calm = wait_until(lambda: finished(calm), 120, "the undisturbed run", workers)
    assert calm.status == "succeeded"
    expected = findings(calm)
    assert sorted(e for code, e, _ in expected if code == "uscc_check_digit") == wrong

    # when: the worker dies outright with chunks under way, and another takes over
    with transaction.atomic():
        run = services.verification_start(admin, city)
    wait_until(
        lambda: VerificationRun.objects.get(pk=run.pk).chunks_done >= 2,
        60,
        "two chunks done",
        workers,
    )
    workers.kill(first)
    run.refresh_from_db()
    assert run.status == "running" and run.chunks_done < run.chunks_total == 8
    workers.start()
    run = wait_until(lambda: finished(run), 120, "the interrupted run", workers)

    # then: the same findings, each once; every chunk done and counted once
    assert run.status == "succeeded"
    assert findings(run) == expected
    assert Finding.objects.filter(run=run).count() == len(expected)
    assert run.chunks_done == run.chunks_total == 8
    chunks = list(VerificationChunk.objects.filter(run=run))
    assert all(chunk.done for chunk in chunks)
    assert max(chunk.attempts for chunk in chunks) >= 2  # one was killed half-way and retried
    assert run.counts == calm.counts
    job = Job.objects.get(pk=run.job_id)
    assert (job.status, job.progress, job.result["counts"]) == ("succeeded", 100, calm.counts)
