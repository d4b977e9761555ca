"""The benchmark's own PostgreSQL database, and the environment Django runs with there.

Everything runs in production mode (DEBUG=false) against `pilot_portal_bench` on the
local server; REDIS_URL is removed so Celery runs eagerly and the cache is local memory.
"""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "pilot_portal_bench"
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"


def database_url(*, name: str = BENCH_DB) -> str:
    return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def new_secret_key() -> str:
    """60 random URL-safe characters (production mode needs at least 50)."""
    return secrets.token_urlsafe(45)


def django_environ(
    *, secret_key: str, conn_max_age: int = 60, media_root: str | None = None
) -> dict[str, str]:
    """What settings.py reads for production mode on the bench database, over plain HTTP.

    `media_root`: where uploaded files go (the import benchmark's lists), instead of var/media.
    """
    media = {"MEDIA_ROOT": media_root} if media_root else {}
    return {
        **media,
        "DJANGO_SETTINGS_MODULE": "pilot_portal.settings",
        "DATABASE_URL": database_url(),
        "CONN_MAX_AGE": str(conn_max_age),
        "DEBUG": "false",
        "SECRET_KEY": secret_key,
        # wrk speaks plain HTTP to 127.0.0.1: no redirect to https, no HSTS.
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        # testserver: the in-process test client that counts queries.
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    }


def apply_environ(values: dict[str, str]) -> None:
    """Set the variables for this process and its children; no Redis (eager Celery)."""
    os.environ.update(values)
    os.environ.pop("REDIS_URL", None)


def _admin_connection():
    connection = psycopg2.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=5
    )
    connection.autocommit = True
    return connection


def postgres_version() -> str:
    """The server's version; a clear error when nothing listens on 127.0.0.1:5432."""
    try:
        connection = _admin_connection()
    except psycopg2.OperationalError as error:
        raise SystemExit(
            f"PostgreSQL is needed on {PG_HOST}:{PG_PORT} (user {PG_USER}, trust auth): "
            f"{error}\nStart it with scripts/ensure-services.sh"
        ) from error
    with connection, connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def database_recreate(name: str = BENCH_DB) -> None:
    """Drop the bench database (closing its sessions) and create it empty."""
    connection = _admin_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()


def database_drop(name: str = BENCH_DB) -> None:
    connection = _admin_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    finally:
        connection.close()


def manage(*args: str) -> float:
    """Run `manage.py <args>` with this process's environment; return the seconds it took."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=os.environ, check=True)
    return time.perf_counter() - started


def static_files_current() -> bool:
    """Is STATIC_ROOT's manifest newer than every static source file? (Django set up.)

    collectstatic takes about a minute here (whitenoise compresses the Swagger/Redoc
    bundles), so the run collects only when a source file changed since the last time.
    """
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return False
    collected_at = manifest.stat().st_mtime
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            if Path(storage.path(path)).stat().st_mtime > collected_at:
                return False
    return True
