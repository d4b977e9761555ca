"""Batch verification's checks: every enterprise of a chunk against every rule (`CODES`).

`findings_for(city, enterprise_ids)` reads the chunk in bulk — a fixed number of queries
whatever the number of enterprises (the enterprises, their applications and steps, documents,
projects and steps, assessments, investment lines, claims, ledger; lists, pools and other cities
only by the chunk's own credit codes, invoice numbers and providers) — and returns the findings
sorted, so the same data always gives the same list. Only enterprises of `city` are checked.
"""

import datetime

from django.utils import timezone

from pilot_portal.verification.findings import FindingSpec

from . import claims, enrolment, investments, projects, registry
from .codes import CODES, CodeInfo
from .context import Context

__all__ = ["CODES", "CodeInfo", "findings_for"]

CHECKS = (registry, enrolment, projects, investments, claims)


def findings_for(
    city, enterprise_ids: list[int], *, today: datetime.date | None = None
) -> list[FindingSpec]:
    """The findings about these enterprises of `city` (ids of other cities are ignored);
    `today` decides what "blacklisted" and "the rulebook in force" mean (default: today)."""
    ctx = Context(
        city=city,
        enterprise_ids=sorted({int(pk) for pk in enterprise_ids}),
        today=today or timezone.localdate(),
    )
    if not ctx.enterprises:
        return []
    unique = {}
    for check in CHECKS:
        for spec in check.check(ctx):
            unique.setdefault(spec.fingerprint, spec)
    return sorted(unique.values(), key=_order)


def _order(spec: FindingSpec):
    return (
        spec.enterprise_id or 0,
        spec.code,
        spec.object_type,
        spec.object_id or 0,
        spec.fingerprint,
    )
