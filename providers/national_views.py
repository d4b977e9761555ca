"""National provider pages at /provider/: the profile and cases a provider keeps once, its
applications in every city, the rounds open now, and applying to a city."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from pilot_portal.errors import PortalError
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import City
from providers import services
from providers.models import CLOSED_SELECTION, Provider, SelectionRound
from providers.national_forms import CaseForm, CityApplyForm, ProviderForm
from providers.services import PROFILE_FIELDS


def _own_provider(user) -> Provider | None:
    """The provider this user acts for (the first, should they act for several)."""
    if not policy.is_provider_staff(user):
        return None
    return user.provider_staff_of.order_by("pk").first()


def _show(form, error: PortalError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class _ProviderStaffPage(LoginRequiredMixin, View):
    """A page for the provider's staff: 403 for any other logged-in user."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.provider = _own_provider(request.user)
        if self.provider is None:
            raise PermissionDenied("您不是服务商的用户 / you do not act for a provider")
        return super().dispatch(request, *args, **kwargs)


class ProviderHomePage(LoginRequiredMixin, View):
    def get(self, request):
        provider = _own_provider(request.user)
        if provider is None:
            return render(
                request, "providers/provider_home.html", {"register_form": ProviderForm()}
            )
        applications = list(
            provider.selections.select_related("city", "round").order_by("city__name", "-pk")
        )
        live = {s.city_id for s in applications if s.status not in CLOSED_SELECTION}
        today = timezone.localdate()
        rounds = (
            SelectionRound.objects.filter(opens__lte=today, closes__gte=today)
            .select_related("city")
            .order_by("city__name", "closes", "pk")
        )
        return render(
            request,
            "providers/provider_home.html",
            {
                "provider": provider,
                "cases": provider.cases.all(),
                "applications": applications,
                "open_rounds": [(r, r.city_id in live) for r in rounds],
            },
        )


class ProviderRegisterPage(LoginRequiredMixin, View):
    def get(self, request):
        return render(request, "providers/provider_form.html", {"form": ProviderForm()})

    def post(self, request):
        form = ProviderForm(request.POST)
        if form.is_valid():
            try:
                services.provider_register(user=request.user, data=form.cleaned_data)
            except PortalError as error:
                _show(form, error)
            else:
                messages.success(request, _("Provider registered. You may now apply to cities."))
                return redirect("provider-home")
        return render(request, "providers/provider_form.html", {"form": form}, status=400)


class ProviderProfilePage(_ProviderStaffPage):
    def _form(self, data=None):
        initial = {name: getattr(self.provider, name) for name in PROFILE_FIELDS}
        return ProviderForm(data, initial=initial, editing=True)

    def get(self, request):
        return render(
            request,
            "providers/provider_form.html",
            {"form": self._form(), "provider": self.provider},
        )

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            try:
                services.provider_update(
                    provider=self.provider, actor=request.user, data=form.cleaned_data
                )
            except PortalError as error:
                _show(form, error)
            else:
                messages.success(request, _("Profile saved."))
                return redirect("provider-home")
        return render(
            request,
            "providers/provider_form.html",
            {"form": form, "provider": self.provider},
            status=400,
        )


class CaseAddPage(_ProviderStaffPage):
    def get(self, request):
        return render(
            request, "providers/case_form.html", {"form": CaseForm(), "provider": self.provider}
        )

    def post(self, request):
        form = CaseForm(request.POST)
        if form.is_valid():
            try:
                services.case_add(
                    provider=self.provider, actor=request.user, data=form.cleaned_data
                )
            except PortalError as error:
                _show(form, error)
            except ValidationError as error:  # the model's own validation (full_clean)
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Reference case added."))
                return redirect("provider-home")
        return render(
            request,
            "providers/case_form.html",
            {"form": form, "provider": self.provider},
            status=400,
        )


class CityApplyPage(_ProviderStaffPage):
    def _form(self, city, data=None, initial=None):
        return CityApplyForm(
            data,
            initial=initial,
            rounds=list(services.open_rounds(city)),
            sectors=city.sectors.order_by("code"),
            cases=self.provider.cases.all(),
        )

    def _render(self, request, city, form, status=200):
        return render(
            request,
            "providers/apply.html",
            {"form": form, "city": city, "provider": self.provider},
            status=status,
        )

    def get(self, request, code):
        city = get_object_or_404(City, code=code)
        initial = {"round": request.GET.get("round", "")}  # the home page's "apply" link
        return self._render(request, city, self._form(city, initial=initial))

    def post(self, request, code):
        city = get_object_or_404(City, code=code)
        form = self._form(city, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                selection = services.selection_apply(
                    city=city, provider=self.provider, actor=request.user,
                    round_id=data["round"], sectors=data["sectors"], cases=data["cases"],
                    statement=data["statement"],
                )  # fmt: skip
            except PortalError as error:
                _show(form, error)
                return self._render(request, city, form, status=error.status_code)
            messages.success(request, _("Application sent to %(city)s.") % {"city": city.name})
            return redirect("provider-detail", city_code=city.code, pk=selection.pk)
        return self._render(request, city, form, status=400)
