"""Stored files: job outputs now, uploads (contracts, invoices, evidence) later.

Files live in Django's storage under a path no one can guess, and are served only
through `documents/<id>/download/`, which asks the policy module first.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pilot_portal.tenancy.models import City, CityScopedQuerySet


def document_path(instance, filename):
    return f"documents/{instance.city.code}/{uuid.uuid4().hex}/{filename}"


class Document(models.Model):
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="documents")
    name = models.CharField(_("file name"), max_length=200)
    file = models.FileField(_("file"), upload_to=document_path, max_length=300)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    purpose = models.CharField(_("purpose"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self):
        return self.name
