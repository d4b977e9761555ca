"""Enterprises: a city's registry of SMEs, and their enrolment applications.

An application moves through the transition table in `enterprises/workflow.py`;
every move is an `ApplicationTransition` row naming who, when and why.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pilot_portal.tenancy.models import City, CityScopedQuerySet, District, Sector
from pilot_portal.workflow import WorkflowStep
from providers.models import Product, Provider, Scenario


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
    blacklist_reason = models.TextField(_("blacklist reason"), blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=64, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    description = models.TextField(_("main business"), blank=True)
    current_level = models.PositiveSmallIntegerField(_("digital level"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["city_id", "name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        # the list pages' order: the first page of 50,000 without sorting them all
        indexes = [
            models.Index(fields=["city", "name", "id"], name="enterprise_city_name"),
            # verification: the same credit code in another city (the same enterprise twice)
            models.Index(fields=["uscc"], name="enterprise_uscc"),
        ]
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


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    DISTRICT_APPROVED = "district_approved", _("Approved by the district")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned for changes")


class Application(models.Model):
    """An enterprise's application to an enrolment batch (district review, then city review)."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="applications")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="applications"
    )
    batch = models.ForeignKey(
        "tenancy.Batch", on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
    )
    declares_not_central_little_giant = models.BooleanField(
        _("declares: not a little giant funded by the central SME fund"), default=False
    )
    declares_not_in_2022_pilot = models.BooleanField(
        _("declares: not in the 2022 transformation pilot"), default=False
    )
    exclusion_override_reason = models.TextField(
        _("reason for approving despite an exclusion"), blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "batch"], name="application_once_per_batch"
            )
        ]
        indexes = [
            models.Index(fields=["city", "status"]),
            # the list's order (newest first), so a page needs no sort of the whole city
            models.Index(fields=["city", "-updated_at", "-id"], name="application_city_recent"),
        ]

    def __str__(self):
        return f"{self.enterprise} · {self.batch}"


