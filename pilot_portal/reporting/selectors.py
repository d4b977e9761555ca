"""Reads for home pages, overviews and exports: reporting reads every app, nothing imports it."""

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from enterprises.models import Enterprise
from pilot_portal.tenancy.models import Batch, City, District, Membership, Role, Sector


def _count_per_city(model, **filters):
    """Rows of `model` per city as a correlated subquery (joins would multiply the rows)."""
    counts = (
        model.objects.filter(city=OuterRef("pk"), **filters)
        .order_by()
        .values("city")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def city_list_for_overview(*, cities):
    """Cities with the counts an overseer's table shows, in one query."""
    return (
        cities.select_related("province")
        .annotate(
            district_count=_count_per_city(District),
            sector_count=_count_per_city(Sector),
            enterprise_count=_count_per_city(Enterprise),
        )
        .order_by("province__code", "code")
    )


def city_home_counts(*, city: City, membership: Membership | None) -> dict:
    """The counts a member's home page leads with: two queries, whatever the city's size."""
    enterprises = Enterprise.objects.for_city(city)
    if membership is not None and membership.role == Role.DISTRICT_OFFICER:
        enterprises = enterprises.filter(district_id=membership.district_id)
    counts = enterprises.aggregate(
        enterprises=Count("pk"),
        above_size=Count("pk", filter=Q(size="above")),
        level_2_plus=Count("pk", filter=Q(current_level__gte=2)),
    )
    per_city = (
        City.objects.filter(pk=city.pk)
        .annotate(
            n_districts=_count_per_city(District),
            n_sectors=_count_per_city(Sector),
            n_batches=_count_per_city(Batch),
            n_members=_count_per_city(Membership, is_active=True),
        )
        .values("n_districts", "n_sectors", "n_batches", "n_members")
        .get()
    )
    counts.update({name.removeprefix("n_"): value for name, value in per_city.items()})
    return counts


def city_export_sheets(*, city: City):
    """(title, header, rows) for each sheet of the city export; rows are lazy iterables."""
    facts = [
        ("代码 code", city.code),
        ("名称 name", city.name),
        ("省份 province", city.province.name),
        ("区域 region", city.get_region_display()),
        ("层级 tier", city.get_tier_display()),
        ("批次年份 batch year", city.batch_year),
        ("中央奖补上限 award cap", str(city.award_cap)),
        ("实施期 period", f"{city.period_start} – {city.period_end}"),
    ]
    return [
        ("城市", ["项目", "值"], facts),
        ("区县", ["代码", "名称"], District.objects.for_city(city).values_list("code", "name")),
        (
            "细分行业",
            ["代码", "名称", "GB/T 4754"],
            Sector.objects.for_city(city).values_list("code", "name", "gbt_code"),
        ),
        (
            "批次",
            ["名称", "年份", "开始", "截止"],
            Batch.objects.for_city(city).values_list("name", "year", "opens", "closes"),
        ),
        (
            "企业",
            ["统一社会信用代码", "企业名称", "所属区县", "细分行业", "规模", "数字化水平"],
            Enterprise.objects.for_city(city)
            .order_by("uscc")
            .values_list("uscc", "name", "district__name", "sector__name", "size", "current_level"),
        ),
    ]


def city_factsheet_context(*, city: City) -> dict:
    return {
        "city": city,
        "districts": list(District.objects.for_city(city)),
        "sectors": list(Sector.objects.for_city(city)),
        "batches": list(Batch.objects.for_city(city)),
        "counts": city_home_counts(city=city, membership=None),
    }
