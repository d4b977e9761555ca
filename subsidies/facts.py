"""What the engine is told about a claim (`rules.Facts`), read from the database.

Built for many claims at once: `facts_for_claims` reads levels, investments and what was already
granted with a fixed number of grouped queries, so recomputing a whole city does not cost a query
per claim. `claim_facts` is the one-claim case of the same code.
"""

from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.db.models import Sum
from django.utils import timezone

from assessments.models import Assessment, AssessmentKind, AssessmentStatus
from enterprises.models import Application, ApplicationStatus
from enterprises.projects.models import ELIGIBLE_CATEGORIES, InvestmentLine
from pilot_portal.errors import InvalidInput
from pilot_portal.tenancy.models import Batch
from subsidies.models import ClaimStatus, SubsidyClaim
from subsidies.rulebook import Rulebook
from subsidies.rules import ZERO, Facts, money

# Claims whose approval counts as "granted" against caps and category totals.
GRANTED_STATUSES = (ClaimStatus.APPROVED, ClaimStatus.PARTIALLY_PAID, ClaimStatus.PAID)
# Inputs a claim may carry (entered by the official), all Decimal but `units`.
MONEY_INPUTS = ("fee", "loan_interest", "requested", "granted_elsewhere", "eligible_investment")
INPUTS = (*MONEY_INPUTS, "units", "level")


def enterprise_flags(enterprise, today=None) -> dict:
    """The exclusion flags of `rules.Facts` for one enterprise."""
    if enterprise is None:
        return {}
    today = today or timezone.localdate()
    until = enterprise.blacklisted_until
    return {
        "little_giant_central": enterprise.central_fund_little_giant,
        "pilot_2022": enterprise.in_2022_pilot,
        "blacklisted": until is not None and until >= today,
    }


def clean_inputs(raw: dict) -> dict:
    """Validate what an official entered for a claim: known keys, numbers ≥ 0, a level 1–4."""
    cleaned = {}
    for key, value in (raw or {}).items():
        if value in (None, ""):
            continue
        if key not in INPUTS:
            raise InvalidInput(f"未知的输入项：{key} / unknown input: {key}", field=key)
        if key in ("units", "level"):
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise InvalidInput(
                    f"{key} 须为整数 / {key} must be a whole number", field=key
                ) from None
            if number < 0 or (key == "level" and number not in (1, 2, 3, 4)):
                raise InvalidInput(f"{key} 超出范围 / {key} is out of range", field=key)
            cleaned[key] = number
            continue
        try:
            amount = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise InvalidInput(f"{key} 须为金额 / {key} must be an amount", field=key) from None
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
            raise InvalidInput(
                f"{key} 须为不小于 0 的金额（最多两位小数） / {key} must be an amount ≥ 0 "
                "with at most two decimals",
                field=key,
            )
        cleaned[key] = str(amount)
    return cleaned


def claim_facts(claim: SubsidyClaim, rulebook: Rulebook | None = None) -> Facts:
    """One claim's facts, under `rulebook` (by default the city's rulebook in effect today)."""
    if rulebook is None:
        from subsidies.rulebooks import rulebook_in_effect, rulebook_of

        rulebook = rulebook_of(rulebook_in_effect(claim.city))
    return facts_for_claims([claim], rulebook)[claim.pk]


def facts_for_claims(claims: list[SubsidyClaim], rulebook: Rulebook) -> dict[int, Facts]:
    """Facts for each claim (by pk), all read from the database in grouped queries.

    `claims` should come with `enterprise` selected (see `selectors.claims_for_recompute`)."""
    claims = list(claims)
    if not claims:
        return {}
    city_id = claims[0].city_id
    projects = {c.project_id for c in claims if c.project_id}
    levels = _acceptance_levels(projects)
    investments = _eligible_investments(projects)
    batches = _batch_indexes(city_id, {c.enterprise_id for c in claims if c.enterprise_id})
    granted, category_used = _granted(city_id, rulebook)
    today = timezone.localdate()
    result = {}
    for claim in claims:
        inputs = claim.inputs or {}
        amounts = {k: money(Decimal(inputs[k])) for k in MONEY_INPUTS if k in inputs}
        own = claim.approved_amount if claim.status in GRANTED_STATUSES else ZERO
        own = (own or ZERO) - claim.clawed_back_amount if own else ZERO
        key = _grant_key(claim.enterprise_id, claim.provider_id, claim.kind, _year_of(claim))
        line = rulebook.line(claim.kind)
        level = levels.get(claim.project_id) if claim.project_id else inputs.get("level")
        facts = {
            "level": level,
            "eligible_investment": investments.get(claim.project_id, ZERO)
            if claim.project_id
            else amounts.get("eligible_investment", ZERO),
            "fee": amounts.get("fee", ZERO),
            "units": int(inputs.get("units", 0)),
            "loan_interest": amounts.get("loan_interest", ZERO),
            "requested": amounts.get("requested"),
            "granted_elsewhere": amounts.get("granted_elsewhere", ZERO),
            "already_granted_this_line": max(granted.get(key, ZERO) - own, ZERO),
            "programme_used_in_category": max(category_used.get(line.category, ZERO) - own, ZERO),
            **enterprise_flags(claim.enterprise, today),
        }
        if "batch_index" in Facts.__dataclass_fields__:
            facts["batch_index"] = batches.get(claim.enterprise_id)
        result[claim.pk] = Facts(**facts)
    return result


