from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from pilot_portal.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html",
            success_url=reverse_lazy("accounts:password-changed"),
        ),
        name="password-change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_changed.html"),
        name="password-changed",
    ),
    path("switch/<int:pk>/", views.switch_membership, name="switch"),
    path("no-membership/", views.no_membership, name="no-membership"),
    path("register/", views.register, name="register"),
]
