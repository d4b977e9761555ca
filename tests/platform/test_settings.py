"""Settings come from the environment; bad values stop the start with the variable's name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL_KEY = "k3y-" + "x7Q!9z" * 10


def manage(*args, **env):
    unset = {"DATABASE_URL", "REDIS_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # the tests set it
    base = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_mode_refuses_to_start_without_a_real_secret_key():
    result = manage("check", DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "production mode (DEBUG=false) needs a real SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DEBUG", "maybe"), ("DATABASE_URL", "oracle-ish://db"), ("AXES_FAILURE_LIMIT", "five")],
)
def test_a_bad_value_names_its_variable(variable, value):
    result = manage("check", **{variable: value})

    assert result.returncode != 0
    assert (
        f"{variable}: 环境变量取值无效" in result.stderr or f"{variable}: 不支持" in result.stderr
    )
    assert value in result.stderr


def test_the_deploy_check_passes_in_production_mode():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=REAL_KEY,
        ALLOWED_HOSTS="portal.example.gov.cn",
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def settings_seen(expressions: str, **env) -> list[str]:
    """What the settings module computes from `env` (a fresh process: settings read env once)."""
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        f"print({expressions})"
    )
    unset = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**base, "DJANGO_SETTINGS_MODULE": "pilot_portal.settings", **env},
    )  # fmt: skip
    return result.stdout.split()


def test_the_embedded_default_uses_sqlite_eager_celery_and_console_mail():
    seen = settings_seen(
        "s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND, "
        "s.CACHES['default']['BACKEND']"
    )

    assert seen == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
        "django.core.cache.backends.locmem.LocMemCache",
    ]


def test_database_and_redis_urls_switch_to_production_services():
    seen = settings_seen(
        "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], "
        "s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL, s.CACHES['default']['BACKEND']",
        DATABASE_URL="postgres://portal@db:5432/portal",
        REDIS_URL="redis://redis:6379/0",
    )

    assert seen == [
        "django.db.backends.postgresql",
        "portal",
        "False",
        "redis://redis:6379/0",
        "django.core.cache.backends.redis.RedisCache",
    ]
