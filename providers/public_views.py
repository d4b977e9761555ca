"""Public pages, no login: each pilot city's provider publicity, pool and catalogue.

Only what the city has made public shows here: applications under publicity (without the
experts' scores), selected providers, and listed solutions of selected providers. Never
applications under review, rejected or suspended providers, or unlisted solutions.
"""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from pilot_portal.tenancy.models import City
from providers import selectors
from providers.catalogue_forms import ProductFilterForm

PAGE_SIZE = 50


def _city(city_code: str) -> City:
    city = City.objects.select_related("province").filter(code=city_code).first()
    if city is None:
        raise Http404("城市不存在 / no such city")
    return city


@require_GET
def public_city(request, city_code):
    return render(request, "providers/public/city.html", {"city": _city(city_code)})


@require_GET
def public_publicity(request, city_code):
    city = _city(city_code)
    # The experts' scores stay internal: only who, what and the objection period are public.
    rows = selectors.under_publicity(city)
    return render(request, "providers/public/publicity.html", {"city": city, "selections": rows})


@require_GET
def public_pool(request, city_code):
    city = _city(city_code)
    page = Paginator(selectors.pool(city), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "providers/public/pool.html", {"city": city, "page": page})


@require_GET
def public_catalogue(request, city_code):
    city = _city(city_code)
    form = ProductFilterForm(request.GET or None, city=city)
    products = selectors.product_search(city=city, user=None, **form.filters())
    if form.is_bound and not form.is_valid():
        products = products.none()
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"city": city, "form": form, "page": page, "query": query.urlencode()}
    return render(request, "providers/public/catalogue.html", context)
