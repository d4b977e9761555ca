"""Subsidies (issue 7): a city's rulebook versions, the claims computed under them, their approval,
publicity (公示), the payment ledger and the city's fund pools.

The arithmetic is `subsidies.rules` (pure); the rulebook's shape is `subsidies.rulebook`. Rows
here keep what was decided: a computation is never edited (a changed input makes a new one), the
ledger is append-only, and a claim can never be paid beyond what was approved (a database check
backs the row lock in the services).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from pilot_portal.tenancy.models import City, CityScopedQuerySet
from pilot_portal.workflow import WorkflowStep

MONEY = {"max_digits": 14, "decimal_places": 2}


class AppendOnly(Exception):
    """A kept record (computation, ledger entry) was about to be changed or deleted."""


class _AppendOnlyModel(models.Model):
    """Rows that record what happened: written once, never updated or deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnly(f"{self._meta.label} 只能新增，不能修改 / is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly(f"{self._meta.label} 不能删除 / cannot be deleted")


class RulebookVersion(models.Model):
    """One version of a city's rulebook: the validated JSON of `subsidies.rulebook`, in effect from
    `effective_from`. Versions are not edited once a claim was computed under them: a change is
    a new version (the simulation job shows what it would change before it takes effect)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="rulebook_versions")
    version = models.CharField(_("version"), max_length=32)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    data = models.JSONField(_("rulebook"))
    note = models.TextField(_("what changed and why"), blank=True)
    shipped = models.BooleanField(_("shipped with the portal"), default=False)
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["city_id", "effective_from", "pk"]
        verbose_name = _("rulebook version")
        verbose_name_plural = _("rulebook versions")
        constraints = [
            models.UniqueConstraint(fields=["city", "version"], name="rulebook_version_unique"),
        ]

    def __str__(self):
        return f"{self.city_id} {self.version}"


class ClaimStatus(models.TextChoices):
    COMPUTED = "computed", _("Computed")
    APPROVED = "approved", pgettext_lazy("subsidy claim", "Approved")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void")


class SubsidyClaim(models.Model):
    """One recipient's claim under one rule line (`kind` is the line's code, e.g.
    "transformation", "diagnosis", "chain_case"). The amount is the current computation's; the
    approved amount is fixed at approval and the ledger pays it, in instalments if the rulebook
    says so."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="subsidy_claims")
    kind = models.CharField(_("rule line"), max_length=32)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_claims",
    )
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_claims",
    )
    project = models.ForeignKey(
        "enterprises.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_claims",
    )
    chain_case = models.ForeignKey(
        "enterprises.ChainCase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_claims",
    )
    # The acceptance the level was read from (its level is also kept in each computation's facts,
    # so unloading a questionnaire edition with its assessments doesn't take the claim's figure).
    acceptance = models.ForeignKey(
        "assessments.Assessment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subsidy_claims",
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    # What the claim is computed from, as entered (fees, units, interest, proposed award…);
    # a transformation claim reads its level and investment from the project instead.
    inputs = models.JSONField(_("inputs"), default=dict, blank=True)
    computation = models.ForeignKey(
        "SubsidyComputation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.COMPUTED
    )
    approved_amount = models.DecimalField(_("approved amount"), null=True, blank=True, **MONEY)
    # Instalments fixed at approval: [{"no": 1, "share": "0.50", "amount": "100000.00"}, …]
    instalment_plan = models.JSONField(_("instalments"), default=list, blank=True)
    paid_amount = models.DecimalField(_("paid"), default=0, **MONEY)  # payments + offsets
    clawed_back_amount = models.DecimalField(_("clawed back"), default=0, **MONEY)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("subsidy claim")
        verbose_name_plural = _("subsidy claims")
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=False, provider__isnull=True)
                | Q(enterprise__isnull=True, provider__isnull=False),
                name="claim_one_recipient",
            ),
            # The last line of defence behind the row lock: never paid beyond the approval.
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0)
                & (
                    Q(approved_amount__isnull=True, paid_amount=0)
                    | Q(paid_amount__lte=F("approved_amount"))
                ),
                name="claim_paid_within_approved",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gte=0),
                name="claim_approved_not_negative",
            ),
            # One live transformation claim per project (a voided one may be followed by another).
            models.UniqueConstraint(
                fields=["project", "kind"],
                condition=Q(project__isnull=False) & ~Q(status="void"),
                name="claim_one_live_per_project_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["city", "status"], name="claim_city_status"),
            models.Index(fields=["city", "kind"], name="claim_city_kind"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.kind}"

    @property
    def recipient(self):
        return self.enterprise or self.provider

    @property
    def amount(self):
        return self.computation.amount if self.computation_id else None


class SubsidyComputation(_AppendOnlyModel):
    """One computation of a claim, kept as it was: the rulebook version, the facts it read, the
    amount and the steps that explain it. Recomputing with the same facts and rulebook makes no
    new row (`inputs_digest`); a change makes a new one and the old stays visible."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    claim = models.ForeignKey(SubsidyClaim, on_delete=models.CASCADE, related_name="computations")
    rulebook = models.ForeignKey(RulebookVersion, on_delete=models.PROTECT, related_name="+")
    facts = models.JSONField(_("facts"))
    inputs_digest = models.CharField(max_length=64)
    amount = models.DecimalField(_("amount"), **MONEY)
    eligible = models.BooleanField(_("eligible"))
    reasons = models.JSONField(_("reasons"), default=list)  # [[zh, en], …]
    steps = models.JSONField(_("steps"), default=list)  # [{"key", "zh", "en", "value"}, …]
    explanation_zh = models.TextField(_("explanation (Chinese)"))
    explanation_en = models.TextField(_("explanation (English)"))
    points = models.PositiveSmallIntegerField(_("points"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["claim_id", "created_at", "pk"]
        verbose_name = _("subsidy computation")
        verbose_name_plural = _("subsidy computations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="computation_not_negative"),
        ]

    def __str__(self):
        return f"{self.claim_id}: {self.amount}"


class ClaimStep(WorkflowStep):
    claim = models.ForeignKey(SubsidyClaim, on_delete=models.CASCADE, related_name="steps")
    from_status = models.CharField(_("from"), max_length=16, choices=ClaimStatus.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=ClaimStatus.choices)
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)

    class Meta(WorkflowStep.Meta):
        verbose_name = _("claim step")
        verbose_name_plural = _("claim steps")


class LedgerKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    OFFSET = "offset", _("Withheld against a claw-back")
    CLAWBACK = "clawback", _("Claw-back demanded")
    REFUND = "refund", _("Claw-back repaid")


class LedgerEntry(_AppendOnlyModel):
    """The money, append-only. A payment or an offset pays an instalment of the claim (an offset
    is the part of an instalment withheld to settle the recipient's outstanding claw-back); a
    claw-back is what the recipient owes back after a void for fraud, a refund is what it repaid.
    """

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    claim = models.ForeignKey(SubsidyClaim, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(_("kind"), max_length=16, choices=LedgerKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    instalment = models.PositiveSmallIntegerField(_("instalment"), null=True, blank=True)
    paid_on = models.DateField(_("date"))
    reference = models.CharField(_("bank reference"), max_length=64, blank=True)
    # The claw-back an offset settles (another claim of the same recipient).
    settles = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="settled_by"
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["claim_id", "created_at", "pk"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_amount_positive"),
        ]
        indexes = [models.Index(fields=["city", "kind"], name="ledger_city_kind")]

    def __str__(self):
        return f"{self.kind} {self.amount}"


class Publicity(models.Model):
    """公示: the list of proposed recipients and amounts, public for a period. A claim is paid
    only once a publicity that lists it has closed with no open objection against it."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="subsidy_publicities")
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    contact = models.CharField(_("where to object"), max_length=200, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("subsidy publicity")
        verbose_name_plural = _("subsidy publicities")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="subsidy_publicity_ends_after_start"
            ),
        ]

    def __str__(self):
        return self.title


class PublicityItem(models.Model):
    """A claim on a publicity, with the recipient and amount as they were published."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    publicity = models.ForeignKey(Publicity, on_delete=models.CASCADE, related_name="items")
    claim = models.ForeignKey(
        SubsidyClaim, on_delete=models.PROTECT, related_name="publicity_items"
    )
    recipient_name = models.CharField(_("recipient"), max_length=200)
    amount = models.DecimalField(_("amount"), **MONEY)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["publicity_id", "pk"]
        verbose_name = _("publicity item")
        verbose_name_plural = _("publicity items")
        constraints = [
            models.UniqueConstraint(fields=["publicity", "claim"], name="publicity_claim_once"),
        ]

    def __str__(self):
        return f"{self.recipient_name} {self.amount}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class Objection(models.Model):
    """An objection raised during a publicity against one listed claim, and how it was settled."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(PublicityItem, on_delete=models.CASCADE, related_name="objections")
    raised_by = models.CharField(_("raised by"), max_length=200)
    content = models.TextField(_("objection"))
    status = models.CharField(
        _("status"), max_length=16, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    resolution = models.TextField(_("resolution"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self):
        return f"{self.raised_by}: {self.status}"


class FundSource(models.TextChoices):
    CENTRAL = "central", _("Central award")
    LOCAL = "local", _("Local matching")


class FundPool(models.Model):
    """What a city has to spend, by source. Approvals are checked against it (and against the
    80 / 20 split of the central award) under a row lock on these rows."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="fund_pools")
    source = models.CharField(_("source"), max_length=16, choices=FundSource.choices)
    amount = models.DecimalField(_("allocated"), **MONEY)
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["city_id", "source"]
        verbose_name = _("fund pool")
        verbose_name_plural = _("fund pools")
        constraints = [
            models.UniqueConstraint(fields=["city", "source"], name="fund_pool_unique_source"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="fund_pool_not_negative"),
        ]

    def __str__(self):
        return f"{self.city_id} {self.source}: {self.amount}"
