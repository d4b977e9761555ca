"""What the verification API reads and writes (runs, findings, inspection samples)."""

from django.urls import reverse
from rest_framework import serializers

from pilot_portal.verification.forms import MAX_SAMPLE
from pilot_portal.verification.models import (
    Finding,
    InspectionItem,
    InspectionOutcome,
    InspectionSample,
    Severity,
    VerificationRun,
)
from pilot_portal.verification.selectors import run_progress

# Ids fit a 64-bit primary key: a larger number is a 400, not a database overflow.
ID = {"min_value": 1, "max_value": 2**63 - 1}


def _username(user) -> str | None:
    return user.username if user is not None else None


# -- input -------------------------------------------------------------------------------------


class RunStartInput(serializers.Serializer):
    batch = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="a batch id; null: the whole city",
        **ID,
    )  # fmt: skip


class FindingFilterInput(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    code = serializers.CharField(required=False, max_length=48)
    enterprise = serializers.IntegerField(required=False, **ID)
    district = serializers.IntegerField(required=False, help_text="a district id", **ID)
    q = serializers.CharField(
        required=False, max_length=100, help_text="enterprise name or credit code"
    )


class SampleInput(serializers.Serializer):
    size = serializers.IntegerField(min_value=1, max_value=MAX_SAMPLE)
    seed = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=2**63 - 1,
        help_text="omitted: drawn at random and recorded (the draw is reproducible from it)",
    )  # fmt: skip


class OutcomeInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=InspectionOutcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


# -- output ------------------------------------------------------------------------------------


class SeverityCountsOutput(serializers.Serializer):
    error = serializers.IntegerField()
    warning = serializers.IntegerField()
    info = serializers.IntegerField()


class RunOutput(serializers.ModelSerializer):
    batch_name = serializers.CharField(source="batch.name", default=None)
    started_by = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()

    class Meta:
        model = VerificationRun
        fields = [
            "id", "batch", "batch_name", "status", "progress", "enterprise_count",
            "chunks_total", "chunks_done", "counts", "job", "started_by", "created_at",
            "finished_at",
        ]  # fmt: skip

    def get_started_by(self, run) -> str | None:
        return _username(run.started_by)

    def get_progress(self, run) -> int:
        return run_progress(run)

    def get_counts(self, run) -> SeverityCountsOutput:
        return dict(getattr(run, "severity_counts", {}) or {})


class CodeCountOutput(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.CharField()
    title = serializers.CharField()
    count = serializers.IntegerField()


class ComparisonOutput(serializers.Serializer):
    previous = serializers.IntegerField(source="previous.pk")
    new = serializers.IntegerField()
    gone = serializers.IntegerField()


class RunDetailOutput(RunOutput):
    by_code = serializers.SerializerMethodField()
    comparison = serializers.SerializerMethodField()
    samples = serializers.SerializerMethodField()

    class Meta(RunOutput.Meta):
        fields = [*RunOutput.Meta.fields, "by_code", "comparison", "samples"]

    def get_counts(self, run) -> SeverityCountsOutput:
        return dict(self.context["counts"].by_severity)

    def get_by_code(self, run) -> CodeCountOutput(many=True):
        return CodeCountOutput(self.context["counts"].by_code, many=True).data

    def get_comparison(self, run) -> ComparisonOutput(allow_null=True):
        comparison = self.context.get("comparison")
        return ComparisonOutput(comparison).data if comparison is not None else None

    def get_samples(self, run) -> list[int]:
        return [sample.pk for sample in self.context.get("samples", [])]


class EnterpriseRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    uscc = serializers.CharField()


class FindingOutput(serializers.ModelSerializer):
    enterprise = EnterpriseRefOutput(allow_null=True)
    title = serializers.CharField(help_text="the check's title in the request's language")
    record_url = serializers.CharField(
        allow_null=True, help_text="the page where the record is fixed"
    )

    class Meta:
        model = Finding
        fields = [
            "id", "severity", "code", "title", "enterprise", "message_zh", "message_en",
            "object_type", "object_id", "record_url", "details",
        ]  # fmt: skip


class ItemOutput(serializers.ModelSerializer):
    enterprise = EnterpriseRefOutput()
    weight = serializers.DecimalField(max_digits=12, decimal_places=4)
    recorded_by = serializers.SerializerMethodField()
    outcome_url = serializers.SerializerMethodField()

    class Meta:
        model = InspectionItem
        fields = [
            "id", "rank", "enterprise", "weight", "reasons", "outcome", "note", "recorded_by",
            "recorded_at", "outcome_url",
        ]  # fmt: skip

    def get_recorded_by(self, item) -> str | None:
        return _username(item.recorded_by)

    def get_outcome_url(self, item) -> str:
        return reverse(
            "api:verification-inspection-outcome",
            kwargs={"city_code": self.context["city"].code, "pk": item.pk},
        )


class SampleOutput(serializers.ModelSerializer):
    created_by = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()

    class Meta:
        model = InspectionSample
        fields = ["id", "run", "seed", "size", "note", "created_by", "created_at", "items"]

    def get_created_by(self, sample) -> str | None:
        return _username(sample.created_by)

    def get_items(self, sample) -> ItemOutput(many=True):
        return ItemOutput(self.context["items"], many=True, context=self.context).data
