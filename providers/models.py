"""Digital service providers: national profiles (one per credit code).

Selection into a city's pool is per city and arrives with the providers issue.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ProviderKind(models.TextChoices):
    INTEGRATOR = "integrator", _("System integrator")
    PRODUCT = "product", _("Product provider")
    CHAIN_LEADER = "chain_leader", _("Chain leader")


class Provider(models.Model):
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ProviderKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")

    def __str__(self):
        return self.name
