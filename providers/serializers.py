"""Serializers of the providers API: validated input, and output shaped for each reader.

What a reader sees of a selection depends on who they are, so the output serializers read a
`viewer` from their context (see `Viewer`): the experts' figures only for the city's staff
and oversight and for the round's experts, the next allowed actions for the viewer's roles.
"""

from dataclasses import dataclass, field

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Role
from pilot_portal.workflow import actions_from
from providers.models import (
    EvaluationOutcome,
    ExpertConflict,
    ExpertScore,
    Provider,
    ProviderCase,
    ProviderEvaluation,
    ProviderKind,
    ProviderSelection,
    Scenario,
    SelectionDocument,
    SelectionRound,
    SelectionStatus,
    SelectionStep,
)
from providers.workflow import SELECTION_TRANSITIONS

SCORE = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
RATING = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)


@dataclass
class Viewer:
    """Who is looking at selections in a city, worked out once per request (fixed queries)."""

    user: object
    roles: frozenset
    expert_rounds: set[int] = field(default_factory=set)  # rounds this expert is assigned to
    conflicted: set[int] = field(default_factory=set)  # providers this expert may not score

    @classmethod
    def of(cls, user, city) -> "Viewer":
        roles = policy.roles_in(user, city)
        viewer = cls(user=user, roles=roles)
        if Role.EXPERT in roles:
            viewer.expert_rounds = set(
                SelectionRound.objects.for_city(city)
                .filter(experts=user)
                .values_list("pk", flat=True)
            )
            viewer.conflicted = set(
                ExpertConflict.objects.for_city(city)
                .filter(expert=user)
                .values_list("provider_id", flat=True)
            )
        return viewer

    @property
    def reader(self) -> bool:
        return bool(self.roles & policy.SELECTION_READERS)

    def sees_scores(self, selection) -> bool:
        return self.reader or selection.round_id in self.expert_rounds

    def reviews(self, selection) -> bool:
        return (
            selection.status == SelectionStatus.UNDER_REVIEW
            and selection.round_id in self.expert_rounds
            and selection.provider_id not in self.conflicted
        )


# -- selections ---------------------------------------------------------------------------


class SelectionFilterInput(serializers.Serializer):
    """The list's query parameters, checked: a malformed filter is a 400, never a crash."""

    status = serializers.ChoiceField(
        choices=SelectionStatus.choices, required=False, allow_blank=True
    )
    round = serializers.IntegerField(required=False, min_value=1)
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)


class SelectionOutputSerializer(serializers.ModelSerializer):
    provider = serializers.IntegerField(source="provider_id", read_only=True)
    uscc = serializers.CharField(source="provider.uscc", read_only=True)
    name = serializers.CharField(source="provider.name", read_only=True)
    kind = serializers.ChoiceField(source="provider.kind", choices=ProviderKind.choices)
    rating = serializers.SerializerMethodField()
    ratings = serializers.SerializerMethodField()
    sectors = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    average_score = serializers.SerializerMethodField()
    score_count = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = ProviderSelection
        fields = [
            "id", "provider", "uscc", "name", "kind", "status", "rating", "ratings", "sectors",
            "round", "publicity_start", "publicity_end", "average_score", "score_count",
            "allowed_actions",
        ]  # fmt: skip

    @property
    def viewer(self) -> Viewer:
        return self.context["viewer"]

    @extend_schema_field(RATING)
    def get_rating(self, selection):
        value = getattr(selection, "rating", None)
        return None if value is None else RATING.to_representation(value)

    def get_ratings(self, selection) -> int:
        count = getattr(selection, "ratings", None)
        if count is None:  # one selection (the detail): counted here
            count = selection.provider.ratings.filter(city_id=selection.city_id).count()
        return count

    @extend_schema_field(SCORE)
    def get_average_score(self, selection):
        value = getattr(selection, "average_score", None)
        if value is None or not self.viewer.sees_scores(selection):
            return None
        return SCORE.to_representation(value)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_score_count(self, selection):
        if not self.viewer.sees_scores(selection):
            return None
        return getattr(selection, "score_count", 0)

    def get_allowed_actions(self, selection) -> list[str]:
        actions = actions_from(selection.status, self.viewer.roles, SELECTION_TRANSITIONS)
        if self.viewer.reviews(selection):
            actions.append("review")
        return actions


class ProviderCaseOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProviderCase
        fields = ["id", "title", "customer", "year", "scenario", "description"]


class SelectionDocumentOutputSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="document_id", read_only=True)
    name = serializers.CharField(source="document.name", read_only=True)

    class Meta:
        model = SelectionDocument
        fields = ["id", "kind", "name", "created_at"]


class SelectionStepOutputSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True)

    class Meta:
        model = SelectionStep
        fields = ["action", "from_status", "to_status", "actor", "actor_role", "comment",
                  "created_at"]  # fmt: skip


class ExpertScoreOutputSerializer(serializers.ModelSerializer):
    expert = serializers.CharField(source="expert.username", read_only=True)

    class Meta:
        model = ExpertScore
        fields = ["expert", "score", "comment", "updated_at"]


