"""Reads for providers: a city's applicants and pool, and catalogue search.

Every list here runs a fixed number of queries: figures (average score, rating, number of
ratings) are annotated in the database, relations are prefetched.
"""

from decimal import Decimal

from django.apps import apps
from django.db.models import (
    Avg,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Round

from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import City
from providers.models import (
    ExpertConflict,
    ExpertScore,
    Product,
    ProductStatus,
    ProviderEvaluation,
    ProviderSelection,
    SelectionStatus,
)

DONE_PROJECTS = ("completed", "accepted")  # enterprises.ProjectStatus, read by value


def _ratings(city_id):
    # Ratings are written by the enterprises app (downstream of this one); reading them by
    # name keeps imports flowing one way.
    rating = apps.get_model("enterprises", "ProviderRating")
    return rating.objects.filter(city_id=city_id, provider_id=OuterRef("provider_id"))


def rating_average(city_id):
    """A subquery: the provider's average rating in the city, two places (None when unrated)."""
    # Cast: SQLite would otherwise compare the average as a float with a text filter value.
    return Cast(
        Subquery(
            _ratings(city_id)
            .values("provider_id")
            .annotate(value=Round(Avg("score"), 2))
            .values("value")[:1]
        ),
        output_field=DecimalField(max_digits=3, decimal_places=2),
    )


def rating_count(city_id):
    return Coalesce(
        Subquery(
            _ratings(city_id).values("provider_id").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def completed_projects(city_id):
    """A subquery: the provider's projects in the city that were completed or accepted."""
    # Projects belong to the enterprises app (downstream): read by name, as ratings are.
    project = apps.get_model("enterprises", "Project")
    done = project.objects.filter(
        city_id=city_id, provider_id=OuterRef("provider_id"), status__in=DONE_PROJECTS
    )
    return Coalesce(
        Subquery(
            done.values("provider_id").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _score_figures(city_id):
    scores = ExpertScore.objects.filter(selection_id=OuterRef("pk")).values("selection_id")
    return {
        "average_score": Subquery(
            scores.annotate(value=Avg("score")).values("value")[:1],
            output_field=DecimalField(max_digits=5, decimal_places=2),
        ),
        "score_count": Coalesce(
            Subquery(scores.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()),
            Value(0),
        ),
    }


def selection_list(*, city: City, user, status: str = "", round_id=None, q: str = ""):
    """Applicants and pool members this user may see, with scores and ratings."""
    rows = (
        ProviderSelection.objects.for_city(city)
        .filter(policy.selection_scope(user, city))
        .select_related("provider", "round")
        .prefetch_related("sectors")
        .annotate(
            **_score_figures(city.pk),
            rating=rating_average(city.pk),
            ratings=rating_count(city.pk),
            completed_projects=completed_projects(city.pk),
        )
        .distinct()
    )
    if status:
        rows = rows.filter(status=status)
    if round_id:
        rows = rows.filter(round_id=round_id)
    if q:
        rows = rows.filter(Q(provider__name__icontains=q) | Q(provider__uscc__icontains=q.upper()))
    return rows.order_by("provider__name", "pk")


def pool(city: City):
    """The city's pool as everyone sees it: selected providers with their ratings and the
    number of their completed (or accepted) projects in the city."""
    return (
        ProviderSelection.objects.for_city(city)
        .filter(status=SelectionStatus.SELECTED)
        .select_related("provider")
        .prefetch_related("sectors")
        .annotate(
            rating=rating_average(city.pk),
            ratings=rating_count(city.pk),
            completed_projects=completed_projects(city.pk),
        )
        .order_by("provider__name", "pk")
    )


def under_publicity(city: City):
    """Applications the city has published for objection (公示)."""
    return (
        ProviderSelection.objects.for_city(city)
        .filter(status=SelectionStatus.PUBLICISED)
        .select_related("provider", "round")
        .prefetch_related("sectors")
        .annotate(**_score_figures(city.pk))
        .order_by("publicity_end", "provider__name", "pk")
    )


def selection_detail(*, city: City, user, pk: int) -> ProviderSelection:
    """One selection this user may see (404 otherwise), with its steps, scores and files."""
    return (
        ProviderSelection.objects.for_city(city)
        .filter(policy.selection_scope(user, city))
        .select_related("provider", "round")
        .prefetch_related(
            "sectors",
            "cases",
            Prefetch("scores", queryset=ExpertScore.objects.select_related("expert")),
            "steps__actor",
            "documents__document",
        )
        .annotate(
            **_score_figures(city.pk),
            rating=rating_average(city.pk),
            ratings=rating_count(city.pk),
            completed_projects=completed_projects(city.pk),
        )
        .distinct()
        .get(pk=pk)
    )


def pooled(city_id):
    """Exists: the product's provider is selected (not suspended, not removed) in the city."""
    return Exists(
        ProviderSelection.objects.filter(
            city_id=city_id, provider_id=OuterRef("provider_id"), status=SelectionStatus.SELECTED
        )
    )


def visible_products(city: City, user=None):
    """What this user sees of the catalogue: listed solutions of pooled providers; the city's
    managers see every solution, a provider also its own whatever their status."""
    rows = Product.objects.for_city(city)
    if user is not None and policy.can(user, "product.review", city=city):
        return rows
    public = Q(status=ProductStatus.LISTED, in_pool=True)
    own = policy.provider_ids_in(user, city) if user is not None else set()
    rows = rows.annotate(in_pool=pooled(city.pk))
    if own:
        return rows.filter(public | Q(provider_id__in=own))
    return rows.filter(public)


ORDERINGS = {
    "name": ("name", "pk"),
    "price": ("price", "name", "pk"),
    "-price": ("-price", "name", "pk"),
    "-rating": (F("provider_rating").desc(nulls_last=True), "name", "pk"),
}


def product_search(
    *,
    city: City,
    user=None,
    q: str = "",
    scenario: str = "",
    sector: str = "",
    deployment: str = "",
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
    min_rating: Decimal | None = None,
    provider_id=None,
    status: str = "",
    order: str = "name",
):
    """Search the catalogue: text in name and description, and the filters a buyer uses."""
    rows = (
        visible_products(city, user)
        .select_related("provider")
        .prefetch_related("sectors")
        .annotate(rating=F("provider_rating"), ratings=F("provider_ratings"))
    )
    if q:
        rows = rows.filter(
            Q(name__icontains=q) | Q(description__icontains=q) | Q(provider__name__icontains=q)
        )
    if scenario:
        rows = rows.filter(scenario=scenario)
    if sector:
        rows = rows.filter(sectors__code=sector)
    if deployment:
        rows = rows.filter(deployment=deployment)
    if price_min is not None:
        rows = rows.filter(price__gte=price_min)
    if price_max is not None:
        rows = rows.filter(price__lte=price_max)
    if min_rating is not None:
        rows = rows.filter(rating__gte=min_rating)
    if provider_id:
        rows = rows.filter(provider_id=provider_id)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by(*ORDERINGS.get(order, ORDERINGS["name"]))


def review_queue(city, user):
    """Applications under review in the rounds this expert scores, with what they did."""
    own_scores = ExpertScore.objects.filter(selection_id=OuterRef("pk"), expert=user)
    conflicts = ExpertConflict.objects.filter(
        city_id=city.pk, expert=user, provider_id=OuterRef("provider_id")
    )
    return (
        ProviderSelection.objects.for_city(city)
        .filter(round__experts=user, status=SelectionStatus.UNDER_REVIEW)
        .select_related("provider", "round")
        .annotate(
            my_score=Subquery(
                own_scores.values("score")[:1],
                output_field=DecimalField(max_digits=5, decimal_places=2),
            ),
            conflicted=Exists(conflicts),
        )
        .distinct()
        .order_by("round__closes", "provider__name", "pk")
    )


def evaluation_rows(city, year: int):
    """Pooled providers with that year's ratings (as `services.rating_figures` counts them,
    in one query) and the evaluation recorded that year, if any."""
    ratings = _ratings(city.pk).filter(created_at__year=year).values("provider_id")
    return (
        ProviderSelection.objects.for_city(city)
        .filter(status__in=[SelectionStatus.SELECTED, SelectionStatus.SUSPENDED])
        .select_related("provider")
        .annotate(
            year_average=Subquery(
                ratings.annotate(value=Avg("score")).values("value")[:1],
                output_field=DecimalField(max_digits=5, decimal_places=2),
            ),
            year_ratings=Coalesce(
                Subquery(
                    ratings.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()
                ),
                Value(0),
            ),
        )
        .prefetch_related(
            Prefetch(
                "evaluations",
                queryset=ProviderEvaluation.objects.filter(year=year).select_related("decided_by"),
                to_attr="year_evaluations",
            )
        )
        .order_by("provider__name", "pk")
    )
