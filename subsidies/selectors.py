"""Reads of subsidy claims, always within what the user may see, at a fixed number of queries.

Who sees which claim is `policy.subsidy_claim_scope`: the city's staff and oversight all of them
(a district officer the district's), enterprise staff their own enterprise's, a provider's staff
the claims made out to it. Anything else is 404, never 403.
"""

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Role
from pilot_portal.workflow import actions_from
from subsidies.models import (
    ClaimStatus,
    ClaimStep,
    LedgerEntry,
    SubsidyClaim,
    SubsidyComputation,
)
from subsidies.rulebook import Rulebook
from subsidies.workflow import CLAIM_TRANSITIONS

NOT_FOUND = "补助申请不存在 / no such subsidy claim"
FILTERS = ("kind", "status", "enterprise", "project", "provider")


def claim_filters(params) -> Q:
    """The list filters (`kind`, `status`, `enterprise`, `project`, `provider`, `q`) as a Q;
    unknown or malformed values filter nothing out rather than erroring."""
    q = Q()
    kind = (params.get("kind") or "").strip()
    if kind:
        q &= Q(kind=kind)
    status = (params.get("status") or "").strip()
    if status in ClaimStatus.values:
        q &= Q(status=status)
    for name in ("enterprise", "project", "provider"):
        value = str(params.get(name) or "").strip()
        if value.isdigit():
            q &= Q(**{f"{name}_id": int(value)})
    text = (params.get("q") or "").strip()
    if text:
        q &= (
            Q(enterprise__name__icontains=text)
            | Q(enterprise__uscc__icontains=text)
            | Q(provider__name__icontains=text)
        )
    return q


def claim_list(user, city, params=None) -> QuerySet:
    """Claims the user sees, filtered, with what a list row shows (recipient, amount)."""
    return (
        SubsidyClaim.objects.for_city(city)
        .filter(policy.subsidy_claim_scope(user, city))
        .filter(claim_filters(params or {}))
        .select_related("enterprise", "provider", "project", "computation")
        .order_by("-created_at", "-pk")
    )


def claim_detail(user, city, pk) -> SubsidyClaim:
    """One claim with its computations, steps and ledger (404 outside the user's scope)."""
    claim = (
        claim_list(user, city)
        .filter(pk=pk)
        .select_related("city", "approved_by", "computation__rulebook", "acceptance", "chain_case")
        .prefetch_related(
            Prefetch(
                "computations",
                queryset=SubsidyComputation.objects.select_related("rulebook", "created_by"),
            ),
            Prefetch("steps", queryset=ClaimStep.objects.select_related("actor")),
            Prefetch("ledger", queryset=LedgerEntry.objects.select_related("recorded_by")),
        )
        .first()
        if str(pk).isdigit()
        else None
    )
    if claim is None:
        raise Http404(NOT_FOUND)
    return claim


def claim_actions(user, claim) -> list[str]:
    """The buttons the user has on this claim (the services refuse anything not listed)."""
    roles = policy.roles_in(user, claim.city)
    actions = actions_from(claim.status, roles, CLAIM_TRANSITIONS)
    if (
        claim.status == ClaimStatus.VOID
        and claim.clawed_back_amount > 0
        and Role.FINANCE_OFFICER in roles
    ):
        actions.append("refund")
    return actions


def instalments_view(claim) -> list[dict]:
    """The instalment plan with what each instalment has been paid so far (from the ledger,
    already prefetched on a detail claim)."""
    paid: dict[int, object] = {}
    for entry in claim.ledger.all():
        if entry.kind in ("payment", "offset") and entry.instalment:
            paid[entry.instalment] = paid.get(entry.instalment, 0) + entry.amount
    rows = []
    for item in claim.instalment_plan or []:
        got = paid.get(item["no"], 0)
        rows.append({**item, "paid": f"{got:.2f}" if got else "0.00"})
    return rows


def line_names(rulebook: Rulebook) -> dict[str, tuple[str, str]]:
    """Rule line code → (Chinese name, English name), for lists and filters."""
    return {line.code: (line.name_zh, line.name_en) for line in rulebook.lines}
