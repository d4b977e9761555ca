"""The registry of job kinds.

An app declares a kind in its `job_kinds` module:

    @job_kind("city_export", label=_("City data export (xlsx)"), roles=CITY_STAFF)
    def city_export(job, progress):
        ...
        return JobOutput(result={...}, file=("name.xlsx", content, content_type))

`progress(percent)` records progress; the function returns what the job produced.
Running a kind twice on the same job must change nothing more than running it once.

A kind that hands its work on to other tasks (batch verification sends one task per chunk)
returns `JobOutput(pending=True)`: the job stays running, and whoever finishes the work calls
`services.job_finish(job, result=..., failed=...)`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class JobOutput:
    result: dict = field(default_factory=dict)
    # (file name, content, content type), stored as a Document the job points to.
    file: tuple[str, bytes, str] | None = None
    # The work goes on elsewhere: leave the job running; `job_finish` ends it.
    pending: bool = False


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    roles: frozenset
    run: Callable
    # A kind that needs input (a file, filters) is started from its own page, named here;
    # the others are started with a bare button.
    start_url_name: str | None = None


_kinds: dict[str, JobKind] = {}


class UnknownJobKind(KeyError):
    pass


def job_kind(name: str, *, label, roles, start_url_name: str | None = None):
    def register(func):
        _kinds[name] = JobKind(
            name=name, label=label, roles=frozenset(roles), run=func, start_url_name=start_url_name
        )
        return func

    return register


def get_kind(name: str) -> JobKind:
    try:
        return _kinds[name]
    except KeyError:
        raise UnknownJobKind(name) from None


def all_kinds() -> list[JobKind]:
    return sorted(_kinds.values(), key=lambda kind: kind.name)
