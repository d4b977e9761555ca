"""Login lands each user on their role's home page; users with several memberships switch."""

from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pilot_portal.accounts.forms import RegisterForm
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Membership, Role


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def locked_out(request, credentials, *args, **kwargs):
    """django-axes calls this after too many failed logins."""
    return render(request, "accounts/locked_out.html", status=429)


def home_url_for(membership: Membership | None) -> str:
    if membership is None:
        return reverse("accounts:no-membership")
    if membership.role in (Role.MINISTRY, Role.PROVINCE):
        return reverse("overview")
    return reverse("city-home", kwargs={"city_code": membership.city.code})


def active_membership(request) -> Membership | None:
    memberships = policy.memberships(request.user)
    chosen = request.session.get("membership_id")
    for membership in memberships:
        if membership.pk == chosen:
            return membership
    return memberships[0] if memberships else None


def home(request):
    """`/`: the login page for visitors, the role's home page for members."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if not policy.memberships(request.user) and policy.is_provider_staff(request.user):
        return redirect("provider-home")  # a provider registered, not yet in any city
    return HttpResponseRedirect(home_url_for(active_membership(request)))


@login_required
@require_POST
def switch_membership(request, pk):
    membership = get_object_or_404(
        Membership.objects.select_related("city"), pk=pk, user=request.user, is_active=True
    )
    request.session["membership_id"] = membership.pk
    return HttpResponseRedirect(home_url_for(membership))


@login_required
def no_membership(request):
    return render(request, "accounts/no_membership.html")


def register(request):
    """Enterprise staff create an account, then claim their enterprise."""
    if request.user.is_authenticated:
        return redirect("home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("enterprise-claim")
    return render(request, "accounts/register.html", {"form": form})
