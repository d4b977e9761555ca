"""What the projects API reads and writes (API.md "Transformation projects")."""

from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from enterprises.projects import services
from enterprises.projects.models import (
    InvestmentCategory,
    InvestmentLine,
    Milestone,
    Project,
    ProjectStatus,
    ProjectStep,
    WorkLog,
)
from enterprises.projects.rules import MAX_AMOUNT, ZERO
from enterprises.projects.workflow import PROJECT_TRANSITIONS
from pilot_portal.workflow import actions_from
from providers.models import Scenario

AMOUNT_MESSAGE = (
    f"金额须为 0.01 至 {MAX_AMOUNT:,} 元的两位小数 / the amount must be 0.01 to {MAX_AMOUNT:,} "
    "CNY with at most two decimals"
)
DATE_MESSAGES = {
    "invalid": "日期格式应为 YYYY-MM-DD / a date is written YYYY-MM-DD",
    "required": "请填写日期 / the date is required",
    "null": "请填写日期 / the date is required",
}
UPLOAD_HELP = f"PDF, JPG, PNG, DOCX or XLSX; at most {settings.MAX_UPLOAD_SIZE} bytes"


class AmountField(serializers.DecimalField):
    """CNY with two places below MAX_AMOUNT; every refusal says so in Chinese and English.

    Zero and (for plain lines) negative amounts are the services' refusals, in the same words.
    """

    def __init__(self, *, negative: bool = False, **kwargs):
        messages = dict.fromkeys(
            ["invalid", "max_value", "min_value", "max_digits", "max_decimal_places",
             "max_whole_digits", "max_string_length", "required", "null"],
            AMOUNT_MESSAGE,
        )  # fmt: skip
        super().__init__(
            max_digits=14, decimal_places=2, max_value=MAX_AMOUNT,
            min_value=-MAX_AMOUNT if negative else Decimal("0.01"),
            error_messages=messages, **kwargs,
        )  # fmt: skip


def _download(context, document_id) -> str | None:
    if document_id is None:
        return None
    return reverse(
        "api:document-download", kwargs={"city_code": context["city"].code, "pk": document_id}
    )


# -- output -----------------------------------------------------------------------------------


