"""Digital service providers: a national profile each, selected into each city's pool.

A provider registers once (one profile per credit code, with its staff and reference
cases) and applies to any pilot city. Everything a city decides about it lives in that
city's rows: the selection with its status and history, the experts' scores, the
annual evaluations, and the provider's light solutions in the city's catalogue.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pilot_portal.tenancy.models import City, CityScopedQuerySet, Sector
from pilot_portal.workflow import WorkflowStep


class ProviderKind(models.TextChoices):
    INTEGRATOR = "integrator", _("System integrator")
    PRODUCT = "product", _("Product provider")
    CHAIN_LEADER = "chain_leader", _("Chain leader")


class Scenario(models.TextChoices):
    """The 16 business scenes of the 2024 digital-level questionnaire (ASSESSMENT.md).

    Light solutions name the scene they serve and enterprises name the scenes they need,
    so a diagnosis's weak scenes become demand without translation.
    """

    PRODUCT_DESIGN = "product_design", _("Product design")
    PROCESS_DESIGN = "process_design", _("Process design")
    MARKETING = "marketing", _("Marketing management")
    AFTER_SALES = "after_sales", _("After-sales service")
    SCHEDULING = "scheduling", _("Production planning and scheduling")
    PRODUCTION_CONTROL = "production_control", _("Production control")
    QUALITY = "quality", _("Quality management (e.g. visual inspection)")
    EQUIPMENT = "equipment", _("Equipment management")
    SAFETY = "safety", _("Production safety")
    ENERGY = "energy", _("Energy management")
    PROCUREMENT = "procurement", _("Procurement")
    WAREHOUSE = "warehouse", _("Warehousing and logistics")
    FINANCE = "finance", _("Financial management")
    HR = "hr", _("Human resources")
    OFFICE = "office", _("Collaborative office")
    DECISION = "decision", _("Decision support")


class Provider(models.Model):
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ProviderKind.choices)
    qualifications = models.TextField(
        _("qualifications"), blank=True, help_text=_("Certificates, licences, ratings.")
    )
    description = models.TextField(_("description"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="provider_staff_of",
        verbose_name=_("staff"),
        help_text=_("Users who act for this provider nationally (profile, city applications)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")

    def __str__(self):
        return self.name


class ProviderCase(models.Model):
    """A reference case on the national profile; a city application picks some of them."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="cases")
    title = models.CharField(_("title"), max_length=200)
    customer = models.CharField(_("customer"), max_length=200)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    scenario = models.CharField(_("scenario"), max_length=24, choices=Scenario.choices)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["provider_id", "-year", "pk"]
        verbose_name = _("reference case")
        verbose_name_plural = _("reference cases")

    def __str__(self):
        return self.title


class SelectionRound(models.Model):
    """A city's open call for providers: applications between `opens` and `closes`,
    scored by the assigned experts against the stated criteria."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="selection_rounds")
    name = models.CharField(_("name"), max_length=100)
    opens = models.DateField(_("opens"))
    closes = models.DateField(_("closes"))
    criteria = models.TextField(
        _("scoring criteria"),
        help_text=_(
            "What experts score against, e.g. capability 40, cases 30, service 20, price 10."
        ),
    )
    experts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("experts")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["city_id", "-opens", "-pk"]
        verbose_name = _("selection round")
        verbose_name_plural = _("selection rounds")
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="round_name_unique_in_city"),
            models.CheckConstraint(
                condition=Q(closes__gte=models.F("opens")), name="round_closes_after_opens"
            ),
        ]

    def __str__(self):
        return self.name

    def is_open(self, day) -> bool:
        return self.opens <= day <= self.closes


class SelectionStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    UNDER_REVIEW = "under_review", _("Under expert review")
    PUBLICISED = "publicised", _("Under publicity")
    SELECTED = "selected", _("Selected (in the pool)")
    SUSPENDED = "suspended", _("Suspended")
    REMOVED = "removed", _("Removed")
    REJECTED = "rejected", _("Rejected")


# A provider may apply again once a city has rejected or removed it; otherwise one at a time.
CLOSED_SELECTION = (SelectionStatus.REJECTED, SelectionStatus.REMOVED)


class ProviderSelection(models.Model):
    """A provider's application to one city's pool, and its standing there since."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="provider_selections")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="selections")
    round = models.ForeignKey(
        SelectionRound, on_delete=models.PROTECT, related_name="selections", verbose_name=_("round")
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SelectionStatus.choices,
        default=SelectionStatus.APPLIED,
    )
    sectors = models.ManyToManyField(
        Sector, blank=True, related_name="+", verbose_name=_("sectors served")
    )
    cases = models.ManyToManyField(
        ProviderCase, blank=True, related_name="+", verbose_name=_("reference cases")
    )
    statement = models.TextField(_("application statement"), blank=True)
    publicity_start = models.DateField(_("publicity starts"), null=True, blank=True)
    publicity_end = models.DateField(_("publicity ends"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["city_id", "-updated_at", "-pk"]
        verbose_name = _("provider selection")
        verbose_name_plural = _("provider selections")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "provider"],
                condition=~Q(status__in=["rejected", "removed"]),
                name="one_live_selection_per_city",
            ),
            models.CheckConstraint(
                condition=Q(publicity_end__isnull=True)
                | Q(publicity_end__gte=models.F("publicity_start")),
                name="publicity_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["city", "status"], name="selection_city_status")]

    def __str__(self):
        return f"{self.provider} · {self.city}"


class SelectionStep(WorkflowStep):
    selection = models.ForeignKey(ProviderSelection, on_delete=models.CASCADE, related_name="steps")
    from_status = models.CharField(_("from"), max_length=16, choices=SelectionStatus.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=SelectionStatus.choices)

    class Meta(WorkflowStep.Meta):
        verbose_name = _("selection step")
        verbose_name_plural = _("selection steps")


class SelectionDocument(models.Model):
    """A file attached to a city application (licence, qualification, case evidence)."""

    class Kind(models.TextChoices):
        LICENCE = "licence", _("Business licence")
        QUALIFICATION = "qualification", _("Qualification certificate")
        CASE = "case", _("Case evidence")
        OTHER = "other", _("Other")

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    selection = models.ForeignKey(
        ProviderSelection, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    document = models.ForeignKey("documents.Document", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["selection_id", "kind", "pk"]
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.document}"


class ExpertScore(models.Model):
    """One expert's score (0–100 against the round's criteria) for one application."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    selection = models.ForeignKey(
        ProviderSelection, on_delete=models.CASCADE, related_name="scores"
    )
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(
        _("score"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    comment = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["selection_id", "created_at"]
        verbose_name = _("expert score")
        verbose_name_plural = _("expert scores")
        constraints = [
            models.UniqueConstraint(fields=["selection", "expert"], name="one_score_per_expert"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="score_between_0_and_100"
            ),
        ]

    def __str__(self):
        return f"{self.expert} · {self.score}"


class ExpertConflict(models.Model):
    """An expert's declared conflict of interest with a provider: they may not score it."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["city_id", "created_at"]
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "expert", "provider"], name="one_conflict_per_expert_provider"
            )
        ]

    def __str__(self):
        return f"{self.expert} ✕ {self.provider}"


