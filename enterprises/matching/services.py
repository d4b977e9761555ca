"""Writes for matching: an enterprise's demand, its shortlist and its ratings of providers.

Only the enterprise's own users write here (`policy.enterprise_ids_in`); each write runs in a
transaction and names its actor.
"""

from django.db import IntegrityError, transaction

from enterprises.matching import selectors
from enterprises.models import Demand, Enterprise, ProviderRating, Shortlist
from enterprises.projects.models import Project, ProjectStatus
from pilot_portal.audit.services import audit_record, with_actor
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from pilot_portal.tenancy import policy
from providers.catalogue import provider_ratings_refresh
from providers.models import Product, Provider, Scenario


def _check_own(enterprise: Enterprise, actor, action: str) -> None:
    own = policy.enterprise_ids_in(actor, enterprise.city)
    if enterprise.pk not in own or not policy.can(actor, action, city=enterprise.city):
        raise NotAllowed("只有企业本身的用户可以操作 / only the enterprise's own users may do this")


@transaction.atomic
def demand_set(*, enterprise: Enterprise, actor, scenarios, note: str = "") -> list[Demand]:
    """Replace the scenarios the enterprise entered; those from its diagnosis stay."""
    _check_own(enterprise, actor, "demand.edit")
    wanted = list(dict.fromkeys(scenarios or []))
    unknown = [s for s in wanted if s not in Scenario.values]
    if unknown:
        raise InvalidInput(
            f"未知场景：{', '.join(map(str, unknown))} / unknown scenarios", field="scenarios"
        )
    # One replacement at a time per enterprise: lock its row, then read its demand.
    Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
    existing = {d.scenario: d for d in Demand.objects.filter(enterprise=enterprise)}
    entered = Demand.Source.ENTERPRISE
    removed = [s for s, d in existing.items() if d.source == entered and s not in wanted]
    Demand.objects.filter(enterprise=enterprise, source=entered, scenario__in=removed).delete()
    Demand.objects.filter(enterprise=enterprise, source=entered, scenario__in=wanted).update(
        note=note or ""
    )
    Demand.objects.bulk_create(
        Demand(city=enterprise.city, enterprise=enterprise, scenario=s, note=note or "",
               source=entered)
        for s in wanted
        if s not in existing
    )  # fmt: skip
    audit_record(actor=actor, action="demand.set", city=enterprise.city, obj=enterprise,
                 data={"scenarios": sorted(wanted)})  # fmt: skip
    return selectors.demand_scenarios(enterprise)


def _check_offered(enterprise: Enterprise, product: Product) -> None:
    if (
        product.city_id != enterprise.city_id
        or selectors.product_offered(enterprise.city, product.pk) is None
    ):
        raise Conflict(
            f"“{product.name}”未上架或其服务商不在服务商库中，不能加入候选 / "
            "this solution is not listed or its provider is not in the pool",
            status="not_offered",
        )


@transaction.atomic
def shortlist_add(*, enterprise: Enterprise, actor, product: Product, note: str = "") -> Shortlist:
    """Put an offered solution on the enterprise's shortlist."""
    _check_own(enterprise, actor, "demand.edit")
    _check_offered(enterprise, product)
    already = Conflict(
        f"“{product.name}”已在候选清单中 / this solution is already shortlisted",
        status="shortlisted",
    )
    if Shortlist.objects.filter(enterprise=enterprise, product=product).exists():
        raise already
    try:
        with transaction.atomic():
            return Shortlist.objects.create(
                city=enterprise.city, enterprise=enterprise, product=product, note=note or "",
                created_by=actor,
            )  # fmt: skip
    except IntegrityError:  # the same solution shortlisted at the same moment
        raise already from None


@transaction.atomic
def shortlist_remove(*, enterprise: Enterprise, actor, product: Product) -> None:
    """Take a solution off the shortlist (also one unlisted since: the enterprise may tidy up)."""
    _check_own(enterprise, actor, "demand.edit")
    deleted, _ = Shortlist.objects.filter(enterprise=enterprise, product=product).delete()
    if not deleted:
        raise Conflict(
            f"“{product.name}”不在候选清单中 / this solution is not on the shortlist",
            status="not_shortlisted",
        )


@transaction.atomic
def rating_create(
    *, enterprise: Enterprise, actor, provider: Provider, score, comment: str = ""
) -> ProviderRating:
    """The enterprise rates a provider that served it (an accepted project together), once."""
    _check_own(enterprise, actor, "rating.create")
    try:
        value = int(score)
    except (TypeError, ValueError):
        value = None
    if value is None or str(value) != str(score).strip() or not 1 <= value <= 5:
        raise InvalidInput("评分须为 1 至 5 的整数 / the score must be 1 to 5", field="score")
    # Only after working together: a project of this enterprise with this provider was
    # accepted (completed is not enough: acceptance is the city's verdict on the work).
    served = Project.objects.filter(
        enterprise=enterprise, provider=provider, status=ProjectStatus.ACCEPTED
    )
    if not served.exists():
        raise Conflict(
            f"只能评价与本企业有已验收项目的服务商：与{provider.name}的项目验收后方可评价 / "
            "you may rate a provider only once a project of yours with it has been accepted",
            status="not_served",
        )
    already = Conflict(
        f"本企业已评价过{provider.name} / this enterprise has already rated this provider",
        status="already_rated",
    )
    if ProviderRating.objects.filter(enterprise=enterprise, provider=provider).exists():
        raise already
    rating = ProviderRating(
        city=enterprise.city, enterprise=enterprise, provider=provider, score=value,
        comment=comment or "", rated_by=actor,
    )  # fmt: skip
    try:
        with transaction.atomic():
            with_actor(rating, actor).save()
    except IntegrityError:  # a second rating sent at the same moment
        raise already from None
    provider_ratings_refresh(city_id=enterprise.city_id, provider_ids=[provider.pk])
    data = {"enterprise": enterprise.pk, "provider": provider.pk, "score": value}
    audit_record(actor=actor, action="provider.rate", city=enterprise.city, obj=rating, data=data)
    return rating
