"""Page forms for subsidy claims: they check shapes (a number is a number, a date a date) and
find the recipient the official typed; `services` hold the rules, and their refusals are shown
next to the field they name.

The inputs an official enters for an award claim (fee, units, interest…) are the keys of
`subsidies.facts.INPUTS`, so a service error naming an input lands next to its field.
"""

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from subsidies.models import ClaimStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TRANSFORMATION = "transformation"


def _money_field(label, help_text="", required=False):
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )


def line_label(names: dict, code: str, zh: bool) -> str:
    """A rule line as lists write it: its name in the page's language (the code if unknown)."""
    zh_name, en_name = names.get(code, (code, code))
    return zh_name if zh else en_name


# -- the list --------------------------------------------------------------------------------


class ClaimFilterForm(forms.Form):
    q = forms.CharField(label=_("Enterprise, USCC or provider"), required=False)
    kind = forms.ChoiceField(label=_("Rule line"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, names: dict, zh: bool, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["kind"].choices = everything + [
            (code, line_label(names, code, zh)) for code in names
        ]
        self.fields["status"].choices = everything + list(ClaimStatus.choices)


# -- a new award claim, and corrected inputs ------------------------------------------------


class InputsForm(forms.Form):
    """What an award claim is computed from (all optional: each line reads the ones it needs)."""

    fee = _money_field(_("Fee paid (CNY)"), _("Diagnosis, acceptance or service fee."))
    units = forms.IntegerField(
        label=_("Units"),
        required=False,
        min_value=0,
        help_text=_("Enterprises brought to completion, person-days, events…"),
    )
    loan_interest = _money_field(_("Loan interest paid in the year (CNY)"))
    requested = _money_field(
        _("Proposed amount (CNY)"), _("For awards of “up to” a ceiling: the figure decided.")
    )
    granted_elsewhere = _money_field(
        _("Granted under other policies (CNY)"), _("For “take the highest, never twice”.")
    )
    level = forms.TypedChoiceField(
        label=_("Digital level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *[(n, str(n)) for n in range(1, 5)]],
    )
    eligible_investment = _money_field(_("Eligible investment (CNY)"))

    INPUT_FIELDS = (
        "fee",
        "units",
        "loan_interest",
        "requested",
        "granted_elsewhere",
        "level",
        "eligible_investment",
    )

    def inputs(self) -> dict:
        """The filled-in inputs as the services take them (strings for amounts)."""
        inputs = {}
        for name in self.INPUT_FIELDS:
            value = self.cleaned_data.get(name)
            if value is None:
                continue
            inputs[name] = value if isinstance(value, int) else str(value)
        return inputs


class ClaimCreateForm(InputsForm):
    """A new award claim. The recipient is typed (USCC or full name): a city has hundreds of
    enterprises, too many for a select."""

    kind = forms.ChoiceField(label=_("Rule line"))
    enterprise = forms.CharField(
        label=_("Enterprise (USCC or full name)"),
        required=False,
        max_length=200,
        help_text=_("Leave empty when the recipient is a provider."),
    )
    provider = forms.TypedChoiceField(
        label=_("Provider"), required=False, coerce=int, empty_value=None
    )
    chain_case = forms.TypedChoiceField(
        label=_("Chain case"), required=False, coerce=int, empty_value=None
    )
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("For yearly caps (loan interest); this year when left empty."),
    )

    field_order = ["kind", "enterprise", "provider", "chain_case", "year"]

    def __init__(self, *args, city, lines, providers, chain_cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.city = city
        self.fields["kind"].choices = [("", "—"), *lines]  # (code, label), transformation left out
        self.fields["provider"].choices = [("", "—")] + [(p.pk, p.name) for p in providers]
        self.providers = {p.pk: p for p in providers}
        if chain_cases:
            self.fields["chain_case"].choices = [("", "—")] + [(c.pk, c.title) for c in chain_cases]
            self.chain_cases = {c.pk: c for c in chain_cases}
        else:
            del self.fields["chain_case"]
            self.chain_cases = {}

    def clean_enterprise(self):
        """The city's enterprise with that USCC (or exactly that name); None when empty."""
        text = (self.cleaned_data.get("enterprise") or "").strip()
        if not text:
            return None
        found = list(
            Enterprise.objects.for_city(self.city)
            .filter(Q(uscc__iexact=text) | Q(name=text))
            .order_by("pk")[:2]
        )
        if not found:
            raise forms.ValidationError(
                _("No enterprise of this city has this USCC or name."), code="unknown"
            )
        if len(found) > 1:
            raise forms.ValidationError(
                _("Several enterprises have this name: enter the USCC."), code="ambiguous"
            )
        return found[0]

    def clean(self):
        data = super().clean()
        if data.get("kind") == TRANSFORMATION:
            self.add_error("kind", _("The transformation subsidy is computed from a project."))
        return data


def inputs_initial(inputs: dict) -> dict:
    """A claim's stored inputs as the inputs form shows them."""
    return {k: v for k, v in (inputs or {}).items() if k in InputsForm.INPUT_FIELDS}


# -- actions on one claim --------------------------------------------------------------------


class ApproveForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DisburseForm(forms.Form):
    amount = _money_field(_("Amount paid (CNY)"), required=True)
    reference = forms.CharField(label=_("Bank reference"), max_length=64)
    paid_on = forms.DateField(label=_("Date paid"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("paid_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class RefundForm(DisburseForm):
    amount = _money_field(_("Amount repaid (CNY)"), required=True)
    paid_on = forms.DateField(label=_("Date repaid"), required=False, widget=DATE)


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    fraud = forms.BooleanField(
        label=_("Fraud: claw back what was paid and blacklist the enterprise for 3 years"),
        required=False,
    )
