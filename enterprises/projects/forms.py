"""Page forms for projects: they validate shapes; `services` holds the rules (amounts, roles,
states) and its refusals are shown next to the field they name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.projects.models import InvestmentCategory, ProjectStatus
from providers.models import Scenario

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Milestone rows on the create form (more are added later by the enterprise or the city).
MILESTONE_ROWS = 3


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label=_("Title or enterprise"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), *ProjectStatus.choices]

    def filters(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v} if self.is_valid() else {}


class ProjectForm(forms.Form):
    """A new project. `providers` are (group label, [(id, name)]) pairs — the shortlist's
    providers first — and `products` (id, label) pairs for the light-solution ticks."""

    provider = forms.ChoiceField(label=_("Provider"))
    products = forms.MultipleChoiceField(
        label=_("Light solutions"), required=False, widget=forms.CheckboxSelectMultiple
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    scenarios = forms.MultipleChoiceField(
        label=_("Scenarios"), required=False, choices=Scenario.choices,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    # Text, not a DecimalField: the service checks the amount and says what is wrong in both
    # languages, next to this field.
    contract_amount = forms.CharField(
        label=_("Contract amount (CNY)"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )  # fmt: skip
    planned_start = forms.DateField(label=_("Planned start"), widget=DATE)
    planned_end = forms.DateField(label=_("Planned end"), widget=DATE)

    def __init__(self, *args, providers, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "—"), *providers]
        self.fields["products"].choices = products
        for n in range(1, MILESTONE_ROWS + 1):
            self.fields[f"milestone_{n}_title"] = forms.CharField(
                label=_("Milestone %(n)d") % {"n": n}, max_length=200, required=False
            )
            self.fields[f"milestone_{n}_due"] = forms.DateField(
                label=_("Due date"), required=False, widget=DATE
            )

    def milestone_rows(self):
        """(title field, due date field) per row, for the template."""
        return [
            (self[f"milestone_{n}_title"], self[f"milestone_{n}_due"])
            for n in range(1, MILESTONE_ROWS + 1)
        ]

    def clean(self):
        data = super().clean()
        for n in range(1, MILESTONE_ROWS + 1):
            title, due = data.get(f"milestone_{n}_title"), data.get(f"milestone_{n}_due")
            if bool(title) != bool(due) and f"milestone_{n}_due" not in self.errors:
                self.add_error(
                    f"milestone_{n}_title" if due else f"milestone_{n}_due",
                    _("A milestone needs both a title and a due date."),
                )
        return data

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "provider": int(data["provider"]),
            "products": [int(pk) for pk in data["products"]],
            "title": data["title"],
            "scenarios": data["scenarios"],
            "contract_amount": data["contract_amount"],
            "planned_start": data["planned_start"],
            "planned_end": data["planned_end"],
            "milestones": [
                {"title": data[f"milestone_{n}_title"], "due_date": data[f"milestone_{n}_due"]}
                for n in range(1, MILESTONE_ROWS + 1)
                if data.get(f"milestone_{n}_title")
            ],
        }


class ActionForm(forms.Form):
    action = forms.CharField(max_length=24)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(
        attrs={"rows": 2}))  # fmt: skip


class InvestmentForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=InvestmentCategory.choices)
    amount = forms.CharField(
        label=_("Amount (CNY)"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )  # fmt: skip
    description = forms.CharField(label=_("Description"), max_length=300)
    invoice_number = forms.CharField(label=_("Invoice number"), max_length=64, required=False)
    invoice_issuer = forms.CharField(label=_("Invoice issuer"), max_length=200, required=False)
    file = forms.FileField(label=_("Evidence (invoice, contract page)"), required=False)
    corrects = forms.TypedChoiceField(
        label=_("Corrects line"), required=False, coerce=int, empty_value=None
    )
    reason = forms.CharField(
        label=_("Reason for the correction"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["corrects"].choices = [("", "—")] + [
            (line.pk, f"#{line.pk} {line.get_category_display()} {line.amount}") for line in lines
        ]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("file", None)
        return data


class WorkLogForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    hours = forms.DecimalField(label=_("Hours"), max_digits=5, decimal_places=2)
    description = forms.CharField(label=_("What was done"), widget=forms.Textarea(
        attrs={"rows": 3}))  # fmt: skip
    file = forms.FileField(label=_("Attachment"), required=False)


class MilestoneDoneForm(forms.Form):
    file = forms.FileField(label=_("Evidence"), required=False)
