"""The subsidy calculator page under /c/<city_code>/subsidies/."""

from django.urls import path

from subsidies.calculator_views import CalculatorPage

urlpatterns = [
    path("calculator/", CalculatorPage.as_view(), name="subsidy-calculator"),
]
