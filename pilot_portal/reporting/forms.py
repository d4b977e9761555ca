"""Forms of the indicator pages: a manual value with evidence, a review, a period submission."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pilot_portal.reporting.models import PeriodKind


class ManualValueForm(forms.Form):
    value = forms.CharField(label=_("Value"), max_length=32)
    note = forms.CharField(
        label=_("How it was counted"), required=False, max_length=2000, widget=forms.Textarea(
            attrs={"rows": 2}
        ),
    )  # fmt: skip
    evidence = forms.FileField(
        label=_("Evidence"), help_text=_("PDF, image or spreadsheet backing the value")
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("reject", _("Reject"))], widget=forms.HiddenInput
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)


class PeriodSubmitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=PeriodKind.choices)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)

    def __init__(self, *args, city, **kwargs):
        super().__init__(*args, **kwargs)
        years = range(city.period_start.year, city.period_end.year + 1)
        self.fields["year"].choices = [(y, y) for y in years]


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the correction"), max_length=2000, widget=forms.Textarea(
            attrs={"rows": 2}
        ),
    )  # fmt: skip
