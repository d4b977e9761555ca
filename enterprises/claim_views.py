"""Claim pages: the claimant's (outside any city) and the reviewers' (inside their city)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from enterprises import claims
from enterprises.models import EnterpriseClaim
from enterprises.views import _show
from pilot_portal.errors import PortalError
from pilot_portal.tenancy.models import City
from pilot_portal.tenancy.views import CityPageMixin


class ClaimForm(forms.Form):
    city = forms.ChoiceField(label=gettext_lazy("Pilot city"))
    uscc = forms.CharField(label=gettext_lazy("Unified social credit code"), max_length=40)
    position = forms.CharField(label=gettext_lazy("Your position"), max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].choices = [(c.code, c.name) for c in City.objects.order_by("code")]


class ClaimPage(LoginRequiredMixin, View):
    def get(self, request, form=None):
        own = EnterpriseClaim.objects.filter(user=request.user).select_related("enterprise", "city")
        return render(
            request, "enterprises/claim.html", {"form": form or ClaimForm(), "claims": own}
        )

    def post(self, request):
        form = ClaimForm(request.POST)
        if form.is_valid():
            try:
                claims.claim_create(
                    user=request.user, city_code=form.cleaned_data["city"],
                    uscc=form.cleaned_data["uscc"], position=form.cleaned_data["position"],
                )  # fmt: skip
            except PortalError as error:
                _show(form, error)
            else:
                messages.success(request, _("Claim sent: your district will confirm it."))
                return redirect("enterprise-claim")
        return self.get(request, form=form)


class ClaimReviewPage(CityPageMixin):
    action_required = "claim.review"

    def get(self, request, city_code):
        pending = claims.claim_list(city=request.city, user=request.user)
        return render(request, "enterprises/claim_review.html", {"claims": pending[:200]})

    def post(self, request, city_code):
        try:
            claim = claims.get_claim_for(request.user, request.city, request.POST.get("claim"))
            claims.claim_decide(
                claim=claim, actor=request.user, confirm=request.POST.get("decision") == "confirm",
                comment=request.POST.get("comment", ""),
            )  # fmt: skip
        except PortalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Done."))
        return redirect("claim-review", city_code=city_code)
