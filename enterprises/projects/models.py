"""Transformation projects (DOMAIN.md step 6): an approved enterprise and its provider carry out
a project; its investment lines are what subsidies are later computed from.

Imported by `enterprises.models`, so these are models of the `enterprises` app.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pilot_portal.tenancy.models import City, CityScopedQuerySet
from pilot_portal.workflow import WorkflowStep
from providers.models import Product, Provider


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    ACCEPTED = "accepted", _("Accepted")
    FAILED = "failed", _("Failed")


class Project(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="projects")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="projects"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="projects")
    title = models.CharField(_("title"), max_length=200)
    scenarios = models.JSONField(_("scenarios"), default=list, blank=True)
    products = models.ManyToManyField(
        Product, blank=True, related_name="projects", verbose_name=_("light solutions")
    )
    contract_amount = models.DecimalField(
        _("contract amount (CNY)"), max_digits=14, decimal_places=2
    )
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    status = models.CharField(
        _("status"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    contract = models.ForeignKey(
        "documents.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Exemplary (样板/标杆): the city shows an accepted project on its public showcase.
    exemplary = models.BooleanField(_("exemplary"), default=False)
    exemplary_results = models.TextField(_("results shown on the showcase"), blank=True)
    # Kept by the services that write work logs and milestones, so the monitoring page reads
    # them from the row instead of aggregating 100,000s of logs and milestones per request;
    # `services.project_schedule_refresh` recomputes them from the rows (the correction path).
    last_worklog_date = models.DateField(
        _("last work logged"), null=True, blank=True, editable=False
    )
    next_due_date = models.DateField(
        _("earliest open milestone due"), null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CityScopedQuerySet.as_manager()
    # The two dates are derived from logs and milestones (which have history of their own).
    history = HistoricalRecords(excluded_fields=["last_worklog_date", "next_due_date"])

    class Meta:
        ordering = ["city_id", "-updated_at", "-pk"]
        verbose_name = _("transformation project")
        verbose_name_plural = _("transformation projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(contract_amount__gt=0), name="project_contract_positive"
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")),
                name="project_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["city", "status"], name="project_city_status"),
            models.Index(fields=["city", "-updated_at", "-id"], name="project_city_updated"),
            # The monitoring page's attention list: quiet projects, overdue milestones.
            models.Index(fields=["city", "status", "last_worklog_date"], name="project_city_quiet"),
            models.Index(fields=["city", "next_due_date"], name="project_city_next_due"),
        ]

    def __str__(self):
        return self.title


class ProjectStep(WorkflowStep):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="steps")
    from_status = models.CharField(_("from"), max_length=16, choices=ProjectStatus.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=ProjectStatus.choices)
    # A `change` step: the recorded change request that changed the provider or main content.
    change_request = models.ForeignKey(
        "enterprises.ChangeRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("change request"),
    )

    class Meta(WorkflowStep.Meta):
        verbose_name = _("project step")
        verbose_name_plural = _("project steps")


class InvestmentCategory(models.TextChoices):
    SOFTWARE = "software", _("Software")
    CLOUD = "cloud", _("Cloud services")
    DATA_DEVICES = "data_devices", _("Data devices (gateways, routers, collection)")
    CONSULTING = "consulting", _("Consulting")
    OTHER = "other", _("Other (never eligible)")


# What a subsidy may be computed from (DOMAIN.md: software, cloud, data devices, consulting).
ELIGIBLE_CATEGORIES = frozenset(
    {
        InvestmentCategory.SOFTWARE,
        InvestmentCategory.CLOUD,
        InvestmentCategory.DATA_DEVICES,
        InvestmentCategory.CONSULTING,
    }
)


class InvestmentLine(models.Model):
    """One evidenced spending line. Lines are never edited: a correction is a new line (it may
    be negative) with a reason, and is the only kind of line once the project is accepted."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="investments")
    category = models.CharField(_("category"), max_length=16, choices=InvestmentCategory.choices)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)
    description = models.CharField(_("description"), max_length=300)
    invoice_number = models.CharField(_("invoice number"), max_length=64, blank=True)
    invoice_issuer = models.CharField(_("invoice issuer"), max_length=200, blank=True)
    evidence = models.ForeignKey(
        "documents.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    reason = models.TextField(_("reason for the correction"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project_id", "created_at", "pk"]
        verbose_name = _("investment line")
        verbose_name_plural = _("investment lines")
        constraints = [
            # A plain line is positive; a correction (with its reason) may be negative.
            models.CheckConstraint(
                condition=Q(amount__gt=0) | ~Q(reason=""), name="investment_positive_or_correction"
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="investment_not_zero"),
        ]
        indexes = [
            models.Index(fields=["project", "category"], name="investment_project_cat"),
            # verification: the same invoice claimed in two projects, in any city
            models.Index(fields=["invoice_number"], name="investment_invoice"),
        ]

    def __str__(self):
        return f"{self.get_category_display()} {self.amount}"


class Milestone(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    evidence = models.ForeignKey(
        "documents.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # When the reminders went out: each is sent once (the beat job may run twice).
    reminded_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_overdue_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["project_id", "due_date", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        indexes = [
            models.Index(fields=["city", "due_date"], name="milestone_city_due"),
            # Open milestones by due date: the monitoring page's overdue list, the reminders.
            models.Index(
                fields=["city", "due_date", "id"],
                condition=Q(done_at__isnull=True),
                name="milestone_city_open_due",
            ),
        ]

    def __str__(self):
        return self.title


class WorkLog(models.Model):
    """The provider's record of work on a project (服务跟踪)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="worklogs")
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    description = models.TextField(_("what was done"))
    attachment = models.ForeignKey(
        "documents.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project_id", "-date", "-pk"]
        verbose_name = _("work log")
        verbose_name_plural = _("work logs")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="worklog_hours_in_a_day"
            )
        ]
        indexes = [models.Index(fields=["project", "-date"], name="worklog_project_date")]

    def __str__(self):
        return f"{self.date} {self.hours}h"


class ChainCase(models.Model):
    """Chain transformation (链式): a chain leader groups its supplier enterprises' projects;
    the basis for chain awards in the subsidy rules."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="chain_cases")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # The leader is a provider of kind chain leader, or an enterprise of the city.
    leader_provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="chain_cases"
    )
    leader_enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_chain_cases",
    )
    projects = models.ManyToManyField(
        Project, blank=True, related_name="chain_cases", verbose_name=_("supplier projects")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["city_id", "-created_at", "-pk"]
        verbose_name = _("chain case")
        verbose_name_plural = _("chain cases")
        constraints = [
            models.CheckConstraint(
                condition=Q(leader_provider__isnull=True) ^ Q(leader_enterprise__isnull=True),
                name="chain_case_has_one_leader",
            )
        ]

    def __str__(self):
        return self.title
