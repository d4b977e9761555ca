"""The ministry's performance page at /overview/performance/: every city it oversees in one
table (a province user: its province's cities), filtered by region, batch year and flags, and
grouped by region or by batch with each group's totals. Read-only."""

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View

from pilot_portal.reporting import rules
from pilot_portal.reporting.national import national_groups, national_rows
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Region

OVERSEERS_ONLY = "仅部委和省级用户可查看 / for ministry and province users only"


class NationalFilterForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"), required=False)
    batch = forms.TypedChoiceField(label=_("Batch"), required=False, coerce=int, empty_value=None)
    flagged = forms.BooleanField(label=_("Flagged cities only"), required=False)
    group = forms.ChoiceField(
        label=_("Group by"),
        required=False,
        choices=[("region", _("Region")), ("batch", _("Batch"))],
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("All regions")), *Region.choices]
        self.fields["batch"].choices = [("", _("All batches"))] + [(y, str(y)) for y in years]

    def choice(self, name, default=None):
        """The chosen value, or `default` when absent or not one of the choices (a forged or
        stale link shows the whole table rather than an error)."""
        if not self.is_bound or name in self.errors:
            return default
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value


class NationalPerformancePage(LoginRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (policy.is_ministry(user) or policy.province_ids(user)):
            raise PermissionDenied(OVERSEERS_ONLY)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        cities = policy.visible_cities(request.user)
        years = cities.order_by("batch_year").values_list("batch_year", flat=True).distinct()
        form = NationalFilterForm(request.GET or None, years=list(years))
        form.is_valid()
        region, batch = form.choice("region"), form.choice("batch")
        if region:
            cities = cities.filter(region=region)
        if batch:
            cities = cities.filter(batch_year=batch)
        rows = national_rows(cities=cities)
        if form.choice("flagged", False):
            rows = [row for row in rows if row.flags]
        grouping = form.choice("group", "region")
        groups = national_groups(rows, by=grouping)
        return render(
            request,
            "reporting/national.html",
            {
                "form": form,
                "groups": groups,
                "grouping": grouping,
                "rows": rows,
                "transformed": sum(row.transformed for row in rows),
                "minimum": sum(row.minimum or 0 for row in rows),
                "flagged": sum(1 for row in rows if row.flags),
                "above_size_target": rules.ABOVE_SIZE_TARGET,
                "srdi_target": rules.SRDI_TARGET,
                "little_giant_target": rules.LITTLE_GIANT_TARGET,
                "enterprise_share_min": rules.ENTERPRISE_SHARE_MIN,
                "is_ministry": policy.is_ministry(request.user),
            },
        )