def _year_of(claim) -> int | None:
    """Yearly caps (loan interest) count per year; every other cap over the whole pilot."""
    return claim.year if claim.kind == "loan_interest" else None


def _grant_key(enterprise_id, provider_id, kind, year):
    return (enterprise_id, provider_id, kind, year)


def _acceptance_levels(project_ids) -> dict[int, int]:
    """Each project's level from its latest locked acceptance assessment."""
    if not project_ids:
        return {}
    rows = (
        Assessment.objects.filter(
            project_id__in=project_ids,
            kind=AssessmentKind.ACCEPTANCE,
            status=AssessmentStatus.LOCKED,
        )
        .order_by("project_id", "locked_at", "pk")
        .values_list("project_id", "level")
    )
    return dict(rows)  # the latest lock of each project wins


def _eligible_investments(project_ids) -> dict[int, Decimal]:
    """Software, cloud, data devices and consulting, corrections included ('other' never)."""
    if not project_ids:
        return {}
    rows = (
        InvestmentLine.objects.filter(
            project_id__in=project_ids, category__in=list(ELIGIBLE_CATEGORIES)
        )
        .values("project_id")
        .annotate(total=Sum("amount"))
        .values_list("project_id", "total")
    )
    return {pk: money(max(total or ZERO, ZERO)) for pk, total in rows}


def _batch_indexes(city_id, enterprise_ids) -> dict[int, int]:
    """Each enterprise's enrolment batch as an ordinal (1 = the city's first batch)."""
    if not enterprise_ids:
        return {}
    rows = (
        Application.objects.filter(
            enterprise_id__in=enterprise_ids, status=ApplicationStatus.APPROVED
        )
        .order_by("enterprise_id", "batch__opens")
        .values_list("enterprise_id", "batch_id", "batch__opens")
    )
    first_batch = {}
    for enterprise_id, batch_id, _opens in rows:
        first_batch.setdefault(enterprise_id, batch_id)
    if not first_batch:
        return {}
    order = list(Batch.objects.filter(city_id=city_id).order_by("opens", "pk").values_list("pk"))
    index = {pk: i + 1 for i, (pk,) in enumerate(order)}
    return {e: index.get(b) for e, b in first_batch.items()}


def _granted(city_id, rulebook: Rulebook) -> tuple[dict, dict]:
    """What was already granted (approved, less claw-backs), per recipient+line(+year) and per
    category of the rulebook, in two grouped queries."""
    live = SubsidyClaim.objects.filter(city_id=city_id, status__in=GRANTED_STATUSES)
    granted: dict = defaultdict(lambda: ZERO)
    rows = live.values("enterprise_id", "provider_id", "kind", "year").annotate(
        total=Sum("approved_amount") - Sum("clawed_back_amount")
    )
    for row in rows:
        year = row["year"] if row["kind"] == "loan_interest" else None
        key = _grant_key(row["enterprise_id"], row["provider_id"], row["kind"], year)
        granted[key] += row["total"] or ZERO
    category_of = {line.code: line.category for line in rulebook.lines}
    by_kind = live.values("kind").annotate(total=Sum("approved_amount") - Sum("clawed_back_amount"))
    category_used: dict = defaultdict(lambda: ZERO)
    for row in by_kind:
        if row["kind"] in category_of:
            category_used[category_of[row["kind"]]] += row["total"] or ZERO
    return granted, category_used