class ApplicationTransition(WorkflowStep):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(_("from"), max_length=24, choices=ApplicationStatus.choices)
    to_status = models.CharField(_("to"), max_length=24, choices=ApplicationStatus.choices)

    class Meta(WorkflowStep.Meta):
        verbose_name = _("application step")
        verbose_name_plural = _("application steps")


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class EnterpriseClaim(models.Model):
    """A user's request to act for an enterprise; the district or city confirms it."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="enterprise_claims")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="claims")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enterprise_claims"
    )
    position = models.CharField(_("position in the enterprise"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("enterprise claim")
        verbose_name_plural = _("enterprise claims")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "enterprise"],
                condition=models.Q(status="pending"),
                name="one_pending_claim_per_user_and_enterprise",
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.enterprise}"


class ExclusionList(models.TextChoices):
    CENTRAL_LITTLE_GIANT = "central_little_giant", _("Little giants funded by the central SME fund")
    PILOT_2022 = "pilot_2022", _("Enterprises of the 2022 transformation pilot")


class ExclusionEntry(models.Model):
    """A line of a national exclusion list; `city` is empty when the ministry loaded it."""

    list = models.CharField(_("list"), max_length=32, choices=ExclusionList.choices)
    uscc = models.CharField(_("unified social credit code"), max_length=18)
    name = models.CharField(_("name"), max_length=200, blank=True)
    city = models.ForeignKey(
        City, on_delete=models.CASCADE, null=True, blank=True, related_name="exclusion_entries"
    )
    source = models.CharField(_("source document"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["list", "uscc"]
        verbose_name = _("exclusion list entry")
        verbose_name_plural = _("exclusion list entries")
        indexes = [models.Index(fields=["uscc"])]
        constraints = [
            models.UniqueConstraint(
                fields=["list", "uscc", "city"],
                condition=models.Q(city__isnull=False),
                name="exclusion_entry_unique_in_city",
            ),
            models.UniqueConstraint(
                fields=["list", "uscc"],
                condition=models.Q(city__isnull=True),
                name="exclusion_entry_unique_nationally",
            ),
        ]

    def __str__(self):
        return f"{self.get_list_display()}: {self.uscc}"


class DocumentKind(models.TextChoices):
    LICENCE = "licence", _("Business licence")
    APPLICATION = "application", _("Application form")
    DECLARATION = "declaration", _("Signed declaration")
    FINANCIAL = "financial", _("Financial statement")
    CONTRACT = "contract", _("Contract")
    INVOICE = "invoice", _("Invoice")
    OTHER = "other", _("Other")


class EnterpriseDocument(models.Model):
    """A file in the enterprise file (一企一档), optionally attached to one application."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="enterprise_documents")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="documents")
    application = models.ForeignKey(
        Application, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices)
    document = models.OneToOneField(
        "documents.Document", on_delete=models.PROTECT, related_name="enterprise_document"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("enterprise document")
        verbose_name_plural = _("enterprise documents")

    def __str__(self):
        return f"{self.enterprise}: {self.document}"


class ChangeKind(models.TextChoices):
    NEW_ENTITY = "new_entity", _("New legal entity")
    NEW_CONTENT = "new_content", _("New main content")


class ChangeStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    DISTRICT_APPROVED = "district_approved", _("Approved by the district")
    RECORDED = "recorded", _("Recorded by the city")
    RETURNED = "returned", _("Returned for changes")


class ChangeRequest(models.Model):
    """A major change (new legal entity, new main content): district review, then city record."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="change_requests")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="change_requests"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ChangeKind.choices)
    description = models.TextField(_("what changes and why"))
    # A change to one of the enterprise's transformation projects: its new provider and/or
    # main content (title, scenarios, contract amount), applied when the city records it.
    project = models.ForeignKey(
        "enterprises.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="change_requests",
        verbose_name=_("project"),
    )
    # {"provider": id, "title": str, "scenarios": [str], "contract_amount": "0.00"}: only the
    # keys that change (`changes.CHANGEABLE`).
    project_changes = models.JSONField(_("changes to the project"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=24, choices=ChangeStatus.choices, default=ChangeStatus.REQUESTED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")

    def __str__(self):
        return f"{self.enterprise}: {self.get_kind_display()}"


class ChangeRequestStep(WorkflowStep):
    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.CASCADE, related_name="steps"
    )
    from_status = models.CharField(_("from"), max_length=24, choices=ChangeStatus.choices)
    to_status = models.CharField(_("to"), max_length=24, choices=ChangeStatus.choices)

    class Meta(WorkflowStep.Meta):
        verbose_name = _("change request step")
        verbose_name_plural = _("change request steps")


# -- supply–demand matching (供需对接) and ratings of providers -------------------------


class Demand(models.Model):
    """A business scene an enterprise wants to digitalise (from its own entry or, later, its
    diagnosis); matching proposes light solutions for it."""

    class Source(models.TextChoices):
        ENTERPRISE = "enterprise", _("Entered by the enterprise")
        DIAGNOSIS = "diagnosis", _("From the diagnosis")

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="demands")
    scenario = models.CharField(_("scenario"), max_length=24, choices=Scenario.choices)
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.ENTERPRISE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["enterprise_id", "scenario"]
        verbose_name = _("demand scenario")
        verbose_name_plural = _("demand scenarios")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "scenario"], name="one_demand_per_scenario"
            )
        ]
        indexes = [models.Index(fields=["city", "scenario"], name="demand_city_scenario")]

    def __str__(self):
        return self.get_scenario_display()


class Shortlist(models.Model):
    """A light solution an enterprise has shortlisted from its matches."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="shortlist")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["enterprise_id", "-created_at"]
        verbose_name = _("shortlisted solution")
        verbose_name_plural = _("shortlisted solutions")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "product"], name="shortlist_once")
        ]

    def __str__(self):
        return str(self.product)


class ProviderRating(models.Model):
    """An enterprise's rating (1–5) of a provider that served it; the pool shows the average."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="provider_ratings"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="ratings")
    score = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("provider rating")
        verbose_name_plural = _("provider ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "provider"], name="one_rating_per_enterprise_provider"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=1) & models.Q(score__lte=5),
                name="rating_between_1_and_5",
            ),
        ]
        indexes = [models.Index(fields=["city", "provider"], name="rating_city_provider")]

    def __str__(self):
        return f"{self.provider} · {self.score}"


# Transformation projects live in their own module; importing them here registers them.
from enterprises.projects.models import (  # noqa: E402, F401
    ChainCase,
    InvestmentLine,
    Milestone,
    Project,
    ProjectStep,
    WorkLog,
)