class SelectionDetailOutputSerializer(SelectionOutputSerializer):
    cases = ProviderCaseOutputSerializer(many=True, read_only=True)
    documents = SelectionDocumentOutputSerializer(many=True, read_only=True)
    steps = SelectionStepOutputSerializer(many=True, read_only=True)
    scores = serializers.SerializerMethodField()

    class Meta(SelectionOutputSerializer.Meta):
        fields = [
            *SelectionOutputSerializer.Meta.fields,
            "statement", "cases", "documents", "steps", "scores", "created_at",
        ]  # fmt: skip

    @extend_schema_field(ExpertScoreOutputSerializer(many=True))
    def get_scores(self, selection):
        """Every score for the city's staff and oversight; an expert sees their own only."""
        scores = list(selection.scores.all())  # prefetched
        if not self.viewer.reader:
            scores = [s for s in scores if s.expert_id == self.viewer.user.pk]
        return ExpertScoreOutputSerializer(scores, many=True).data


class SelectionApplyInputSerializer(serializers.Serializer):
    provider = serializers.IntegerField(
        required=False, min_value=1, help_text="Required when the user acts for several providers."
    )
    round = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    sectors = serializers.ListField(child=serializers.CharField(max_length=32), allow_empty=False)
    cases = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )
    statement = serializers.CharField()


class SelectionTransitionInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    publicity_start = serializers.DateField(required=False, allow_null=True, default=None)
    publicity_end = serializers.DateField(required=False, allow_null=True, default=None)


class SelectionReviewInputSerializer(serializers.Serializer):
    score = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    comment = serializers.CharField()


class ExpertConflictInputSerializer(serializers.Serializer):
    reason = serializers.CharField()


class SelectionDocumentInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SelectionDocument.Kind.choices)
    file = serializers.FileField()


# -- rounds -------------------------------------------------------------------------------


class ExpertOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


ApplicationCountsSerializer = type(
    "RoundApplicationCountsSerializer",
    (serializers.Serializer,),
    {status: serializers.IntegerField() for status in SelectionStatus.values},
)


class SelectionRoundOutputSerializer(serializers.ModelSerializer):
    experts = ExpertOutputSerializer(many=True, read_only=True)
    is_open = serializers.SerializerMethodField()
    applications = serializers.SerializerMethodField()

    class Meta:
        model = SelectionRound
        fields = ["id", "name", "opens", "closes", "criteria", "experts", "is_open",
                  "applications", "created_at"]  # fmt: skip

    def get_is_open(self, selection_round) -> bool:
        return selection_round.is_open(timezone.localdate())

    @extend_schema_field(ApplicationCountsSerializer)
    def get_applications(self, selection_round):
        """Applications by status, counted in the database (`RoundViewSet.get_queryset`)."""
        return {s: getattr(selection_round, f"n_{s}", 0) for s in SelectionStatus.values}


class SelectionRoundInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    opens = serializers.DateField()
    closes = serializers.DateField()
    criteria = serializers.CharField()
    experts = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )


class SelectionRoundExpertsInputSerializer(serializers.Serializer):
    experts = serializers.ListField(child=serializers.IntegerField(min_value=1))


# -- evaluations --------------------------------------------------------------------------


class ProviderEvaluationOutputSerializer(serializers.ModelSerializer):
    provider = serializers.IntegerField(source="selection.provider_id", read_only=True)
    provider_name = serializers.CharField(source="selection.provider.name", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True)

    class Meta:
        model = ProviderEvaluation
        fields = ["id", "selection", "provider", "provider_name", "year", "average_rating",
                  "ratings", "completed_projects", "outcome", "reason", "decided_by",
                  "created_at"]  # fmt: skip


class EvaluationFilterInput(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


class ProviderEvaluationInputSerializer(serializers.Serializer):
    selection = serializers.IntegerField(min_value=1)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    outcome = serializers.ChoiceField(choices=EvaluationOutcome.choices)
    reason = serializers.CharField()


# -- the national profile -----------------------------------------------------------------


class ProviderProfileOutputSerializer(serializers.ModelSerializer):
    cases = ProviderCaseOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Provider
        fields = ["id", "uscc", "name", "kind", "qualifications", "description", "contact_name",
                  "contact_phone", "contact_email", "website", "cases", "created_at"]  # fmt: skip


class ProviderProfileInputSerializer(serializers.Serializer):
    uscc = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ProviderKind.choices)
    qualifications = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=64)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)


class ProfileQueryInput(serializers.Serializer):
    provider = serializers.IntegerField(required=False, min_value=1)


class ProviderCaseInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    customer = serializers.CharField(max_length=200)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    scenario = serializers.ChoiceField(choices=Scenario.choices)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class ProviderApplicationOutputSerializer(serializers.ModelSerializer):
    """A provider's own standing in one city."""

    city = serializers.CharField(source="city.code", read_only=True)
    city_name = serializers.CharField(source="city.name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    round_name = serializers.CharField(source="round.name", read_only=True)
    applied_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = ProviderSelection
        fields = ["id", "city", "city_name", "provider", "provider_name", "status", "round",
                  "round_name", "publicity_start", "publicity_end", "applied_at",
                  "updated_at"]  # fmt: skip


class OpenRoundOutputSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="city.code", read_only=True)
    city_name = serializers.CharField(source="city.name", read_only=True)

    class Meta:
        model = SelectionRound
        fields = ["id", "city", "city_name", "name", "opens", "closes", "criteria"]
