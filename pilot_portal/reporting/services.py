"""Every write of performance reporting: installing a city's indicator table, entering and
reviewing manual values, submitting and reopening reporting periods.

Each runs in one transaction and records who did what (an audit entry; a step for periods).
"""

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from pilot_portal.audit.services import audit_record
from pilot_portal.documents.services import document_upload
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from pilot_portal.reporting import selectors
from pilot_portal.reporting.metrics import METRICS
from pilot_portal.reporting.models import (
    Indicator,
    IndicatorSource,
    ManualStatus,
    ManualValue,
    PeriodFigure,
    PeriodKind,
    PeriodStatus,
    PeriodStep,
    ReportingPeriod,
)
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Role

METRIC_MAP_FILE = Path(__file__).parent / "data" / "indicator_metrics.json"
EVIDENCE_PURPOSE = "indicator_evidence"


def shipped_metric_map() -> dict[str, dict[str, str]]:
    data = json.loads(METRIC_MAP_FILE.read_text(encoding="utf-8"))
    data.pop("_about", None)
    return data


@transaction.atomic
def indicators_install(*, city, rows: list, metrics: dict[str, str], actor=None) -> int:
    """Create or update the city's indicators from rows `[code, name, unit, {year: target},
    total]` (seed-cities.json's shape). `metrics` maps codes to computed metrics; any other
    code is manual. Idempotent; returns the number of indicators."""
    unknown = sorted(set(metrics.values()) - set(METRICS))
    if unknown:
        raise InvalidInput(f"未知的指标口径 / unknown metrics: {', '.join(unknown)}")
    existing = {i.code: i for i in Indicator.objects.for_city(city)}
    changed = []
    for order, (code, name, unit, targets, total) in enumerate(rows, start=1):
        metric = metrics.get(str(code), "")
        fields = {
            "name": name,
            "unit": unit,
            "order": order,
            "targets": {str(y): str(Decimal(v)) for y, v in targets.items()},
            "total_target": Decimal(total) if total not in (None, "") else None,
            "source": IndicatorSource.COMPUTED if metric else IndicatorSource.MANUAL,
            "metric": metric,
        }
        indicator = existing.get(str(code)) or Indicator(city=city, code=str(code))
        if indicator.pk and all(getattr(indicator, k) == v for k, v in fields.items()):
            continue  # installing the same table again changes nothing
        for name_, value in fields.items():
            setattr(indicator, name_, value)
        indicator.save()
        changed.append(str(code))
    if changed:
        audit_record(actor=actor, action="indicators.install", city=city, data={"changed": changed})
    return len(rows)


def _value(raw) -> Decimal:
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"数值无效：{raw} / not a number: {raw}", field="value") from None
    if not value.is_finite() or value < 0:
        raise InvalidInput(f"数值须为非负数：{raw} / must be 0 or more: {raw}", field="value")
    if value != value.quantize(Decimal("0.01")) or value >= Decimal("1e14"):
        raise InvalidInput(
            f"数值最多两位小数、14 位整数 / at most 2 decimals and 14 digits: {raw}", field="value"
        )
    return value


@transaction.atomic
def manual_value_enter(*, indicator: Indicator, value, note: str, upload, actor) -> ManualValue:
    """The city reports a manual indicator's value with its evidence; it counts once reviewed."""
    if indicator.source != IndicatorSource.MANUAL:
        raise Conflict(
            f"指标 {indicator.code} 由系统自动计算，不能填报 / indicator {indicator.code} is "
            "computed from the records and takes no entered value"
        )
    amount = _value(value)
    if upload is None:
        raise InvalidInput("请上传证明材料 / evidence is required", field="evidence")
    evidence = document_upload(
        city=indicator.city, upload=upload, actor=actor, purpose=EVIDENCE_PURPOSE
    )
    entry = ManualValue.objects.create(
        city=indicator.city,
        indicator=indicator,
        value=amount,
        note=note.strip(),
        evidence=evidence,
        entered_by=actor,
    )
    audit_record(
        actor=actor,
        action="indicator_value.enter",
        city=indicator.city,
        obj=entry,
        data={"indicator": indicator.code, "value": str(amount)},
    )
    return entry


