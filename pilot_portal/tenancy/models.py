"""Cities (the tenants), their reference data, and who belongs to which city in what role."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Region(models.TextChoices):
    EAST = "east", _("East")
    CENTRAL = "central", _("Central")
    WEST = "west", _("West")
    NORTHEAST = "northeast", _("Northeast")


class Tier(models.TextChoices):
    CAPITAL = "capital", _("Provincial capital")
    SEPARATELY_PLANNED = "separately_planned", _("Separately planned city")
    XPCC = "xpcc", _("Xinjiang Production and Construction Corps")
    PREFECTURE = "prefecture", _("Prefecture-level city")
    MUNICIPAL_DISTRICT = "municipal_district", _("District of a municipality")


class Role(models.TextChoices):
    MINISTRY = "ministry", _("Ministry")
    PROVINCE = "province", _("Provincial department")
    CITY_ADMIN = "city_admin", _("City administrator")
    DISTRICT_OFFICER = "district_officer", _("District officer")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    EXPERT = "expert", _("Expert")
    ASSESSOR = "assessor", _("Assessor")
    AUDITOR = "auditor", _("Auditor")
    ENTERPRISE = "enterprise", _("Enterprise")
    PROVIDER = "provider", _("Service provider")


# Roles held inside one city (a membership names the city).
CITY_ROLES = frozenset(Role) - {Role.MINISTRY, Role.PROVINCE}


class CityScopedQuerySet(models.QuerySet):
    """Every tenant-owned model's queryset: reads start from `for_city(city)`."""

    def for_city(self, city):
        return self.filter(city=city)


class Province(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self):
        return self.name


class City(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=64, blank=True)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="cities", verbose_name=_("province")
    )
    division_code = models.CharField(_("division code (GB/T 2260)"), max_length=6, blank=True)
    region = models.CharField(_("region"), max_length=16, choices=Region.choices)
    tier = models.CharField(_("tier"), max_length=24, choices=Tier.choices)
    batch_year = models.PositiveSmallIntegerField(_("pilot batch year"))
    award_cap = models.DecimalField(_("central award cap (CNY)"), max_digits=14, decimal_places=2)
    local_matching_ratio = models.DecimalField(
        _("local matching ratio"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Local funds per yuan of central award, e.g. 1.25 for 1 : 1.25."),
    )
    period_start = models.DateField(_("implementation period start"))
    period_end = models.DateField(_("implementation period end"))
    enterprises_target = models.PositiveIntegerField(
        _("enterprises to transform"), null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="city_period_end_after_start",
            ),
            models.CheckConstraint(condition=Q(award_cap__gt=0), name="city_award_cap_positive"),
        ]

    def __str__(self):
        return self.name


class District(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="districts")
    code = models.CharField(_("code"), max_length=12)
    name = models.CharField(_("name"), max_length=64)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["city_id", "code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="district_code_unique_in_city")
        ]

    def __str__(self):
        return self.name


class Sector(models.Model):
    """A sub-industry (细分行业) the city chose for its pilot."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="sectors")
    code = models.CharField(_("code"), max_length=12)
    name = models.CharField(_("name"), max_length=128)
    gbt_code = models.CharField(_("GB/T 4754 code"), max_length=8, blank=True)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["city_id", "code"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="sector_code_unique_in_city")
        ]

    def __str__(self):
        return self.name


class Batch(models.Model):
    """An enrolment round: enterprises apply between `opens` and `closes`."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="batches")
    name = models.CharField(_("name"), max_length=64)
    year = models.PositiveSmallIntegerField(_("year"))
    opens = models.DateField(_("opens"))
    closes = models.DateField(_("closes"))
    subsidy_bearing = models.BooleanField(
        _("leads to subsidies"),
        default=True,
        help_text=_(
            "Excluded enterprises (centrally funded little giants, 2022 pilot, blacklist) "
            "cannot be approved in such a batch without a recorded override."
        ),
    )

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["city_id", "opens"]
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="batch_name_unique_in_city"),
            models.CheckConstraint(
                condition=Q(closes__gte=models.F("opens")), name="batch_closes_after_opens"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.year})"

    def is_open(self, day) -> bool:
        return self.opens <= day <= self.closes


class Membership(models.Model):
    """A user's role in a city (or, for ministry and province users, above cities)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    city = models.ForeignKey(
        City, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["user_id", "city_id", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # Ministry users stand above every city; province users above their province's.
            models.CheckConstraint(
                condition=(
                    Q(role="ministry", city__isnull=True, province__isnull=True)
                    | Q(role="province", city__isnull=True, province__isnull=False)
                    | (
                        ~Q(role__in=["ministry", "province"])
                        & Q(city__isnull=False, province__isnull=True)
                    )
                ),
                name="membership_scope_matches_role",
            ),
            models.CheckConstraint(
                condition=Q(district__isnull=True) | Q(role="district_officer"),
                name="membership_district_only_for_officers",
            ),
            models.CheckConstraint(
                condition=Q(enterprise__isnull=True) | Q(role="enterprise"),
                name="membership_enterprise_only_for_enterprise_role",
            ),
            models.CheckConstraint(
                condition=Q(provider__isnull=True) | Q(role="provider"),
                name="membership_provider_only_for_provider_role",
            ),
        ]

    def __str__(self):
        scope = self.city or self.province or _("all cities")
        return f"{self.user} · {self.get_role_display()} · {scope}"
