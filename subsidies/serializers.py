"""What the subsidy API reads and writes (API.md "Subsidies")."""

from rest_framework import serializers

from subsidies.models import ClaimStep, LedgerEntry, SubsidyClaim, SubsidyComputation
from subsidies.selectors import instalments_view

MONEY = {"max_digits": 14, "decimal_places": 2}


class SubsidyComputationOutput(serializers.ModelSerializer):
    rulebook = serializers.CharField(source="rulebook.version")
    explanation = serializers.JSONField(source="steps")

    class Meta:
        model = SubsidyComputation
        fields = [
            "id", "rulebook", "amount", "eligible", "reasons", "explanation",
            "explanation_zh", "explanation_en", "points", "facts", "created_at",
        ]  # fmt: skip


class SubsidyLedgerOutput(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username")

    class Meta:
        model = LedgerEntry
        fields = [
            "id", "kind", "amount", "instalment", "paid_on", "reference", "settles", "note",
            "recorded_by", "created_at",
        ]  # fmt: skip


class SubsidyStepOutput(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username")

    class Meta:
        model = ClaimStep
        fields = [
            "action", "from_status", "to_status", "amount", "actor", "actor_role", "comment",
            "created_at",
        ]  # fmt: skip


class SubsidyClaimOutput(serializers.ModelSerializer):
    """A list row: API.md's fields, the figure and its explanation."""

    amount = serializers.DecimalField(source="computation.amount", allow_null=True, **MONEY)
    eligible = serializers.BooleanField(source="computation.eligible", allow_null=True)
    level = serializers.SerializerMethodField()
    eligible_investment = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField()
    explanation_zh = serializers.CharField(source="computation.explanation_zh", allow_null=True)
    explanation_en = serializers.CharField(source="computation.explanation_en", allow_null=True)
    recipient = serializers.SerializerMethodField()

    class Meta:
        model = SubsidyClaim
        fields = [
            "id", "kind", "enterprise", "provider", "recipient", "project", "chain_case", "year",
            "eligible_investment", "level", "amount", "eligible", "explanation", "explanation_zh",
            "explanation_en", "status", "approved_amount", "paid_amount", "clawed_back_amount",
            "instalments", "inputs", "created_at",
        ]  # fmt: skip

    instalments = serializers.JSONField(source="instalment_plan")

    def _facts(self, claim) -> dict:
        return claim.computation.facts if claim.computation_id else {}

    def get_level(self, claim) -> int | None:
        return self._facts(claim).get("level")

    def get_eligible_investment(self, claim) -> str | None:
        return self._facts(claim).get("eligible_investment")

    def get_explanation(self, claim) -> list:
        return claim.computation.steps if claim.computation_id else []

    def get_recipient(self, claim) -> str:
        return str(claim.recipient)


class SubsidyClaimDetailOutput(SubsidyClaimOutput):
    """One claim with every computation kept, its instalments as paid, ledger and history."""

    reasons = serializers.JSONField(source="computation.reasons", allow_null=True)
    rulebook = serializers.CharField(source="computation.rulebook.version", allow_null=True)
    computations = SubsidyComputationOutput(many=True, read_only=True)
    ledger = SubsidyLedgerOutput(many=True, read_only=True)
    steps = SubsidyStepOutput(many=True, read_only=True)
    instalments = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(SubsidyClaimOutput.Meta):
        fields = [
            *SubsidyClaimOutput.Meta.fields, "reasons", "rulebook", "computations", "ledger",
            "steps", "approved_by", "approved_at", "actions",
        ]  # fmt: skip

    def get_instalments(self, claim) -> list:
        return instalments_view(claim)

    def get_actions(self, claim) -> list[str]:
        from subsidies.selectors import claim_actions

        return claim_actions(self.context["request"].user, claim)


class SubsidyClaimCreateInput(serializers.Serializer):
    kind = serializers.CharField(max_length=32)
    enterprise = serializers.IntegerField(required=False, allow_null=True)
    provider = serializers.IntegerField(required=False, allow_null=True)
    chain_case = serializers.IntegerField(required=False, allow_null=True)
    year = serializers.IntegerField(required=False, allow_null=True, min_value=2020, max_value=2100)
    inputs = serializers.DictField(required=False, default=dict)


class SubsidyClaimActionInput(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    fraud = serializers.BooleanField(required=False, default=False)
    amount = serializers.CharField(required=False, allow_blank=True, default="")
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    paid_on = serializers.DateField(required=False, allow_null=True, default=None)
    inputs = serializers.DictField(required=False, allow_null=True, default=None)


class SubsidyFundLineOutput(serializers.Serializer):
    approved = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    computed = serializers.DecimalField(**MONEY)


class SubsidyFundStatusOutput(serializers.Serializer):
    pools = serializers.DictField(child=serializers.DecimalField(**MONEY))
    allocated = serializers.DecimalField(**MONEY)
    approved = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    clawbacks_owed = serializers.DecimalField(**MONEY)
    committed = serializers.DecimalField(**MONEY)
    remaining = serializers.DecimalField(**MONEY)
    ecosystem_cap = serializers.DecimalField(**MONEY)
    ecosystem_approved = serializers.DecimalField(**MONEY)
    enterprise_share = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    by_use = serializers.DictField(child=SubsidyFundLineOutput())
    by_line = serializers.DictField(child=SubsidyFundLineOutput())
