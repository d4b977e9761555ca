"""Forms of the national provider pages: the profile, reference cases, applying to a city."""

from django import forms
from django.utils.translation import gettext_lazy as _

from providers.models import ProviderKind, Scenario


class ProviderForm(forms.Form):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ProviderKind.choices)
    qualifications = forms.CharField(
        label=_("Qualifications"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    contact_name = forms.CharField(label=_("Contact person"), required=False, max_length=64)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=32)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["uscc"]  # the credit code identifies the provider: never edited


class CaseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    customer = forms.CharField(label=_("Customer"), max_length=200)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    scenario = forms.ChoiceField(label=_("Scenario"), choices=Scenario.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CityApplyForm(forms.Form):
    round = forms.ChoiceField(label=_("Selection round"))
    sectors = forms.MultipleChoiceField(
        label=_("Sectors served"), required=False, widget=forms.CheckboxSelectMultiple
    )
    cases = forms.MultipleChoiceField(
        label=_("Reference cases"), required=False, widget=forms.CheckboxSelectMultiple
    )
    statement = forms.CharField(
        label=_("Application statement"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, rounds, sectors, cases, **kwargs):
        super().__init__(*args, **kwargs)
        # With no round open, the service answers why (409) rather than "required".
        self.fields["round"].required = bool(rounds)
        self.fields["round"].choices = [
            (str(r.pk), f"{r.name}（{r.opens:%Y-%m-%d} – {r.closes:%Y-%m-%d}）") for r in rounds
        ]
        self.fields["sectors"].choices = [(s.code, s.name) for s in sectors]
        self.fields["cases"].choices = [
            (str(c.pk), f"{c.title} · {c.customer} · {c.year}") for c in cases
        ]