class EvaluationOutcome(models.TextChoices):
    KEEP = "keep", _("Keep in the pool")
    WARN = "warn", _("Keep with a warning")
    SUSPEND = "suspend", _("Suspend")
    REMOVE = "remove", _("Remove from the pool")


class ProviderEvaluation(models.Model):
    """A city's annual evaluation of a pooled provider (能进能出), with the figures it saw."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    selection = models.ForeignKey(
        ProviderSelection, on_delete=models.PROTECT, related_name="evaluations"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    average_rating = models.DecimalField(
        _("average rating"), max_digits=3, decimal_places=2, null=True, blank=True
    )
    ratings = models.PositiveIntegerField(_("ratings"), default=0)
    completed_projects = models.PositiveIntegerField(_("completed projects"), default=0)
    outcome = models.CharField(_("outcome"), max_length=8, choices=EvaluationOutcome.choices)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["city_id", "-year", "pk"]
        verbose_name = _("annual evaluation")
        verbose_name_plural = _("annual evaluations")
        constraints = [
            models.UniqueConstraint(fields=["selection", "year"], name="one_evaluation_per_year")
        ]

    def __str__(self):
        return f"{self.selection} · {self.year}"


class Deployment(models.TextChoices):
    SAAS = "saas", _("SaaS")
    ON_PREMISE = "on_premise", _("On premise")
    HYBRID = "hybrid", _("Hybrid")


class ProductStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for listing")
    LISTED = "listed", _("Listed")
    UNLISTED = "unlisted", _("Unlisted")


class Product(models.Model):
    """A 小快轻准 light solution in one city's catalogue; visible once the city lists it."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="products")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(_("name"), max_length=200)
    scenario = models.CharField(_("scenario"), max_length=24, choices=Scenario.choices)
    sectors = models.ManyToManyField(
        Sector, blank=True, related_name="+", verbose_name=_("sectors")
    )
    price = models.DecimalField(
        _("price (CNY)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    price_unit = models.CharField(
        _("price unit"), max_length=32, blank=True, help_text=_("e.g. per year, per line, once")
    )
    deployment = models.CharField(_("deployment"), max_length=16, choices=Deployment.choices)
    description = models.TextField(_("description"))
    cases = models.TextField(_("reference cases"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ProductStatus.choices, default=ProductStatus.SUBMITTED
    )
    # The provider's average rating in this city and the number of ratings, kept here by
    # `catalogue.provider_ratings_refresh` so the catalogue sorts and filters on a column
    # (a per-row aggregate made sorting 20,000 products several times slower).
    provider_rating = models.DecimalField(
        _("provider rating"), max_digits=3, decimal_places=2, null=True, blank=True, editable=False
    )
    provider_ratings = models.PositiveIntegerField(_("provider ratings"), default=0, editable=False)
    status_reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["city_id", "name", "pk"]
        verbose_name = _("light solution")
        verbose_name_plural = _("light solutions")
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative")
        ]
        indexes = [
            models.Index(fields=["city", "status", "scenario"], name="product_city_scenario"),
            models.Index(fields=["city", "status", "price"], name="product_city_price"),
        ]

    def __str__(self):
        return self.name
