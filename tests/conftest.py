"""Shared fixtures: services, the demo, the two-city world, a browser on Debian's chromium."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from pilot_portal.celery import app as celery_app

# Playwright's sync API runs an event loop in the test thread; Django's ORM is still safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI") == "true"
CHROMIUM = "/usr/bin/chromium"


def pytest_configure(config):
    # Hashing demo passwords with PBKDF2 costs seconds per test; tests don't need the strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Under pytest-xdist (`make test`) each worker has its own test database
    # (test_<name>_gw0, ...); a Redis cache (CI) is shared, so each keeps its own keys.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        settings.CACHES["default"]["KEY_PREFIX"] = f"test-{worker}"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks run in-process unless a test starts a real worker (see test_celery_worker)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def require_service(available: bool, what: str):
    """Skip locally when a service is missing; in CI a missing service is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI and is not available")
    pytest.skip(f"{what} not available")


def seed_demo_data():
    from pilot_portal.demo.services import demo_seed

    return demo_seed(
        seed_file=Path(settings.SEED_DATA_DIR) / "seed-cities.json", password=settings.DEMO_PASSWORD
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the demo once per test database; each test's transaction is rolled back over it."""
    with django_db_blocker.unblock():
        seed_demo_data()


@pytest.fixture
def demo(db):
    """The demo cities and users, as `make run` loads them."""
    from pilot_portal.tenancy.models import City

    if not City.objects.filter(code="shenyang").exists():  # a transactional test flushed it
        seed_demo_data()
    return City.objects.filter(code__in=["shenyang", "xiamen", "xinxiang"]).order_by("code")


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not Path(CHROMIUM).exists():
        require_service(False, f"Debian chromium at {CHROMIUM}")
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
