"""Pages of supply–demand matching (供需对接): the enterprise's own matching page, and the
city's demand-versus-supply overview."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from enterprises.matching import selectors, services
from enterprises.matching.forms import DemandForm, RatingForm, ShortlistForm
from enterprises.models import Demand, Enterprise
from pilot_portal.errors import PortalError
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.views import CityPageMixin
from providers.models import Product, Provider


def _show(form, error: PortalError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def own_enterprise(request, wanted=None) -> Enterprise:
    """The enterprise this user acts for (the one asked for, when it acts for several)."""
    own = sorted(policy.enterprise_ids_in(request.user, request.city))
    if not own:
        raise PermissionDenied("您不代表任何企业 / you do not act for an enterprise")
    chosen = int(wanted) if str(wanted or "").isdigit() and int(wanted) in own else own[0]
    return get_object_or_404(
        Enterprise.objects.for_city(request.city).select_related("city", "sector"), pk=chosen
    )


class MatchingPageMixin(CityPageMixin):
    action_required = "demand.edit"

    def render_page(self, request, enterprise, *, demand_form=None, rating_form=None):
        demands = selectors.demand_scenarios(enterprise)
        entered = Demand.Source.ENTERPRISE
        if demand_form is None:
            demand_form = DemandForm(
                initial={
                    "scenarios": [d.scenario for d in demands],
                    "note": next((d.note for d in demands if d.source == entered), ""),
                }
            )
        shortlist = list(selectors.shortlist(enterprise))
        rateable = list(selectors.rateable_providers(enterprise))
        if rating_form is None:
            rating_form = RatingForm(providers=rateable)
        return render(
            request,
            "enterprises/matching/matching.html",
            {
                "enterprise": enterprise,
                "demands": demands,
                "from_diagnosis": [d for d in demands if d.source != entered],
                "demand_form": demand_form,
                "proposals": selectors.matches(enterprise),
                "shortlisted": {s.product_id for s in shortlist},
                "shortlist": shortlist,
                "rateable": rateable,
                "rating_form": rating_form,
                "ratings": selectors.ratings(enterprise),
            },
        )


class MatchingPage(MatchingPageMixin):
    def get(self, request, city_code):
        enterprise = own_enterprise(request, request.GET.get("enterprise"))
        return self.render_page(request, enterprise)


class DemandPage(MatchingPageMixin):
    def post(self, request, city_code):
        enterprise = own_enterprise(request, request.POST.get("enterprise"))
        form = DemandForm(request.POST)
        if form.is_valid():
            try:
                services.demand_set(
                    enterprise=enterprise, actor=request.user,
                    scenarios=form.cleaned_data["scenarios"], note=form.cleaned_data["note"],
                )  # fmt: skip
            except PortalError as error:
                _show(form, error)
            else:
                messages.success(request, _("Demand saved; proposals updated."))
                return redirect("matching", city_code=city_code)
        return self.render_page(request, enterprise, demand_form=form)


class ShortlistPage(MatchingPageMixin):
    def post(self, request, city_code):
        enterprise = own_enterprise(request, request.POST.get("enterprise"))
        form = ShortlistForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a solution."))
            return redirect("matching", city_code=city_code)
        product = get_object_or_404(
            Product.objects.for_city(request.city), pk=form.cleaned_data["product"]
        )
        try:
            if form.cleaned_data["remove"]:
                services.shortlist_remove(
                    enterprise=enterprise, actor=request.user, product=product
                )
            else:
                services.shortlist_add(enterprise=enterprise, actor=request.user, product=product)
        except PortalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Shortlist updated."))
        return redirect("matching", city_code=city_code)


class RatingPage(MatchingPageMixin):
    action_required = "rating.create"

    def post(self, request, city_code):
        enterprise = own_enterprise(request, request.POST.get("enterprise"))
        form = RatingForm(request.POST, providers=selectors.rateable_providers(enterprise))
        if form.is_valid():
            provider = get_object_or_404(Provider, pk=form.cleaned_data["provider"])
            try:
                services.rating_create(
                    enterprise=enterprise, actor=request.user, provider=provider,
                    score=form.cleaned_data["score"], comment=form.cleaned_data["comment"],
                )  # fmt: skip
            except PortalError as error:
                _show(form, error)
            else:
                messages.success(request, _("Thank you for your rating."))
                return redirect("matching", city_code=city_code)
        return self.render_page(request, enterprise, rating_form=form)


class DemandSupplyPage(CityPageMixin):
    """Per scenario: how many enterprises want it, how many solutions and providers offer it."""

    action_required = "demand.overview"

    def get(self, request, city_code):
        rows = selectors.demand_supply(request.city)
        return render(
            request,
            "enterprises/matching/demand_supply.html",
            {"rows": rows, "thin": [r for r in rows if r.thin and r.demand]},
        )