@transaction.atomic
def manual_value_review(*, value: ManualValue, accept: bool, comment: str, actor) -> ManualValue:
    """An auditor accepts or rejects an entered value (never their own; a rejection says why)."""
    value = (
        ManualValue.objects.select_for_update().select_related("indicator", "city").get(pk=value.pk)
    )
    if value.status != ManualStatus.PENDING:
        raise Conflict(
            f"该填报值已审核（{value.get_status_display()}）/ this value was already reviewed "
            f"({value.status})",
            status=value.status,
        )
    if value.entered_by_id == actor.pk:
        raise NotAllowed("不能审核自己填报的数值 / you cannot review a value you entered")
    if not accept and not comment.strip():
        raise InvalidInput("驳回须说明理由 / a rejection needs a reason", field="comment")
    value.status = ManualStatus.ACCEPTED if accept else ManualStatus.REJECTED
    value.reviewed_by, value.reviewed_at = actor, timezone.now()
    value.review_comment = comment.strip()
    value.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    audit_record(
        actor=actor,
        action=f"indicator_value.{value.status}",
        city=value.city,
        obj=value,
        reason=value.review_comment,
        data={"indicator": value.indicator.code, "value": str(value.value)},
    )
    return value


def _check_year(city, kind: str, year) -> int:
    if kind not in PeriodKind.values:
        raise InvalidInput(f"未知的报告类型：{kind} / unknown period kind: {kind}", field="kind")
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise InvalidInput(f"年份无效：{year} / not a year: {year}", field="year") from None
    first, last = city.period_start.year, city.period_end.year
    if not first <= year <= last:
        raise InvalidInput(
            f"年份须在实施期 {first}–{last} 内 / the year must fall in the period {first}–{last}",
            field="year",
        )
    return year


@transaction.atomic
def period_submit(*, city, kind: str, year, actor) -> ReportingPeriod:
    """Submit the city's figures for a period: every indicator's target, actual and progress are
    frozen as a new version. A submitted period is locked until reopened (409)."""
    year = _check_year(city, kind, year)
    period, _ = ReportingPeriod.objects.select_for_update().get_or_create(
        city=city, kind=kind, year=year
    )
    if period.status == PeriodStatus.SUBMITTED:
        raise Conflict(
            f"{period} 已报送，如需更正请先退回并说明理由 / {year} {kind} is already submitted; "
            "reopen it with a reason to correct it",
            status=period.status,
        )
    rows = selectors.indicator_rows(city=city, year=year)
    if not rows:
        raise Conflict("本市尚无绩效指标，无法报送 / the city has no indicators to report")
    period.version += 1
    PeriodFigure.objects.bulk_create(
        PeriodFigure(
            city=city,
            period=period,
            version=period.version,
            indicator=row.indicator,
            code=row.indicator.code,
            name=row.indicator.name,
            unit=row.indicator.unit,
            source=row.indicator.source,
            target=row.target,
            actual=row.actual,
            progress=row.progress,
            explanation=row.explanation,
        )
        for row in rows
    )
    before = period.status
    period.status, period.submitted_at, period.submitted_by = (
        PeriodStatus.SUBMITTED,
        timezone.now(),
        actor,
    )
    period.save(update_fields=["status", "version", "submitted_at", "submitted_by"])
    _step(period, "submit", actor, before, "")
    audit_record(
        actor=actor,
        action="period.submit",
        city=city,
        obj=period,
        data={"kind": kind, "year": year, "version": period.version},
    )
    return period


@transaction.atomic
def period_reopen(*, period: ReportingPeriod, reason: str, actor) -> ReportingPeriod:
    """Reopen a submitted period to correct it; the submitted versions stay on record."""
    period = ReportingPeriod.objects.select_for_update().select_related("city").get(pk=period.pk)
    if period.status != PeriodStatus.SUBMITTED:
        raise Conflict(
            "该报告期尚未报送，无需退回 / this period is not submitted: nothing to reopen",
            status=period.status,
        )
    if not reason.strip():
        raise InvalidInput("退回须说明理由 / reopening needs a reason", field="reason")
    period.status = PeriodStatus.OPEN
    period.save(update_fields=["status"])
    _step(period, "reopen", actor, PeriodStatus.SUBMITTED, reason.strip())
    audit_record(
        actor=actor, action="period.reopen", city=period.city, obj=period, reason=reason.strip()
    )
    return period


def _step(period, action, actor, before, comment) -> PeriodStep:
    roles = policy.roles_in(actor, period.city)
    return PeriodStep.objects.create(
        period=period,
        action=action,
        actor=actor,
        actor_role=Role.CITY_ADMIN if Role.CITY_ADMIN in roles else next(iter(roles), ""),
        from_status=before,
        to_status=period.status,
        comment=comment,
    )
