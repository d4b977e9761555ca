"""What the checks read about one chunk of enterprises, loaded in bulk and once.

Each property is one query (values() rows, no model instances but the claims, which the subsidy
engine needs), filtered by the chunk's enterprise ids, so a chunk of 3 enterprises and one of
3,000 cost the same number of queries. Only enterprises of `city` are read: an id of another
city in the list is ignored.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.utils import timezone

from enterprises.models import Application, Enterprise
from enterprises.projects.models import Project
from pilot_portal.verification.findings import FindingSpec
from subsidies.models import SubsidyClaim

from .codes import CODES


@dataclass
class Context:
    city: object
    enterprise_ids: list[int]
    today: datetime.date

    @cached_property
    def enterprises(self) -> dict[int, dict]:
        rows = (
            Enterprise.objects.filter(city_id=self.city.pk, pk__in=self.enterprise_ids)
            .order_by("pk")
            .values(
                "id",
                "uscc",
                "name",
                "size",
                "srdi",
                "central_fund_little_giant",
                "in_2022_pilot",
                "blacklisted_until",
                "district_id",
                "district__city_id",
                "district__name",
                "sector_id",
                "sector__city_id",
                "sector__name",
            )
        )
        return {row["id"]: row for row in rows}

    @property
    def ids(self) -> list[int]:
        return list(self.enterprises)

    @cached_property
    def applications(self) -> list[dict]:
        return list(
            Application.objects.filter(enterprise_id__in=self.ids)
            .order_by("enterprise_id", "pk")
            .values(
                "id",
                "enterprise_id",
                "status",
                "batch_id",
                "batch__name",
                "batch__subsidy_bearing",
                "exclusion_override_reason",
                "declares_not_central_little_giant",
                "declares_not_in_2022_pilot",
            )
        )

    @cached_property
    def projects(self) -> dict[int, dict]:
        rows = (
            Project.objects.filter(enterprise_id__in=self.ids)
            .order_by("pk")
            .values(
                "id",
                "enterprise_id",
                "provider_id",
                "provider__name",
                "title",
                "status",
                "planned_start",
            )
        )
        return {row["id"]: row for row in rows}

    @cached_property
    def claims(self) -> list[SubsidyClaim]:
        """The enterprises' claims as instances (the subsidy engine reads them), with the
        enterprise (its exclusion flags) and the current computation."""
        return list(
            SubsidyClaim.objects.filter(enterprise_id__in=self.ids)
            .select_related("enterprise", "computation")
            .defer(
                "computation__steps",
                "computation__explanation_zh",
                "computation__explanation_en",
            )
            .order_by("pk")
        )

    # -- derived, no query of their own ---------------------------------------------------

    @cached_property
    def approved_applications(self) -> dict[int, list[dict]]:
        by_enterprise = defaultdict(list)
        for row in self.applications:
            if row["status"] == "approved":
                by_enterprise[row["enterprise_id"]].append(row)
        return by_enterprise

    def supported(self, enterprise_id: int) -> bool:
        """Enrolled in a batch that leads to subsidies."""
        return any(a["batch__subsidy_bearing"] for a in self.approved_applications[enterprise_id])

    def start_of(self, day: datetime.date) -> datetime.datetime:
        """Midnight of `day` in the portal's time zone (a date compared with step times)."""
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def finding(code, enterprise_id, zh, en, *, object_type, object_id, **details) -> FindingSpec:
    """A finding of `code` at the code's severity; `details` are the facts behind the message
    (JSON-able, and stable: they are part of the fingerprint)."""
    return FindingSpec(
        code=code,
        severity=CODES[code].severity,
        enterprise_id=enterprise_id,
        message_zh=zh,
        message_en=en,
        object_type=object_type,
        object_id=object_id,
        details={k: _plain(v) for k, v in details.items()},
    )


def _plain(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, (datetime.date,)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)  # Decimal and the like
