"""National provider pages, mounted at /provider/."""

from django.urls import path

from providers import national_views as views

urlpatterns = [
    path("", views.ProviderHomePage.as_view(), name="provider-home"),
    path("register/", views.ProviderRegisterPage.as_view(), name="provider-register"),
    path("profile/", views.ProviderProfilePage.as_view(), name="provider-profile"),
    path("cases/", views.CaseAddPage.as_view(), name="provider-case-add"),
    # `code`, not `city_code`: a national page (any provider applies to any city), not a
    # page inside a city the user belongs to.
    path("apply/<slug:code>/", views.CityApplyPage.as_view(), name="provider-apply"),
]
