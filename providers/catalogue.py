"""Writes to the 小快轻准 catalogue: a pooled provider publishes a light solution, the city
lists or unlists it. Only listed solutions of providers selected (not suspended) in the city
are shown to enterprises and the public (`selectors.product_search`)."""

from decimal import Decimal, InvalidOperation

from django.db import transaction

from pilot_portal.audit.services import audit_record, with_actor
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import City, Sector
from providers.models import (
    Deployment,
    Product,
    ProductStatus,
    Provider,
    ProviderSelection,
    Scenario,
    SelectionStatus,
)

# A light solution costs tens of thousands of yuan; ten million is a typing mistake.
MAX_PRICE = Decimal("10000000.00")
FIELDS = ("name", "scenario", "price", "price_unit", "deployment", "description", "cases")


def _clean(city: City, data: dict, *, partial: bool) -> tuple[dict, list | None]:
    values = {name: data[name] for name in FIELDS if name in data}
    required = ("name", "scenario", "price", "deployment", "description")
    missing = [name for name in required if not partial and not str(data.get(name, "")).strip()]
    if missing:
        raise InvalidInput(
            f"请填写：{', '.join(missing)} / required: {', '.join(missing)}", field=missing[0]
        )
    if "scenario" in values and values["scenario"] not in Scenario.values:
        raise InvalidInput(f"未知场景：{values['scenario']} / unknown scenario", field="scenario")
    if "deployment" in values and values["deployment"] not in Deployment.values:
        raise InvalidInput(
            f"部署方式须为 {', '.join(Deployment.values)} / deployment must be one of "
            f"{', '.join(Deployment.values)}",
            field="deployment",
        )
    if "price" in values:
        try:
            price = Decimal(str(values["price"])).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            price = None
        if price is None or not Decimal(0) <= price <= MAX_PRICE:
            raise InvalidInput(
                f"价格须为 0 至 {MAX_PRICE:,} 元 / the price must be 0 to {MAX_PRICE:,} CNY",
                field="price",
            )
        values["price"] = price
    sectors = None
    if "sectors" in data:
        codes = list(data["sectors"] or [])
        sectors = list(Sector.objects.for_city(city).filter(code__in=codes))
        unknown = set(codes) - {s.code for s in sectors}
        if unknown:
            raise InvalidInput(
                f"{city.name}没有这些行业：{', '.join(sorted(unknown))} / unknown sectors: "
                f"{', '.join(sorted(unknown))}",
                field="sectors",
            )
    return values, sectors


def check_pooled(city: City, provider: Provider) -> None:
    """409 unless the provider is selected (not suspended) in the city's pool: the one rule
    for who may publish solutions and be chosen for a project."""
    pooled = ProviderSelection.objects.for_city(city).filter(
        provider=provider, status=SelectionStatus.SELECTED
    )
    if not pooled.exists():
        raise Conflict(
            f"{provider.name}不在{city.name}服务商库中（或已暂停） / "
            f"{provider.name} is not in {city.code}'s pool (or is suspended)",
            status="not_pooled",
        )


@transaction.atomic
def product_create(*, city: City, actor, data: dict, provider: Provider | None = None) -> Product:
    """Publish a light solution; it waits for the city to list it."""
    own = policy.provider_ids_in(actor, city)
    if provider is None and len(own) == 1:
        provider = Provider.objects.get(pk=next(iter(own)))
    if provider is None or provider.pk not in own:
        raise NotAllowed("只有服务商可以发布自己的产品 / only a provider publishes its products")
    check_pooled(city, provider)
    values, sectors = _clean(city, data, partial=False)
    product = Product(city=city, provider=provider, created_by=actor, **values)
    with_actor(product, actor).save()
    if sectors is not None:
        product.sectors.set(sectors)
    provider_ratings_refresh(city_id=city.pk, provider_ids=[provider.pk])
    product.refresh_from_db(fields=["provider_rating", "provider_ratings"])
    return product


def provider_ratings_refresh(*, city_id: int, provider_ids) -> int:
    """Copy the providers' current average rating and count in the city onto their products
    (one UPDATE); call it after writing ratings. Returns the number of products updated."""
    from providers.selectors import rating_average, rating_count

    return Product.objects.filter(city_id=city_id, provider_id__in=list(provider_ids)).update(
        provider_rating=rating_average(city_id), provider_ratings=rating_count(city_id)
    )


@transaction.atomic
def product_update(*, product: Product, actor, data: dict) -> Product:
    """The provider edits its solution; a listed one goes back to the city for listing."""
    if product.provider_id not in policy.provider_ids_in(actor, product.city):
        raise NotAllowed("只有发布该产品的服务商可以修改 / only its provider edits a product")
    values, sectors = _clean(product.city, data, partial=True)
    product = Product.objects.select_for_update().get(pk=product.pk)
    for name, value in values.items():
        setattr(product, name, value)
    if product.status == ProductStatus.LISTED:
        product.status, product.status_reason = ProductStatus.SUBMITTED, ""
    with_actor(product, actor).save()
    if sectors is not None:
        product.sectors.set(sectors)
    return product


@transaction.atomic
def product_set_listed(*, product: Product, actor, listed: bool, reason: str = "") -> Product:
    """The city lists a solution in its catalogue, or unlists it with a reason."""
    if not policy.can(actor, "product.review", city=product.city):
        raise NotAllowed("只有市级管理员可以上架或下架 / only the city admin lists products")
    product = Product.objects.select_for_update().get(pk=product.pk)
    target = ProductStatus.LISTED if listed else ProductStatus.UNLISTED
    if product.status == target:
        raise Conflict(
            f"产品已是“{product.get_status_display()}” / the product is already {target}",
            status=product.status,
        )
    if not listed and not (reason or "").strip():
        raise InvalidInput("请填写下架理由 / a reason is required to unlist", field="reason")
    if listed:
        check_pooled(product.city, product.provider)
    product.status, product.status_reason = target, reason or ""
    product._change_reason = (reason or "")[:100]  # the history column holds 100
    with_actor(product, actor).save()
    audit_record(actor=actor, action="product.list" if listed else "product.unlist",
                 city=product.city, obj=product, reason=reason or "")  # fmt: skip
    return product
