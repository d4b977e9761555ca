"""What the performance-reporting API reads and writes (indicators, manual values, periods)."""

from rest_framework import serializers

from pilot_portal.reporting.models import PeriodKind

ID = {"min_value": 1, "max_value": 2**63 - 1}


def _decimal(value) -> str | None:
    return None if value is None else str(value)


def _username(user) -> str | None:
    return user.username if user is not None else None


# -- input -------------------------------------------------------------------------------------


class IndicatorFilterInput(serializers.Serializer):
    year = serializers.IntegerField(
        required=False, min_value=2000, max_value=2100,
        help_text="targets through this year (the yearly targets added up); omitted: the total",
    )  # fmt: skip


class ManualValueInput(serializers.Serializer):
    value = serializers.CharField(max_length=32, help_text='a decimal string, e.g. "12" or "87.5"')
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    evidence = serializers.FileField(help_text="PDF, image or spreadsheet backing the value")


class ReviewInput(serializers.Serializer):
    accept = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class PeriodSubmitInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PeriodKind.choices)
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class ReopenInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


# -- output ------------------------------------------------------------------------------------


class ManualValueOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    indicator = serializers.CharField(source="indicator.code")
    value = serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=True)
    note = serializers.CharField()
    status = serializers.CharField()
    evidence = serializers.CharField(source="evidence.name")
    entered_by = serializers.SerializerMethodField()
    entered_at = serializers.DateTimeField()
    reviewed_by = serializers.SerializerMethodField()
    reviewed_at = serializers.DateTimeField()
    review_comment = serializers.CharField()

    def get_entered_by(self, value) -> str | None:
        return _username(value.entered_by)

    def get_reviewed_by(self, value) -> str | None:
        return _username(value.reviewed_by)


class IndicatorOutput(serializers.Serializer):
    """API.md: code, name, unit, targets, actual, source, progress (and a little more)."""

    code = serializers.CharField()
    name = serializers.CharField(source="indicator.name")
    unit = serializers.CharField(source="indicator.unit")
    targets = serializers.DictField(source="indicator.targets", child=serializers.CharField())
    total_target = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField(help_text="the target for the year asked for")
    actual = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField(help_text="actual / target; 1.0000 = reached")
    source = serializers.CharField(source="indicator.source")
    metric = serializers.CharField(source="indicator.metric")
    explanation = serializers.CharField()
    pending_value = serializers.SerializerMethodField()

    def get_total_target(self, row) -> str | None:
        return _decimal(row.indicator.total_target)

    def get_target(self, row) -> str | None:
        return _decimal(row.target)

    def get_actual(self, row) -> str | None:
        return _decimal(row.actual)

    def get_progress(self, row) -> str | None:
        return _decimal(row.progress)

    def get_pending_value(self, row) -> str | None:
        return _decimal(row.pending.value) if row.pending else None


class PeriodFigureOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    source = serializers.CharField()
    target = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    actual = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    progress = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True)
    explanation = serializers.CharField()


class PeriodStepOutput(serializers.Serializer):
    action = serializers.CharField()
    actor = serializers.CharField(source="actor.username")
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class PeriodOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    year = serializers.IntegerField()
    status = serializers.CharField()
    version = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    submitted_by = serializers.SerializerMethodField()

    def get_submitted_by(self, period) -> str | None:
        return _username(period.submitted_by)


class PeriodDetailOutput(PeriodOutput):
    figures = PeriodFigureOutput(many=True, source="latest_figures")
    steps = PeriodStepOutput(many=True, source="step_list")
