"""Reads for publicity (公示): the city's publicities with their items and objections, the
claims that may be published, the public view of them, and the names of rule lines.

Who reads what:
* the officials' pages and the API: `VIEW_ACTION` (city admins, finance, audit, oversight);
* the public pages (no login): only publicities that have started, only the recipient, the rule
  line, the amount, the period and where to object — never the objections themselves.
Another city's publicity or objection is 404, as a missing one.
"""

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from pilot_portal.tenancy import policy
from subsidies.models import (
    ClaimStatus,
    Objection,
    ObjectionStatus,
    Publicity,
    PublicityItem,
    RulebookVersion,
    SubsidyClaim,
)

# Who reads the officials' publicity pages: those who see the city's fund pools — city admins
# (who publish), finance officers (who must know what may be paid), auditors and oversight.
VIEW_ACTION = "subsidy.funds"
PUBLISH_ACTION = "subsidy.publicity"
# Claims that may be put on a publicity: approved, and not yet paid in full.
PUBLISHABLE = (ClaimStatus.APPROVED, ClaimStatus.PARTIALLY_PAID)


def may_view(user, city) -> bool:
    return policy.can(user, VIEW_ACTION, city=city) or policy.can(user, PUBLISH_ACTION, city=city)


def may_publish(user, city) -> bool:
    return policy.can(user, PUBLISH_ACTION, city=city)


# -- rule line names -------------------------------------------------------------------------


def rule_line_names(city) -> dict[str, tuple[str, str]]:
    """{line code: (name zh, name en)} over the city's rulebook versions, the latest version's
    name winning (one query). A code no version names is shown as the code."""
    names: dict[str, tuple[str, str]] = {}
    versions = (
        RulebookVersion.objects.for_city(city).order_by("effective_from", "pk").values_list("data")
    )
    for (data,) in versions:
        for line in (data or {}).get("lines", []):
            if isinstance(line, dict) and line.get("code"):
                code = line["code"]
                names[code] = (line.get("name_zh") or code, line.get("name_en") or code)
    return names


def line_name(names: dict, code: str, lang: str = "zh") -> str:
    zh, en = names.get(code, (code, code))
    return zh if lang == "zh" else en


# -- the officials' lists --------------------------------------------------------------------


def publicity_list(*, city):
    """The city's publicities, newest first, with their number of items, total amount and open
    objections (one query; the figures are subqueries so the joins don't multiply)."""
    items = PublicityItem.objects.filter(publicity=OuterRef("pk")).order_by().values("publicity")
    return (
        Publicity.objects.for_city(city)
        .select_related("published_by")
        .annotate(
            item_count=_subquery_count(items),
            total=_subquery_sum(items, "amount"),
            open_objections=_subquery_count(
                Objection.objects.filter(
                    item__publicity=OuterRef("pk"), status=ObjectionStatus.OPEN
                )
                .order_by()
                .values("item__publicity")
            ),
        )
        .order_by("-starts_on", "-pk")
    )


def _subquery_count(rows):
    counted = rows.annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _subquery_sum(rows, field: str):
    summed = rows.annotate(s=Sum(field)).values("s")
    money = DecimalField(max_digits=14, decimal_places=2)
    return Coalesce(Subquery(summed, output_field=money), Value(0), output_field=money)


def _items_with_objections():
    return PublicityItem.objects.select_related(
        "claim__enterprise", "claim__provider"
    ).prefetch_related(
        Prefetch(
            "objections",
            queryset=Objection.objects.select_related("recorded_by", "resolved_by").order_by(
                "created_at", "pk"
            ),
        )
    )


def publicity_detail(*, city, pk) -> Publicity:
    """One publicity of the city with its items (claims, recipients) and their objections; 404
    for a missing one and another city's alike."""
    publicity = (
        Publicity.objects.for_city(city)
        .select_related("published_by")
        .prefetch_related(Prefetch("items", queryset=_items_with_objections().order_by("pk")))
        .filter(pk=pk)
        .first()
        if str(pk).isdigit()
        else None
    )
    if publicity is None:
        raise Http404("公示不存在 / no such publicity")
    return publicity


def publicity_for(*, city, pk) -> Publicity:
    """The publicity to act on (no relations): 404 for a missing one and another city's."""
    publicity = (
        Publicity.objects.for_city(city).filter(pk=pk).first() if str(pk).isdigit() else None
    )
    if publicity is None:
        raise Http404("公示不存在 / no such publicity")
    return publicity


def objection_for(*, city, pk) -> Objection:
    objection = (
        Objection.objects.for_city(city)
        .select_related("item__publicity", "item__claim")
        .filter(pk=pk)
        .first()
        if str(pk).isdigit()
        else None
    )
    if objection is None:
        raise Http404("异议不存在 / no such objection")
    return objection


def on_open_publicity(today=None):
    """A filter for claims listed on a publicity that has not ended yet (running or to come)."""
    today = today or timezone.localdate()
    return Exists(PublicityItem.objects.filter(claim=OuterRef("pk"), publicity__ends_on__gte=today))


def publishable_claims(*, city, today=None):
    """Approved claims of the city, not yet paid in full, and on no publicity still open."""
    return (
        SubsidyClaim.objects.for_city(city)
        .filter(status__in=PUBLISHABLE)
        .annotate(on_open=on_open_publicity(today))
        .filter(on_open=False)
        .select_related("enterprise", "provider")
        .order_by("kind", "pk")
    )


def recipient_name(claim: SubsidyClaim) -> str:
    recipient = claim.enterprise or claim.provider
    return recipient.name if recipient is not None else ""


# -- the public pages ------------------------------------------------------------------------


def public_publicities(*, city, today=None):
    """The publicities the public may see: those that have started (current and past)."""
    today = today or timezone.localdate()
    return publicity_list(city=city).filter(starts_on__lte=today).order_by("-starts_on", "-pk")


def public_publicity(*, city, pk, today=None) -> Publicity:
    """One started publicity of the city, its items with the claim's rule line (no objection is
    read): 404 when it is another city's, missing, or not yet started."""
    today = today or timezone.localdate()
    publicity = (
        Publicity.objects.for_city(city)
        .filter(pk=pk, starts_on__lte=today)
        .prefetch_related(
            Prefetch("items", queryset=PublicityItem.objects.select_related("claim").order_by("pk"))
        )
        .first()
        if str(pk).isdigit()
        else None
    )
    if publicity is None:
        raise Http404("公示不存在 / no such publicity")
    return publicity
