"""Forms of a city's provider pages: they validate shapes; the services hold the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pilot_portal.tenancy.models import Membership, Role
from providers.models import EvaluationOutcome, SelectionDocument, SelectionRound, SelectionStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SelectionFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    round = forms.ChoiceField(label=_("Round"), required=False)
    q = forms.CharField(label=_("Name or credit code"), required=False, max_length=100)

    def __init__(self, *args, city, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["status"].choices = everything + list(SelectionStatus.choices)
        self.fields["round"].choices = everything + [
            (str(r.pk), r.name) for r in SelectionRound.objects.for_city(city).only("pk", "name")
        ]

    def filters(self) -> dict:
        """The selector's keyword arguments (nothing when the query is malformed)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "status": data["status"],
            "round_id": int(data["round"]) if data["round"] else None,
            "q": data["q"].strip(),
        }


class ActionForm(forms.Form):
    """One step of the selection workflow; which steps and when is the service's business."""

    action = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    publicity_start = forms.DateField(label=_("Publicity starts"), required=False, widget=DATE)
    publicity_end = forms.DateField(label=_("Publicity ends"), required=False, widget=DATE)


class ScoreForm(forms.Form):
    # A text field: the service answers a bad score in both languages.
    score = forms.CharField(
        label=_("Score (0–100)"),
        max_length=12,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "0.01"}),
    )
    comment = forms.CharField(
        label=_("Review comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ConflictForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the conflict of interest"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SelectionDocument.Kind.choices)
    file = forms.FileField(label=_("File"))


def _expert_choices(city) -> list[tuple[str, str]]:
    memberships = (
        Membership.objects.for_city(city)
        .filter(role=Role.EXPERT, is_active=True)
        .select_related("user")
        .order_by("user__username")
    )
    return [(str(m.user_id), m.user.get_full_name() or m.user.username) for m in memberships]


class ExpertsForm(forms.Form):
    experts = forms.MultipleChoiceField(
        label=_("Experts"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, city, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["experts"].choices = _expert_choices(city)


class RoundForm(ExpertsForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    opens = forms.DateField(label=_("Opens"), widget=DATE)
    closes = forms.DateField(label=_("Closes"), widget=DATE)
    criteria = forms.CharField(
        label=_("Scoring criteria"), widget=forms.Textarea(attrs={"rows": 3})
    )

    field_order = ["name", "opens", "closes", "criteria", "experts"]


class EvaluationForm(forms.Form):
    selection = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=EvaluationOutcome.choices)
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
