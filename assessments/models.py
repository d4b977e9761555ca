"""Digital-level assessments (ASSESSMENT.md): questionnaires as data, and the assessments that
answer them.

A questionnaire edition (2022, 2024) is national data: dimensions → indicators → questions →
options with points, the business scenes judged 1–4, and the level rule. An assessment belongs to
a city, records which edition *version* it used, and once any assessment uses a version that
version's tree is frozen (an edit makes a new version, see `assessments.editions`).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pilot_portal.tenancy.models import City, CityScopedQuerySet
from pilot_portal.workflow import WorkflowStep

# Option points go to three places (1.875, 0.7 …); totals are shown with two.
POINTS = {"max_digits": 6, "decimal_places": 3}


class LevelRuleKind(models.TextChoices):
    SCORE_ONLY = "score_only", _("Total score only (2022)")
    SCORE_AND_SCENES = "score_and_scenes", _("Total score and scene levels (2024)")


class Edition(models.Model):
    """One version of a questionnaire edition, e.g. 2024 v1."""

    code = models.SlugField(_("edition"), max_length=16)  # "2024", "2022"
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    industry = models.CharField(_("industry table"), max_length=64, blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    level_rule_kind = models.CharField(
        _("level rule"), max_length=24, choices=LevelRuleKind.choices
    )
    # The edition pilot cities use unless told otherwise (ASSESSMENT.md: 2024).
    is_default = models.BooleanField(_("default for pilot cities"), default=False)
    # Shown beside the level: where the rule comes from and how sure we are of it.
    note = models.TextField(_("note"), blank=True)
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-code", "-version"]
        verbose_name = _("questionnaire edition")
        verbose_name_plural = _("questionnaire editions")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="edition_code_version"),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"


class Dimension(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="dimensions")
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    # 数字化经营 in 2024 is judged by scenes and carries no points.
    scored = models.BooleanField(_("scored"), default=True)
    points = models.DecimalField(_("points"), **POINTS, default=0)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["edition_id", "order", "pk"]
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="dimension_code_per_edition")
        ]

    def __str__(self):
        return self.name


class Indicator(models.Model):
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    points = models.DecimalField(_("points"), **POINTS, default=0)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["dimension_id", "order", "pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["dimension", "code"], name="indicator_code_per_dim")
        ]

    def __str__(self):
        return self.name


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")


class Question(models.Model):
    # The edition is repeated here so a question code is unique within its edition.
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="questions")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="questions")
    code = models.SlugField(_("code"), max_length=32)
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind"), max_length=8, choices=QuestionKind.choices)
    points = models.DecimalField(_("maximum points"), **POINTS)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["indicator_id", "order", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="question_code_per_edition")
        ]

    def __str__(self):
        return f"{self.code} {self.text}"


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    code = models.SlugField(_("code"), max_length=16)
    text = models.CharField(_("option"), max_length=200)
    points = models.DecimalField(_("points"), **POINTS, default=0)
    # A "none" option: scores 0 and cannot be ticked with others.
    exclusive = models.BooleanField(_("excludes the others"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["question_id", "order", "pk"]
        verbose_name = _("option")
        verbose_name_plural = _("options")
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="option_code_per_question")
        ]

    def __str__(self):
        return f"{self.code} {self.text}"


class Scene(models.Model):
    """A business scene (业务场景) judged at level 1–4; 2024 has 16, ten of them constraints."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="scenes")
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    group = models.CharField(_("group"), max_length=100, blank=True)
    constraint = models.BooleanField(_("constraint scene"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["edition_id", "order", "pk"]
        verbose_name = _("business scene")
        verbose_name_plural = _("business scenes")
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="scene_code_per_edition")
        ]

    def __str__(self):
        return self.name


