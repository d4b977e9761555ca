"""Batch verification (issue 8): runs that check every enterprise of a batch or city against
every rule, in chunks processed by Celery workers, and the findings they leave.

A run is kept for ever (a city shows its verification history to auditors). Within a run a
finding is unique by its fingerprint, and a chunk's findings are replaced as a whole when the
chunk is processed again (a redelivered task after a worker was killed), so nothing is
recorded twice and the same data always gives the same findings.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from pilot_portal.tenancy.models import City, CityScopedQuerySet


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")


class VerificationRun(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="verification_runs")
    # One batch, or (empty) every enterprise of the city.
    batch = models.ForeignKey(
        "tenancy.Batch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    job = models.OneToOneField(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="verification"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    enterprise_count = models.PositiveIntegerField(_("enterprises"), default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    # {"error": 3, "warning": 5, "info": 1, "by_code": {"uscc_check_digit": 2, …}}
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("verification run")
        verbose_name_plural = _("verification runs")
        constraints = [
            models.CheckConstraint(
                condition=Q(chunks_done__lte=F("chunks_total")), name="run_chunks_done_le_total"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.city_id}"


class VerificationChunk(models.Model):
    """A slice of a run's enterprises, processed by one task (retried as a whole)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(VerificationRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    enterprise_ids = models.JSONField(default=list)
    done = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["run_id", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="chunk_index_unique_in_run"),
        ]

    def __str__(self):
        return f"{self.run_id}/{self.index}"


class Severity(models.TextChoices):
    ERROR = "error", _("Error")
    WARNING = "warning", _("Warning")
    INFO = "info", _("Info")


class Finding(models.Model):
    """One thing a check found about one record, with a stable code and a message in Chinese
    and English, pointing to the record to fix (`object_type` + `object_id`)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(VerificationRun, on_delete=models.CASCADE, related_name="findings")
    chunk = models.PositiveIntegerField()
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    code = models.CharField(_("code"), max_length=48)
    message_zh = models.TextField(_("message (Chinese)"))
    message_en = models.TextField(_("message (English)"))
    object_type = models.CharField(max_length=64, blank=True)  # e.g. "enterprises.project"
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    fingerprint = models.CharField(max_length=64)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["run_id", "severity", "code", "pk"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.UniqueConstraint(fields=["run", "fingerprint"], name="finding_once_per_run"),
        ]
        indexes = [
            models.Index(fields=["run", "severity", "code"], name="finding_run_sev_code"),
            models.Index(fields=["run", "enterprise"], name="finding_run_enterprise"),
        ]

    def __str__(self):
        return f"{self.severity} {self.code}"


class InspectionSample(models.Model):
    """抽查: enterprises drawn from a run for on-site inspection, weighted by risk, reproducible
    from the recorded seed."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(VerificationRun, on_delete=models.PROTECT, related_name="samples")
    seed = models.BigIntegerField(_("seed"))
    size = models.PositiveIntegerField(_("sample size"))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("inspection sample")
        verbose_name_plural = _("inspection samples")

    def __str__(self):
        return f"#{self.pk} ({self.size})"


class InspectionOutcome(models.TextChoices):
    PENDING = "pending", _("Not yet inspected")
    COMPLIANT = "compliant", _("Compliant")
    ISSUES = "issues", _("Issues found")
    FRAUD = "fraud", _("Fraud suspected")


class InspectionItem(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    sample = models.ForeignKey(InspectionSample, on_delete=models.CASCADE, related_name="items")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="+"
    )
    rank = models.PositiveIntegerField()  # order of drawing
    weight = models.DecimalField(max_digits=12, decimal_places=4)
    reasons = models.JSONField(default=list, blank=True)  # why the weight: [[zh, en], …]
    outcome = models.CharField(
        _("outcome"),
        max_length=16,
        choices=InspectionOutcome.choices,
        default=InspectionOutcome.PENDING,
    )
    note = models.TextField(_("inspection note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["sample_id", "rank"]
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")
        constraints = [
            models.UniqueConstraint(
                fields=["sample", "enterprise"], name="inspection_enterprise_once"
            ),
        ]

    def __str__(self):
        return f"{self.sample_id}#{self.rank}"
