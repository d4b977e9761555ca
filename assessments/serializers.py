"""What the assessments API reads and writes (API.md "Assessments").

Answers and scene levels are taken as JSON and checked by `rules.validate` (through the
services), so every refusal names its field the same way the questionnaire page does.
"""

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from assessments.models import (
    Assessment,
    AssessmentEvidence,
    AssessmentKind,
    AssessmentStatus,
    AssessmentStep,
    LevelRuleKind,
    QuestionKind,
)
from assessments.selectors import assessment_actions

UPLOAD_HELP = f"PDF, JPG, PNG, DOCX or XLSX; at most {settings.MAX_UPLOAD_SIZE} bytes"
ANSWERS_HELP = (
    '{"<single question code>": "<option code>", "<multiple question code>": ["<option code>"]}'
)
SCENES_HELP = '{"<scene code>": 1-4}'
DRAFT_HELP = (
    "false (default): every question must be answered and every scene judged (400 naming each "
    "gap as `answers.<code>` / `scenes.<code>`); true: a partial draft is saved"
)


# Ids fit a 64-bit primary key: a larger number is a 400, not a database overflow.
ID = {"min_value": 1, "max_value": 2**63 - 1}


def _download(context, document_id) -> str:
    return reverse(
        "api:document-download", kwargs={"city_code": context["city"].code, "pk": document_id}
    )


# -- the questionnaire ------------------------------------------------------------------------


