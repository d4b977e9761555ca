"""Forms of the 小快轻准 catalogue pages: they validate shapes; `providers.catalogue` holds
the rules."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from providers.catalogue import MAX_PRICE
from providers.models import Deployment, ProductStatus, Scenario

ORDER_CHOICES = [
    ("name", _("Name")),
    ("price", _("Price, lowest first")),
    ("-price", _("Price, highest first")),
    ("-rating", _("Rating, best first")),
]


class ProductFilterForm(forms.Form):
    """The catalogue's search and filters (the page and the public catalogue)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    scenario = forms.ChoiceField(label=_("Scenario"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    deployment = forms.ChoiceField(label=_("Deployment"), required=False)
    price_min = forms.DecimalField(
        label=_("Price from (CNY)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    price_max = forms.DecimalField(
        label=_("Price up to (CNY)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    min_rating = forms.DecimalField(
        label=_("Rating at least"), required=False, min_value=1, max_value=5, decimal_places=2
    )
    order = forms.ChoiceField(label=_("Order"), required=False, choices=ORDER_CHOICES)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, city, show_status=False, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["scenario"].choices = everything + list(Scenario.choices)
        self.fields["sector"].choices = everything + [(s.code, s.name) for s in city.sectors.all()]
        self.fields["deployment"].choices = everything + list(Deployment.choices)
        if show_status:
            self.fields["status"].choices = everything + list(ProductStatus.choices)
        else:
            del self.fields["status"]

    def clean(self):
        data = super().clean()
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            self.add_error("price_max", _("The upper price is below the lower one."))
        return data

    def filters(self) -> dict:
        """The valid filters, as `selectors.product_search` takes them ({} for an empty form)."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    scenario = forms.ChoiceField(label=_("Scenario"), choices=Scenario.choices)
    sectors = forms.MultipleChoiceField(
        label=_("Sectors"), required=False, widget=forms.CheckboxSelectMultiple
    )
    price = forms.DecimalField(
        label=_("Price (CNY)"), min_value=Decimal(0), max_value=MAX_PRICE, max_digits=14,
        decimal_places=2,
    )  # fmt: skip
    price_unit = forms.CharField(label=_("Price unit"), max_length=32, required=False)
    deployment = forms.ChoiceField(label=_("Deployment"), choices=Deployment.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea)
    cases = forms.CharField(label=_("Reference cases"), widget=forms.Textarea, required=False)
    provider = forms.ChoiceField(label=_("Provider"))

    def __init__(self, *args, city, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sectors"].choices = [(s.code, s.name) for s in city.sectors.all()]
        if len(providers) > 1:  # a user acting for several providers names which one
            self.fields["provider"].choices = [(str(p.pk), p.name) for p in providers]
        else:
            del self.fields["provider"]


class ListingForm(forms.Form):
    action = forms.ChoiceField(choices=[("list", _("List")), ("unlist", _("Unlist"))])
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea)
