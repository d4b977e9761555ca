"""Page forms for batch verification: they validate shapes; the services decide and refuse."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pilot_portal.verification.models import InspectionOutcome, Severity

WHOLE_CITY = ""
MAX_SAMPLE = 1000


class StartForm(forms.Form):
    """Verify one batch, or (empty) every enterprise of the city."""

    batch = forms.TypedChoiceField(label=_("Scope"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, batches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch"].choices = [(WHOLE_CITY, _("The whole city"))] + [
            (b.pk, b.name) for b in batches
        ]


class FindingFilterForm(forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    code = forms.ChoiceField(label=_("Check"), required=False)
    district = forms.TypedChoiceField(label=_("District"), required=False, coerce=int)
    q = forms.CharField(label=_("Enterprise or credit code"), required=False, max_length=100)

    def __init__(self, *args, codes=(), districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["severity"].choices = everything + list(Severity.choices)
        self.fields["code"].choices = everything + list(codes)
        if districts:
            self.fields["district"].choices = everything + [(d.pk, d.name) for d in districts]
        else:  # a district officer sees one district: nothing to choose
            del self.fields["district"]


class SampleForm(forms.Form):
    size = forms.IntegerField(label=_("Sample size"), min_value=1, max_value=MAX_SAMPLE)
    seed = forms.IntegerField(
        label=_("Seed (optional)"),
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        help_text=_("The same seed on the same run draws the same enterprises."),
    )


class OutcomeForm(forms.Form):
    """What the inspectors found (not "pending": that is the state before any is recorded)."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", "—")]
        + [(v, label) for v, label in InspectionOutcome.choices if v != InspectionOutcome.PENDING],
    )
    note = forms.CharField(
        label=_("Inspection note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