class TemplateOptionOutput(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    points = serializers.CharField(help_text="exact points, e.g. 1.875")
    exclusive = serializers.BooleanField(help_text='a "none" option: excludes the others')


class TemplateQuestionOutput(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    points = serializers.CharField(help_text="the most the question scores")
    options = TemplateOptionOutput(many=True)


class TemplateIndicatorOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    points = serializers.CharField()
    questions = TemplateQuestionOutput(many=True)


class TemplateDimensionOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    points = serializers.CharField()
    scored = serializers.BooleanField(help_text="false: judged by scenes, no points")
    indicators = TemplateIndicatorOutput(many=True)


class TemplateSceneOutput(serializers.Serializer):
    code = serializers.CharField(help_text="a provider scenario code")
    name = serializers.CharField()
    group = serializers.CharField()
    constraint = serializers.BooleanField()


class TemplateLevelOutput(serializers.Serializer):
    level = serializers.IntegerField(min_value=1, max_value=4)
    min_score = serializers.CharField()
    min_scenes = serializers.IntegerField(help_text="scenes at this level or above")
    min_constraint_scenes = serializers.IntegerField(help_text="of which constraint scenes")


class AssessmentTemplateOutput(serializers.Serializer):
    edition = serializers.CharField(help_text="edition code, e.g. 2024")
    version = serializers.IntegerField()
    name = serializers.CharField()
    industry = serializers.CharField(help_text="industry table (2022), else blank")
    rule_kind = serializers.ChoiceField(choices=LevelRuleKind.choices)
    note = serializers.CharField(help_text="where the level rule comes from")
    max_total = serializers.CharField(help_text="what the scored questions add up to (100)")
    usable = serializers.BooleanField(help_text="false: assessments cannot use it yet")
    problems = serializers.ListField(child=serializers.CharField())
    dimensions = TemplateDimensionOutput(many=True)
    scenes = TemplateSceneOutput(many=True)
    levels = TemplateLevelOutput(many=True)


class AssessmentTemplateQuery(serializers.Serializer):
    edition = serializers.SlugField(
        required=False, help_text="edition code, e.g. 2022 (default: the current one)"
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=32767,
        help_text="with `edition`: that version (default: latest)",
    )


# -- assessments: output ----------------------------------------------------------------------


class AssessmentStepOutput(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True)

    class Meta:
        model = AssessmentStep
        fields = ["action", "from_status", "to_status", "actor", "actor_role", "comment",
                  "created_at"]  # fmt: skip
        read_only_fields = fields


class AssessmentEvidenceOutput(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator_code", read_only=True)
    name = serializers.CharField(source="document.name", read_only=True)
    size = serializers.IntegerField(source="document.size", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = AssessmentEvidence
        fields = ["id", "indicator", "document", "name", "size", "download_url", "created_by",
                  "created_at"]  # fmt: skip
        read_only_fields = fields

    def get_download_url(self, evidence) -> str:
        return _download(self.context, evidence.document_id)


class AssessmentOutput(serializers.ModelSerializer):
    """An assessment in lists (`selectors.assessment_list`)."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    edition = serializers.CharField(source="edition.code", read_only=True)
    edition_version = serializers.IntegerField(source="edition.version", read_only=True)
    assessor_name = serializers.SerializerMethodField()
    total_score = serializers.DecimalField(
        max_digits=5, decimal_places=2, read_only=True, allow_null=True,
        help_text="0.00-100.00, rounded half-up; the level is decided on the exact sum",
    )  # fmt: skip
    dimension_scores = serializers.DictField(
        child=serializers.CharField(), read_only=True, help_text="dimension code -> score"
    )
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "id", "enterprise", "enterprise_name", "project", "kind", "edition",
            "edition_version", "assessor", "assessor_name", "status", "total_score",
            "dimension_scores", "level", "revision_of", "created_at", "updated_at",
            "submitted_at", "locked_at", "allowed_actions",
        ]  # fmt: skip
        read_only_fields = fields

    def get_assessor_name(self, assessment) -> str | None:
        assessor = assessment.assessor
        return (assessor.get_full_name() or assessor.username) if assessor else None

    def get_allowed_actions(self, assessment) -> list[str]:
        return assessment_actions(self.context["request"].user, assessment)


class AssessmentDetailOutput(AssessmentOutput):
    """One assessment (`selectors.assessment_detail`): answers, the explanation, history."""

    answers = serializers.JSONField(read_only=True, help_text=ANSWERS_HELP)
    scenes = serializers.DictField(
        child=serializers.IntegerField(), read_only=True, help_text=SCENES_HELP
    )
    explanation = serializers.JSONField(
        read_only=True,
        help_text="points per dimension and indicator, each level's conditions held or not, "
        "and a one-sentence summary (summary_zh, summary_en)",
    )
    revisions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    steps = AssessmentStepOutput(many=True, read_only=True)
    evidence = AssessmentEvidenceOutput(many=True, read_only=True)
    locked_by = serializers.CharField(source="locked_by.username", read_only=True, default=None)
    created_by = serializers.CharField(source="created_by.username", read_only=True)

    class Meta(AssessmentOutput.Meta):
        fields = [
            *AssessmentOutput.Meta.fields, "answers", "scenes", "findings", "explanation",
            "revisions", "steps", "evidence", "locked_by", "created_by",
        ]  # fmt: skip
        read_only_fields = fields


# -- assessments: input -----------------------------------------------------------------------


class AssessmentInput(serializers.Serializer):
    enterprise = serializers.IntegerField(**ID)
    kind = serializers.ChoiceField(choices=AssessmentKind.choices)
    answers = serializers.JSONField(required=False, default=dict, help_text=ANSWERS_HELP)
    scenes = serializers.JSONField(required=False, default=dict, help_text=SCENES_HELP)
    project = serializers.IntegerField(
        required=False, allow_null=True, **ID,
        help_text="the enterprise's transformation project (acceptance)",
    )  # fmt: skip
    assessor = serializers.IntegerField(
        required=False, allow_null=True, **ID,
        help_text="user id of an assessor of the city (city admin only)",
    )  # fmt: skip
    edition = serializers.SlugField(
        required=False, help_text="edition code (default: the current edition)"
    )
    findings = serializers.CharField(required=False, allow_blank=True, default="")
    draft = serializers.BooleanField(required=False, default=False, help_text=DRAFT_HELP)


class AssessmentUpdateInput(serializers.Serializer):
    answers = serializers.JSONField(
        required=False, help_text=f"replaces all answers: {ANSWERS_HELP}"
    )
    scenes = serializers.JSONField(
        required=False, help_text=f"replaces all scene levels: {SCENES_HELP}"
    )
    findings = serializers.CharField(required=False, allow_blank=True)
    draft = serializers.BooleanField(required=False, default=False, help_text=DRAFT_HELP)


class AssessmentFilterInput(serializers.Serializer):
    """The list's query parameters, checked: a malformed filter is a 400, never a crash."""

    enterprise = serializers.IntegerField(required=False, **ID)
    kind = serializers.ChoiceField(choices=AssessmentKind.choices, required=False)
    level = serializers.IntegerField(required=False, min_value=1, max_value=4)
    status = serializers.ChoiceField(choices=AssessmentStatus.choices, required=False)
    assessor = serializers.IntegerField(required=False, **ID)


class AssessmentCommentInput(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="required to return"
    )


class AssessmentAssignInput(serializers.Serializer):
    assessor = serializers.IntegerField(**ID, help_text="user id of an assessor")


class AssessmentReviseInput(serializers.Serializer):
    reason = serializers.CharField(help_text="why the locked assessment is corrected")


class AssessmentEvidenceInput(serializers.Serializer):
    indicator = serializers.SlugField(help_text="indicator code of the assessment's edition")
    file = serializers.FileField(help_text=UPLOAD_HELP)
