"""Enterprises: a city's registry of SMEs.

The platform issue ships the registry's core fields so memberships, the demo and
the isolation suite have an enterprise to point at; enrolment builds on it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pilot_portal.tenancy.models import City, CityScopedQuerySet, District, Sector


class Size(models.TextChoices):
    ABOVE = "above", _("Above designated size")
    BELOW = "below", _("Below designated size")


class SRDI(models.TextChoices):
    NONE = "none", _("None")
    PROVINCIAL = "provincial", _("Provincial SRDI")
    LITTLE_GIANT = "little_giant", _("National little giant")


class Enterprise(models.Model):
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="enterprises")
    uscc = models.CharField(_("unified social credit code"), max_length=18)
    name = models.CharField(_("name"), max_length=200)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="enterprises"
    )
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, null=True, blank=True, related_name="enterprises"
    )
    size = models.CharField(_("size"), max_length=8, choices=Size.choices, default=Size.BELOW)
    srdi = models.CharField(_("SRDI"), max_length=16, choices=SRDI.choices, default=SRDI.NONE)
    central_fund_little_giant = models.BooleanField(
        _("little giant funded by the central SME fund"), default=False
    )
    in_2022_pilot = models.BooleanField(_("in the 2022 transformation pilot"), default=False)
    blacklisted_until = models.DateField(_("blacklisted until"), null=True, blank=True)
    current_level = models.PositiveSmallIntegerField(_("digital level"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["city_id", "name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        constraints = [
            models.UniqueConstraint(fields=["city", "uscc"], name="enterprise_uscc_unique_in_city"),
            models.CheckConstraint(
                condition=models.Q(current_level__isnull=True)
                | models.Q(current_level__gte=1, current_level__lte=4),
                name="enterprise_level_1_to_4",
            ),
        ]

    def __str__(self):
        return self.name