class LevelRule(models.Model):
    """One row of the level table: the level holds when every condition of its row holds.

    Scenes are counted "at this level or above"; a score-only edition leaves the counts at 0.
    """

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="level_rules")
    level = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    min_score = models.DecimalField(_("minimum total score"), max_digits=5, decimal_places=2)
    min_scenes = models.PositiveSmallIntegerField(_("minimum scenes at this level"), default=0)
    min_constraint_scenes = models.PositiveSmallIntegerField(
        _("of which constraint scenes"), default=0
    )

    class Meta:
        ordering = ["edition_id", "-level"]
        verbose_name = _("level rule")
        verbose_name_plural = _("level rules")
        constraints = [
            models.UniqueConstraint(fields=["edition", "level"], name="level_rule_per_edition"),
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=4), name="level_rule_level_1_4"
            ),
        ]

    def __str__(self):
        return f"L{self.level} ≥ {self.min_score}"


class AssessmentKind(models.TextChoices):
    DIAGNOSIS = "diagnosis", _("Diagnosis")
    ACCEPTANCE = "acceptance", _("Acceptance")
    SELF = "self", _("Self-assessment")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    LOCKED = "locked", _("Locked")


class Assessment(models.Model):
    """One rating of an enterprise's digital level. Scores, level and explanation are computed
    by `assessments.rules` whenever the answers change; a locked assessment never changes again
    (a correction is a new revision pointing to it)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="assessments")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="assessments"
    )
    # The project an acceptance assessment accepts (and, for a diagnosis, the one it fed).
    project = models.ForeignKey(
        "enterprises.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AssessmentKind.choices)
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="assessments")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments_assigned",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    # {"<single question code>": "<option code>", "<multiple question code>": ["<code>", …]}
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # {"<scene code>": 1-4}
    scenes = models.JSONField(_("scene levels"), default=dict, blank=True)
    total_score = models.DecimalField(
        _("total score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    dimension_scores = models.JSONField(_("dimension scores"), default=dict, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    # The computation's explanation (points per indicator, level conditions held / failed).
    explanation = models.JSONField(_("explanation"), default=dict, blank=True)
    # Diagnosis: the problems found (feeds the report and the provider matching).
    findings = models.TextField(_("problems found"), blank=True)
    revision_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="revisions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CityScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["city_id", "-updated_at", "-pk"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.CheckConstraint(
                condition=Q(level__isnull=True) | (Q(level__gte=1) & Q(level__lte=4)),
                name="assessment_level_1_4",
            ),
            models.CheckConstraint(
                condition=Q(total_score__isnull=True)
                | (Q(total_score__gte=0) & Q(total_score__lte=100)),
                name="assessment_score_0_100",
            ),
        ]
        indexes = [
            models.Index(fields=["city", "kind", "level"], name="assessment_city_kind_level"),
            models.Index(fields=["city", "-updated_at", "-id"], name="assessment_city_updated"),
            models.Index(fields=["enterprise", "kind"], name="assessment_enterprise_kind"),
            # An enterprise's latest locked assessment (its level): read per enterprise by the
            # statistics and the performance indicators.
            models.Index(
                fields=["enterprise", "-locked_at", "-id"],
                condition=Q(status="locked"),
                name="assessment_latest_locked",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class AssessmentStep(WorkflowStep):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="steps")
    from_status = models.CharField(_("from"), max_length=12, choices=AssessmentStatus.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=AssessmentStatus.choices)

    class Meta(WorkflowStep.Meta):
        verbose_name = _("assessment step")
        verbose_name_plural = _("assessment steps")


class AssessmentEvidence(models.Model):
    """A file backing one indicator's answer (site photos, system screenshots, reports)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence")
    indicator_code = models.SlugField(_("indicator"), max_length=32)
    document = models.ForeignKey("documents.Document", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["assessment_id", "indicator_code", "pk"]
        verbose_name = _("assessment evidence")
        verbose_name_plural = _("assessment evidence")

    def __str__(self):
        return f"{self.indicator_code}: {self.document_id}"
