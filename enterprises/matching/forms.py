"""Forms of the matching page: they validate shapes; `matching.services` holds the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from providers.models import Scenario


class DemandForm(forms.Form):
    scenarios = forms.MultipleChoiceField(
        label=_("Scenarios you want to digitalise"), choices=Scenario.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ShortlistForm(forms.Form):
    product = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    remove = forms.BooleanField(required=False, widget=forms.HiddenInput)


class RatingForm(forms.Form):
    provider = forms.ChoiceField(label=_("Provider"))
    score = forms.TypedChoiceField(
        label=_("Rating"), coerce=int, choices=[(n, str(n)) for n in range(5, 0, -1)]
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(str(p.pk), p.name) for p in providers]
