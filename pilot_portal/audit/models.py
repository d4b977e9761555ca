"""An append-only, hash-chained log of decisions.

Each entry's hash covers its content and the previous entry's hash, so editing
or deleting any entry breaks the chain from there on; `manage.py
verify_audit_log` walks the chain and says where. The chain head (last sequence
number and hash) is kept in its own row, which also serialises appends and
reveals a truncated tail.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditLogIsAppendOnly(Exception):
    pass


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The username is kept as text so the entry still says who acted if the user goes.
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    city_code = models.CharField(_("city"), max_length=32, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log entries")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditLogIsAppendOnly("审计日志只能追加 / the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("审计日志只能追加 / the audit log is append-only")


class AuditChainHead(models.Model):
    """The single row naming the chain's last entry; appends lock it."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self):
        return f"#{self.seq} {self.hash[:12]}"
