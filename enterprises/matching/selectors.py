"""Reads for matching: an enterprise's proposals, shortlist and ratings; a city's demand and
supply per scenario. Each runs a fixed number of queries whatever the number of rows."""

from dataclasses import dataclass

from django.db.models import BooleanField, Count, Exists, F, OuterRef, Value

from enterprises.matching import rules
from enterprises.models import Demand, Enterprise, ProviderRating, Shortlist
from enterprises.projects.models import Project, ProjectStatus
from pilot_portal.tenancy.models import City
from providers.models import Product, ProductStatus, Provider, Scenario
from providers.selectors import pooled


def offered_products(city_id: int):
    """Solutions offered to enterprises: listed, by a provider selected (not suspended) here."""
    return Product.objects.filter(pooled(city_id), city_id=city_id, status=ProductStatus.LISTED)


def demand_scenarios(enterprise: Enterprise) -> list[Demand]:
    return list(Demand.objects.filter(enterprise=enterprise).order_by("scenario"))


def matches(enterprise: Enterprise) -> list[Product]:
    """Offered solutions for the enterprise's demanded scenarios, best first (`rules.rank`).

    Each product carries `sector_match`, `rating`, `ratings`, `fit` and `reasons`.
    Queries: the products with their provider, then their sectors.
    """
    city_id = enterprise.city_id
    if enterprise.sector_id:
        sector_match = Exists(
            Product.sectors.through.objects.filter(
                product_id=OuterRef("pk"), sector_id=enterprise.sector_id
            )
        )
    else:
        sector_match = Value(False, output_field=BooleanField())
    rows = (
        offered_products(city_id)
        .filter(
            scenario__in=Demand.objects.filter(enterprise=enterprise).values("scenario"),
        )
        .select_related("provider")
        .prefetch_related("sectors")
        .annotate(
            sector_match=sector_match,
            rating=F("provider_rating"),
            ratings=F("provider_ratings"),
        )
        .order_by(
            F("sector_match").desc(),
            F("rating").desc(nulls_last=True),
            "price",
            "name",
            "pk",
        )
    )
    found = list(rows)
    for product in found:
        product.fit = 2 if product.sector_match else 1
        product.reasons = rules.reasons(scenario_match=True, sector_match=product.sector_match)
    return found


def shortlist(enterprise: Enterprise):
    """The enterprise's shortlist, newest first, with each solution's provider."""
    return (
        Shortlist.objects.filter(enterprise=enterprise)
        .select_related("product__provider")
        .annotate(
            offered=Exists(offered_products(enterprise.city_id).filter(pk=OuterRef("product_id")))
        )
        .order_by("-created_at", "-pk")
    )


def ratings(enterprise: Enterprise):
    return (
        ProviderRating.objects.filter(enterprise=enterprise)
        .select_related("provider", "rated_by")
        .order_by("-created_at", "-pk")
    )


def rateable_providers(enterprise: Enterprise):
    """Providers the enterprise may rate now: a project of its with them was accepted and it
    has not rated them yet (as `services.rating_create` checks)."""
    accepted = Project.objects.filter(
        enterprise=enterprise, provider_id=OuterRef("pk"), status=ProjectStatus.ACCEPTED
    )
    rated = ProviderRating.objects.filter(enterprise=enterprise, provider_id=OuterRef("pk"))
    return Provider.objects.filter(Exists(accepted), ~Exists(rated)).order_by("name", "pk")


@dataclass(frozen=True)
class ScenarioBalance:
    scenario: str
    label: str
    demand: int  # enterprises demanding the scenario
    products: int  # offered solutions
    providers: int  # distinct pooled providers offering them
    thin: bool


def demand_supply(city: City) -> list[ScenarioBalance]:
    """Per scenario: demand against what the catalogue offers, thin scenarios flagged.

    Queries: demand counted per scenario; offered solutions and their providers counted per
    scenario. All 16 scenarios are listed, in their questionnaire order.
    """
    demand = dict(
        Demand.objects.for_city(city)
        .values("scenario")
        .annotate(n=Count("enterprise_id", distinct=True))
        .values_list("scenario", "n")
        .order_by()
    )
    supply = {
        row["scenario"]: row
        for row in offered_products(city.pk)
        .values("scenario")
        .annotate(
            products=Count("pk", distinct=True), providers=Count("provider_id", distinct=True)
        )
        .order_by()
    }
    balance = []
    for value, label in Scenario.choices:
        wanted = demand.get(value, 0)
        offered = supply.get(value, {})
        products = offered.get("products", 0)
        balance.append(
            ScenarioBalance(
                scenario=value,
                label=str(label),
                demand=wanted,
                products=products,
                providers=offered.get("providers", 0),
                thin=rules.catalogue_thin(demand=wanted, products=products),
            )
        )
    return balance


def product_offered(city: City, product_id) -> Product | None:
    return offered_products(city.pk).filter(pk=product_id).first()
