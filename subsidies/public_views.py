"""Public pages, no login: a city's subsidy publicities (公示), current and past.

Only what the city has published shows: publicities that have started, and on each the
recipient, the rule line, the amount, the period and where to object. Never the objections,
the claims' other figures, a publicity not yet started, or another city's (404).
"""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from pilot_portal.tenancy.models import City
from subsidies import publicity_selectors as selectors

PAGE_SIZE = 50


def _city(city_code: str) -> City:
    city = City.objects.select_related("province").filter(code=city_code).first()
    if city is None:
        raise Http404("城市不存在 / no such city")
    return city


@require_GET
def public_publicity_list(request, city_code):
    city = _city(city_code)
    today = timezone.localdate()
    page = Paginator(selectors.public_publicities(city=city, today=today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for publicity in page:
        publicity.running = publicity.ends_on >= today
    return render(request, "subsidies/public_list.html", {"city": city, "page": page, "query": ""})


@require_GET
def public_publicity_detail(request, city_code, pk):
    city = _city(city_code)
    today = timezone.localdate()
    publicity = selectors.public_publicity(city=city, pk=pk, today=today)
    names = selectors.rule_line_names(city)
    rows = [
        {"item": item, "line": selectors.line_name(names, item.claim.kind)}
        for item in publicity.items.all()
    ]
    return render(
        request,
        "subsidies/public_detail.html",
        {
            "city": city,
            "publicity": publicity,
            "rows": rows,
            "total": sum((row["item"].amount for row in rows), start=0),
            "running": publicity.ends_on >= today,
        },
    )
