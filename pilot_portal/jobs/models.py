"""Long work as rows: the Celery task updates the row, pages poll it.

State lives here, not in Celery's result backend, which reads PENDING for any
unknown task id.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pilot_portal.documents.models import Document
from pilot_portal.tenancy.models import City, CityScopedQuerySet


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)


class Job(models.Model):
    kind = models.CharField(_("kind"), max_length=64)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="jobs")
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    document = models.ForeignKey(
        Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    error = models.TextField(_("error"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [models.Index(fields=["city", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="job_progress_at_most_100"
            )
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED
