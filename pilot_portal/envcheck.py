"""Reading the environment with start-up errors that name the variable.

django-environ parses leniently (``DEBUG=maybe`` silently reads as False); the
portal would rather refuse to start and say which variable is wrong.
"""

import os

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def read_env(getter, name, *, default):
    """Read `name` with an `environ.Env` getter; explain a bad value by its name."""
    raw = os.environ.get(name)
    if raw is None:
        return getter(name, default=default)
    if getter.__name__ == "bool" and raw.strip().lower() not in _TRUE | _FALSE:
        raise ImproperlyConfigured(
            f"{name}: 环境变量取值无效 {raw!r}，应为 true 或 false / "
            f"invalid value {raw!r}, expected true or false"
        )
    try:
        value = getter(name, default=default)
    except Exception as exc:
        raise ImproperlyConfigured(
            f"{name}: 环境变量取值无效 {raw!r} / invalid value {raw!r} ({exc})"
        ) from exc
    if getter.__name__ == "db_url" and raw.split(":", 1)[0] not in environ.Env.DB_SCHEMES:
        raise ImproperlyConfigured(
            f"{name}: 不支持的数据库地址 {raw!r} / unsupported database URL {raw!r}"
        )
    return value
