"""docker-compose.yml describes the production stack and validates without an engine."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]


def compose(*args, **env):
    require_service(shutil.which("docker-compose") is not None, "docker-compose (Debian package)")
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "POSTGRES_PASSWORD"}}
    return subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_file_validates_and_names_the_five_services():
    result = compose("config", "--services", SECRET_KEY="s" * 60, POSTGRES_PASSWORD="pw")

    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split()) == ["beat", "postgres", "redis", "web", "worker"]
    assert compose("config", "-q", SECRET_KEY="s" * 60, POSTGRES_PASSWORD="pw").returncode == 0


def test_it_refuses_to_start_without_a_secret_key():
    result = compose("config", "-q", POSTGRES_PASSWORD="pw")

    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr


def test_web_runs_in_production_mode_on_postgres_and_redis():
    result = compose("config", SECRET_KEY="s" * 60, POSTGRES_PASSWORD="pw")

    assert 'DEBUG: "false"' in result.stdout or "DEBUG: 'false'" in result.stdout
    assert "DATABASE_URL: postgres://portal:pw@postgres:5432/portal" in result.stdout
    assert "REDIS_URL: redis://redis:6379/0" in result.stdout


@pytest.mark.parametrize(
    "command", ["celery -A pilot_portal worker", "celery -A pilot_portal beat"]
)
def test_worker_and_beat_run_the_portal_s_celery_app(command):
    assert command in compose("config", SECRET_KEY="s" * 60, POSTGRES_PASSWORD="pw").stdout
