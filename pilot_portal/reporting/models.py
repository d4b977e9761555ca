"""Performance reporting (issue 9): each city's indicators against its approved targets, the
manual values it enters with evidence, and the figures it submits per reporting period.

An indicator is data: a code, a name, a unit, targets per year and a total, and where its
actual comes from — a named metric of `reporting.metrics` (computed live from the city's
records) or manual values (entered with evidence, reviewed before they count).

A submitted period keeps a snapshot of every indicator's figures (`PeriodFigure`); snapshots are
never edited. Reopening a period (with a reason) and submitting again adds a new version.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pilot_portal.tenancy.models import City, CityScopedQuerySet
from pilot_portal.workflow import WorkflowStep

FIGURE = {"max_digits": 16, "decimal_places": 2}


class IndicatorSource(models.TextChoices):
    COMPUTED = "computed", _("Computed")
    MANUAL = "manual", _("Manual")


class Indicator(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=16)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # {"2024": "300", "2025": "367"}: Decimal strings, as the seeds' tables give them.
    targets = models.JSONField(_("targets by year"), default=dict)
    total_target = models.DecimalField(_("total target"), null=True, blank=True, **FIGURE)
    source = models.CharField(_("source"), max_length=8, choices=IndicatorSource.choices)
    metric = models.CharField(_("metric"), max_length=48, blank=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["city", "order", "code"]
        verbose_name = _("performance indicator")
        verbose_name_plural = _("performance indicators")
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="indicator_code_unique"),
            models.CheckConstraint(
                condition=Q(source="computed", metric__gt="") | Q(source="manual", metric=""),
                name="indicator_metric_iff_computed",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class ManualStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class ManualValue(models.Model):
    """A value the city reports for a manual indicator, with its evidence. The latest accepted
    value is the indicator's actual; a rejected or pending one never counts."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    value = models.DecimalField(_("value"), **FIGURE)
    note = models.TextField(_("how it was counted"), blank=True)
    evidence = models.ForeignKey(
        "documents.Document", on_delete=models.PROTECT, related_name="+", verbose_name=_("evidence")
    )
    status = models.CharField(
        _("status"), max_length=8, choices=ManualStatus.choices, default=ManualStatus.PENDING
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-entered_at", "-pk"]
        verbose_name = _("manual indicator value")
        verbose_name_plural = _("manual indicator values")
        indexes = [models.Index(fields=["indicator", "status"], name="manual_value_indicator")]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="manual_value_not_negative"),
            models.CheckConstraint(
                condition=Q(status="pending", reviewed_by__isnull=True)
                | (~Q(status="pending") & Q(reviewed_by__isnull=False)),
                name="manual_value_reviewed_iff_decided",
            ),
        ]

    def __str__(self):
        return f"{self.indicator_id}: {self.value}"


class PeriodKind(models.TextChoices):
    YEARLY = "yearly", _("Yearly report")
    MID_TERM = "mid_term", _("Mid-term evaluation")
    FINAL = "final", _("Final evaluation")


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SUBMITTED = "submitted", _("Submitted")


class ReportingPeriod(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="reporting_periods")
    kind = models.CharField(_("kind"), max_length=8, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=12, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    version = models.PositiveSmallIntegerField(_("version submitted"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["city", "-year", "kind"]
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        constraints = [
            models.UniqueConstraint(fields=["city", "kind", "year"], name="period_unique"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(submitted_at__isnull=False, version__gte=1),
                name="period_submitted_has_version",
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.get_kind_display()}"


class PeriodFigure(models.Model):
    """One indicator's figures as submitted for a period (one row per version): frozen, so a
    later change to the records or to the indicator never rewrites what the city reported."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="figures")
    version = models.PositiveSmallIntegerField(_("version"))
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=16)
    source = models.CharField(_("source"), max_length=8, choices=IndicatorSource.choices)
    target = models.DecimalField(_("target"), null=True, blank=True, **FIGURE)
    actual = models.DecimalField(_("actual"), null=True, blank=True, **FIGURE)
    progress = models.DecimalField(
        _("progress"), max_digits=8, decimal_places=4, null=True, blank=True
    )
    explanation = models.TextField(_("how it was counted"), blank=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["period", "-version", "pk"]
        verbose_name = _("submitted figure")
        verbose_name_plural = _("submitted figures")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "version", "indicator"], name="period_figure_unique"
            ),
        ]

    def __str__(self):
        return f"{self.code}: {self.actual} / {self.target}"


class PeriodStep(WorkflowStep):
    """submit / reopen, with who, when and (for a reopening) why."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="steps")
    from_status = models.CharField(_("from"), max_length=12, choices=PeriodStatus.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=PeriodStatus.choices)

    class Meta(WorkflowStep.Meta):
        verbose_name = _("reporting period step")
        verbose_name_plural = _("reporting period steps")