class ProjectOutputSerializer(serializers.ModelSerializer):
    """A project in lists: its figures are annotated by `selectors.with_figures`."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    products = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    eligible_investment = serializers.DecimalField(
        max_digits=16, decimal_places=2, read_only=True,
        help_text="Software, cloud, data devices and consulting (never `other`).",
    )  # fmt: skip
    total_investment = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    over_contract = serializers.SerializerMethodField(
        help_text="How far the total exceeds the contract amount (a warning), else 0.00."
    )
    last_worklog = serializers.DateField(read_only=True, allow_null=True)
    overdue_milestones = serializers.IntegerField(read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id", "enterprise", "enterprise_name", "provider", "provider_name", "title",
            "scenarios", "products", "contract_amount", "eligible_investment",
            "total_investment", "over_contract", "planned_start", "planned_end", "status",
            "exemplary", "last_worklog", "overdue_milestones", "allowed_actions",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=16, decimal_places=2))
    def get_over_contract(self, project) -> str:
        over = max(project.total_investment - project.contract_amount, ZERO)
        return f"{over:.2f}"

    def get_allowed_actions(self, project) -> list[str]:
        roles = services._roles(self.context["request"].user, project)
        return actions_from(project.status, roles, PROJECT_TRANSITIONS)


class InvestmentLineOutputSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    evidence_url = serializers.SerializerMethodField()

    class Meta:
        model = InvestmentLine
        fields = [
            "id", "category", "amount", "description", "invoice_number", "invoice_issuer",
            "evidence", "evidence_url", "corrects", "reason", "created_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_evidence_url(self, line) -> str | None:
        return _download(self.context, line.evidence_id)


class MilestoneOutputSerializer(serializers.ModelSerializer):
    done_by = serializers.CharField(source="done_by.username", read_only=True, default=None)
    evidence_url = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = [
            "id", "title", "due_date", "done_at", "done_by", "evidence", "evidence_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_evidence_url(self, milestone) -> str | None:
        return _download(self.context, milestone.evidence_id)


class WorkLogOutputSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    attachment_url = serializers.SerializerMethodField()

    class Meta:
        model = WorkLog
        fields = [
            "id", "date", "hours", "description", "attachment", "attachment_url", "created_by",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_attachment_url(self, log) -> str | None:
        return _download(self.context, log.attachment_id)


class ProjectStepOutputSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True)

    class Meta:
        model = ProjectStep
        fields = ["action", "from_status", "to_status", "actor", "actor_role", "comment",
                  "change_request", "created_at"]  # fmt: skip
        read_only_fields = fields


class TotalsOutputSerializer(serializers.Serializer):
    by_category = serializers.DictField(
        child=serializers.DecimalField(max_digits=16, decimal_places=2),
        help_text="The sum of each category's lines, corrections included.",
    )
    eligible = serializers.DecimalField(max_digits=16, decimal_places=2)
    total = serializers.DecimalField(max_digits=16, decimal_places=2)


class ProjectDetailOutputSerializer(ProjectOutputSerializer):
    """One project (`selectors.project_detail`): its lines, milestones, history and totals."""

    investments = InvestmentLineOutputSerializer(many=True, read_only=True)
    milestones = MilestoneOutputSerializer(many=True, read_only=True)
    steps = ProjectStepOutputSerializer(many=True, read_only=True)
    totals = TotalsOutputSerializer(read_only=True)
    contract_url = serializers.SerializerMethodField()

    class Meta(ProjectOutputSerializer.Meta):
        fields = [
            *ProjectOutputSerializer.Meta.fields, "exemplary_results", "contract",
            "contract_url", "created_at", "updated_at", "totals", "investments", "milestones",
            "steps",
        ]  # fmt: skip
        read_only_fields = fields

    def get_contract_url(self, project) -> str | None:
        return _download(self.context, project.contract_id)


# -- input ------------------------------------------------------------------------------------


class MilestoneInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_date = serializers.DateField(error_messages=DATE_MESSAGES)


class ProjectInputSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(min_value=1)
    provider = serializers.IntegerField(min_value=1, help_text="a provider in the city's pool")
    title = serializers.CharField(max_length=200)
    scenarios = serializers.ListField(
        child=serializers.ChoiceField(choices=Scenario.choices), required=False, default=list
    )
    products = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list,
        help_text="the provider's solutions in the city's catalogue",
    )  # fmt: skip
    contract_amount = AmountField()
    planned_start = serializers.DateField(error_messages=DATE_MESSAGES)
    planned_end = serializers.DateField(error_messages=DATE_MESSAGES)
    milestones = MilestoneInputSerializer(many=True, required=False, default=list)


class ProjectUpdateSerializer(serializers.Serializer):
    """While the project is planned; afterwards its provider and content change by change
    request (`change-requests/` with `project` and `changes`), and a PATCH is a 409."""

    provider = serializers.IntegerField(
        min_value=1, required=False, help_text="a provider in the city's pool"
    )
    scenarios = serializers.ListField(
        child=serializers.ChoiceField(choices=Scenario.choices), required=False
    )
    title = serializers.CharField(max_length=200, required=False)
    contract_amount = AmountField(required=False)
    planned_start = serializers.DateField(required=False, error_messages=DATE_MESSAGES)
    planned_end = serializers.DateField(required=False, error_messages=DATE_MESSAGES)


class ProjectFilterInput(serializers.Serializer):
    """The list's query parameters, checked: a malformed filter is a 400, never a crash."""

    status = serializers.ChoiceField(
        choices=ProjectStatus.choices, required=False, allow_blank=True
    )
    district = serializers.CharField(required=False, allow_blank=True, help_text="district code")
    sector = serializers.CharField(required=False, allow_blank=True, help_text="sector code")
    provider = serializers.IntegerField(required=False, min_value=1)
    enterprise = serializers.IntegerField(required=False, min_value=1)
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)
    attention = serializers.BooleanField(
        required=False,
        help_text="only running projects with an overdue milestone or no work for 30 days",
    )


class CommentInput(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class InvestmentInputSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=InvestmentCategory.choices)
    amount = AmountField(
        negative=True, help_text="positive; a correction (with a reason) may be negative"
    )
    description = serializers.CharField(max_length=300)
    invoice_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
    invoice_issuer = serializers.CharField(max_length=200, required=False, allow_blank=True)
    corrects = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="the line this one corrects"
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text="required for a correction"
    )
    file = serializers.FileField(required=False, help_text=UPLOAD_HELP)


class WorkLogInputSerializer(serializers.Serializer):
    date = serializers.DateField(error_messages=DATE_MESSAGES)
    hours = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("24"),
        error_messages=dict.fromkeys(
            ["invalid", "max_value", "min_value", "max_digits", "max_decimal_places",
             "max_whole_digits"],
            "工时须在 0 到 24 之间 / hours must be above 0 and at most 24",
        ),
    )  # fmt: skip
    description = serializers.CharField()
    file = serializers.FileField(required=False, help_text=UPLOAD_HELP)


class MilestoneDoneInput(serializers.Serializer):
    file = serializers.FileField(
        help_text=UPLOAD_HELP,
        error_messages={"required": "请上传完成证明 / evidence is required"},
    )
