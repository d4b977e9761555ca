"""Checks of the registry: credit codes (check character, duplicates here and in other cities),
the official lists (flags, SRDI status), district and sector."""

from collections import defaultdict

from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Replace, Upper

from enterprises.models import Application, Enterprise, ExclusionEntry, ExclusionList
from pilot_portal.identifiers import ALPHABET, check_character, normalise_uscc

from .codes import ENTERPRISE
from .context import Context, finding


def check(ctx: Context) -> list:
    found = []
    for enterprise in ctx.enterprises.values():
        found += _uscc(enterprise)
        found += _district_sector(ctx, enterprise)
    found += _duplicates_in_city(ctx)
    found += _other_cities(ctx)
    found += _lists(ctx)
    return found


def _at(enterprise, code, zh, en, **details):
    return finding(
        code,
        enterprise["id"],
        zh,
        en,
        object_type=ENTERPRISE,
        object_id=enterprise["id"],
        **details,
    )


def _uscc(e) -> list:
    code = normalise_uscc(e["uscc"])
    if len(code) != 18 or any(ch not in ALPHABET for ch in code):
        return [
            _at(
                e,
                "uscc_malformed",
                f"{e['name']}的统一社会信用代码 {e['uscc']} 不是 18 位有效字符",
                f"{e['name']}: the credit code {e['uscc']} is not 18 valid characters",
                uscc=e["uscc"],
            )
        ]
    expected = check_character(code[:17])
    if code[17] != expected:
        return [
            _at(
                e,
                "uscc_check_digit",
                f"{e['name']}的统一社会信用代码 {code} 校验位应为 {expected}，实际为 {code[17]}",
                f"{e['name']}: credit code {code} has check character {code[17]}, "
                f"expected {expected}",
                uscc=code,
                expected=expected,
                got=code[17],
            )
        ]
    return []


def _duplicates_in_city(ctx: Context) -> list:
    """Stored codes not in normal form, against every code of the city once normalised (one
    query, only when the chunk holds such a code: the create and import services normalise)."""
    odd = {
        e["id"]: normalise_uscc(e["uscc"])
        for e in ctx.enterprises.values()
        if e["uscc"] != normalise_uscc(e["uscc"])
    }
    if not odd:
        return []
    rows = (
        Enterprise.objects.filter(city_id=ctx.city.pk)
        .annotate(norm=Upper(Replace("uscc", Value(" "), Value(""))))
        .filter(norm__in=set(odd.values()))
        .order_by("pk")
        .values_list("pk", "norm", "name")
    )
    by_code = defaultdict(list)
    for pk, norm, name in rows:
        by_code[norm].append((pk, name))
    found = []
    for pk, norm in sorted(odd.items()):
        e = ctx.enterprises[pk]
        for other, name in by_code.get(norm, []):
            if other != pk:
                found.append(
                    _at(
                        e,
                        "uscc_duplicate_in_city",
                        f"{e['name']}的统一社会信用代码 {e['uscc']} 与本市{name}（#{other}）重复",
                        f"{e['name']}: credit code {e['uscc']} duplicates {name} "
                        f"(#{other}) in this city",
                        uscc=norm,
                        other_enterprise=other,
                    )
                )
    return found


def _other_cities(ctx: Context) -> list:
    """The chunk's codes registered in other cities (one query, by the chunk's codes only)."""
    codes = {normalise_uscc(e["uscc"]): e for e in ctx.enterprises.values()}
    if not codes:
        return []
    approved = Application.objects.filter(
        enterprise=OuterRef("pk"), status="approved", batch__subsidy_bearing=True
    )
    rows = (
        Enterprise.objects.filter(uscc__in=list(codes))
        .exclude(city_id=ctx.city.pk)
        .annotate(supported=Exists(approved))
        .order_by("city__code", "pk")
        .values_list("pk", "uscc", "city__code", "city__name", "supported")
    )
    found = []  # the other city's record by its id only: its profile is that city's to show
    for other, uscc, city_code, city_name, supported in rows:
        e = codes[uscc]
        twice = supported and ctx.supported(e["id"])
        code = "uscc_duplicate_other_city" if twice else "uscc_registered_other_city"
        zh = f"{e['name']}的统一社会信用代码 {uscc} 也在{city_name}登记（企业 #{other}）"
        en = f"{e['name']}: credit code {uscc} is also registered in {city_code} (#{other})"
        if twice:
            zh += "，两市均已入选支持"
            en += ", and is enrolled for support in both cities"
        found.append(_at(e, code, zh, en, uscc=uscc, other_city=city_code, other_enterprise=other))
    return found


LIST_FLAG = {
    ExclusionList.CENTRAL_LITTLE_GIANT: (
        "central_fund_little_giant",
        "中央资金支持的小巨人名单",
        "centrally funded little-giant list",
    ),
    ExclusionList.PILOT_2022: ("in_2022_pilot", "2022年试点名单", "2022 pilot list"),
}


def _lists(ctx: Context) -> list:
    """The official lists (national entries and this city's) against the flags and SRDI."""
    codes = defaultdict(list)
    for e in ctx.enterprises.values():
        codes[normalise_uscc(e["uscc"])].append(e)
    listed = defaultdict(set)
    if codes:
        rows = (
            ExclusionEntry.objects.filter(uscc__in=list(codes))
            .filter(Q(city__isnull=True) | Q(city_id=ctx.city.pk))
            .values_list("uscc", "list")
        )
        for uscc, kind in rows:
            listed[uscc].add(kind)
    found = []
    for uscc, enterprises in sorted(codes.items()):
        for e in enterprises:
            for kind in sorted(listed[uscc]):
                flag, name_zh, name_en = LIST_FLAG[kind]
                if not e[flag]:
                    found.append(
                        _at(
                            e,
                            "exclusion_list_unflagged",
                            f"{e['name']}（{uscc}）在{name_zh}上，但未标记",
                            f"{e['name']} ({uscc}) is on the {name_en} but not flagged",
                            list=kind,
                        )
                    )
            on_list = ExclusionList.CENTRAL_LITTLE_GIANT in listed[uscc]
            if (on_list or e["central_fund_little_giant"]) and e["srdi"] != "little_giant":
                found.append(
                    _at(
                        e,
                        "srdi_list_mismatch",
                        f"{e['name']}是中央资金支持的小巨人，专精特新等级却为“{e['srdi']}”",
                        f"{e['name']} is a centrally funded little giant but its SRDI "
                        f"status is '{e['srdi']}'",
                        srdi=e["srdi"],
                        on_list=on_list,
                    )
                )
    return found


def _district_sector(ctx: Context, e) -> list:
    found = []
    city = ctx.city.pk
    for field, zh, en in (("district", "区县", "district"), ("sector", "细分行业", "sector")):
        if e[f"{field}_id"] is None:
            found.append(
                _at(e, f"{field}_missing", f"{e['name']}未填写所属{zh}", f"{e['name']} has no {en}")
            )
        elif e[f"{field}__city_id"] != city:
            name = e[f"{field}__name"]
            found.append(
                _at(
                    e,
                    f"{field}_other_city",
                    f"{e['name']}的{zh}“{name}”不属于本市",
                    f"{e['name']}: the {en} '{name}' belongs to another city",
                    **{field: e[f"{field}_id"]},
                )
            )
    return found
