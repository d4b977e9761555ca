"""抽查: drawing enterprises from a verification run for on-site inspection, weighted by risk,
reproducible from a recorded seed; and recording what the inspectors found.

The risk weight of an enterprise of the run (`risk_weight`):

    weight = 1                                       every enterprise can be drawn
           + 3 × errors + 1 × warnings + 0.2 × infos  the run's findings about it
           + min(approved / 500,000 CNY, 4)           subsidy approved (live claims)
           + (5 − rating) / 2                          the lowest average rating (1–5) in the
                                                       city of a provider of its projects
                                                       (unrated providers add nothing)

rounded half-up to 4 decimal places (the weight stored on each drawn item).

The draw (`draw`) is weighted sampling without replacement by Efraimidis and Spirakis: each
candidate, taken in order of enterprise id, gets the key u^(1/w) from `random.Random(seed)`
(compared as log(u) / w, the same order without underflow), and the `size` largest keys are
drawn, largest first. The same candidates, weights and seed give the same sample, on any
machine; the seed is recorded on the sample (a fresh one from `secrets` when none is given),
and every draw is in the audit log, so a sample cannot be drawn again quietly until it suits.
"""

import math
import random
import secrets
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.db import transaction
from django.db.models import Avg, Count, Sum
from django.utils import timezone

from pilot_portal.audit.services import audit_record
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from pilot_portal.tenancy import policy
from pilot_portal.verification.models import (
    Finding,
    InspectionItem,
    InspectionOutcome,
    InspectionSample,
    RunStatus,
    VerificationChunk,
)

ACTION = "verification.inspect"
SEVERITY_WEIGHT = {"error": Decimal("3"), "warning": Decimal("1"), "info": Decimal("0.2")}
AMOUNT_UNIT = Decimal("500000")  # CNY approved per point of weight
AMOUNT_CAP = Decimal("4")
TOP_RATING = Decimal("5")
MAX_SEED = 2**63 - 1  # the seed column is a signed 64-bit integer
FOUR_PLACES = Decimal("0.0001")


class Candidate(NamedTuple):
    enterprise_id: int
    weight: Decimal
    reasons: list  # [[zh, en], …]: why this weight


# -- the pure part ---------------------------------------------------------------------------


def draw(candidates, size: int, seed: int) -> list:
    """Draw `size` candidates (enterprise_id, weight, reasons) without replacement, each with a
    chance in proportion to its weight; in the order drawn. A weight of 0 or less is never
    drawn; the order of `candidates` does not matter; the same seed gives the same draw."""
    ordered = sorted(candidates, key=lambda candidate: candidate[0])
    ids = [candidate[0] for candidate in ordered]
    if len(set(ids)) != len(ids):
        raise ValueError("an enterprise is a candidate twice")
    rng = random.Random(seed)
    keyed = []
    for candidate in ordered:
        u = 1.0 - rng.random()  # (0, 1]: drawn for every candidate, so each keeps its own u
        weight = float(candidate[1])
        if weight > 0:
            keyed.append((math.log(u) / weight, candidate))
    keyed.sort(key=lambda pair: (-pair[0], pair[1][0]))
    return [candidate for _key, candidate in keyed[: max(0, size)]]


def risk_weight(
    *, severities: dict[str, int], approved: Decimal, lowest_rating: Decimal | None
) -> Candidate:
    """The weight and its reasons (enterprise_id left 0 for the caller), as documented above."""
    weight, reasons = Decimal(1), []
    if any(severities.values()):
        weight += sum(SEVERITY_WEIGHT[s] * n for s, n in severities.items() if s in SEVERITY_WEIGHT)
        errors, warnings, infos = (severities.get(s, 0) for s in ("error", "warning", "info"))
        reasons.append(
            [
                f"核验发现：错误 {errors} 项、警告 {warnings} 项、提示 {infos} 项",
                f"findings: {errors} errors, {warnings} warnings, {infos} infos",
            ]
        )
    if approved > 0:
        weight += min(approved / AMOUNT_UNIT, AMOUNT_CAP)
        reasons.append([f"已核定补助 {approved:,.2f} 元", f"subsidy approved: CNY {approved:,.2f}"])
    if lowest_rating is not None and lowest_rating < TOP_RATING:
        weight += (TOP_RATING - lowest_rating) / 2
        reasons.append(
            [
                f"服务商评分 {lowest_rating:.2f}（满分 5）",
                f"provider rating {lowest_rating:.2f} of 5",
            ]
        )
    return Candidate(0, weight.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP), reasons)


# -- reading the run ------------------------------------------------------------------------------


def run_candidates(run) -> list[Candidate]:
    """Every enterprise of the run with its risk weight (four queries, whatever the size)."""
    from enterprises.models import ProviderRating
    from enterprises.projects.models import Project
    from subsidies.models import ClaimStatus, SubsidyClaim

    ids = sorted(
        {
            pk
            for chunk in VerificationChunk.objects.filter(run=run).values_list(
                "enterprise_ids", flat=True
            )
            for pk in chunk
        }
    )
    severities: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        Finding.objects.filter(run=run, enterprise__isnull=False)
        .values("enterprise_id", "severity")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        severities[row["enterprise_id"]][row["severity"]] = row["n"]
    approved = dict(
        SubsidyClaim.objects.filter(city_id=run.city_id)
        .filter(enterprise__isnull=False, approved_amount__isnull=False)
        .exclude(status=ClaimStatus.VOID)
        .values("enterprise_id")
        .annotate(total=Sum("approved_amount"))
        .order_by()
        .values_list("enterprise_id", "total")
    )
    ratings = dict(
        ProviderRating.objects.filter(city_id=run.city_id)
        .values("provider_id")
        .annotate(average=Avg("score"))
        .order_by()
        .values_list("provider_id", "average")
    )
    lowest: dict[int, Decimal] = {}
    for enterprise_id, provider_id in (
        Project.objects.filter(city_id=run.city_id)
        .values_list("enterprise_id", "provider_id")
        .distinct()
        .order_by()
    ):
        if provider_id in ratings:
            rating = Decimal(str(ratings[provider_id])).quantize(Decimal("0.01"))
            lowest[enterprise_id] = min(rating, lowest.get(enterprise_id, rating))
    candidates = []
    for pk in ids:
        weighed = risk_weight(
            severities=severities.get(pk, {}),
            approved=approved.get(pk) or Decimal(0),
            lowest_rating=lowest.get(pk),
        )
        candidates.append(weighed._replace(enterprise_id=pk))
    return candidates


# -- services ----------------------------------------------------------------------------------


def _check(actor, city) -> None:
    if not policy.can(actor, ACTION, city=city):
        raise NotAllowed("您的角色不能组织抽查 / your role may not run inspections")


def sample_draw(actor, run, *, size, seed=None, note: str = "") -> InspectionSample:
    """Draw `size` enterprises of a finished run for on-site inspection (all of them when the
    run has fewer), weighted by risk, from `seed` (a fresh random one when not given)."""
    _check(actor, run.city)
    if run.status != RunStatus.SUCCEEDED:
        raise Conflict(
            "核验尚未完成，不能抽查 / the verification has not finished", status=run.status
        )
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise InvalidInput("抽查数量须为正整数 / the sample size must be a positive number",
                           field="size")  # fmt: skip
    if seed is None:
        seed = secrets.randbits(62)
    elif isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InvalidInput(f"随机种子须为 0 至 {MAX_SEED} 的整数 / the seed must be a whole "
                           f"number from 0 to {MAX_SEED}", field="seed")  # fmt: skip
    drawn = draw(run_candidates(run), size, seed)
    with transaction.atomic():
        sample = InspectionSample.objects.create(
            city=run.city, run=run, seed=seed, size=len(drawn), note=note, created_by=actor
        )
        InspectionItem.objects.bulk_create(
            InspectionItem(
                city=run.city,
                sample=sample,
                enterprise_id=candidate.enterprise_id,
                rank=rank,
                weight=candidate.weight,
                reasons=candidate.reasons,
            )
            for rank, candidate in enumerate(drawn, start=1)
        )
        audit_record(
            actor=actor, action="verification.sample", city=run.city, obj=sample,
            data={"run": run.pk, "seed": seed, "size": len(drawn),
                  "enterprises": [candidate.enterprise_id for candidate in drawn]},
        )  # fmt: skip
    return sample


RECORDED = (InspectionOutcome.COMPLIANT, InspectionOutcome.ISSUES, InspectionOutcome.FRAUD)
NEEDS_NOTE = (InspectionOutcome.ISSUES, InspectionOutcome.FRAUD)


def inspection_record(actor, item, *, outcome: str, note: str = "") -> InspectionItem:
    """What the inspectors found at the enterprise; a note is required for issues and fraud.
    Recorded again (a correction), the change is in the audit log too."""
    _check(actor, item.city)
    if outcome not in RECORDED:
        raise InvalidInput("请选择抽查结果 / choose the inspection outcome", field="outcome")
    note = (note or "").strip()
    if outcome in NEEDS_NOTE and not note:
        raise InvalidInput("发现问题或疑似造假时须填写说明 / describe what was found",
                           field="note")  # fmt: skip
    with transaction.atomic():
        locked = InspectionItem.objects.select_for_update().get(pk=item.pk)
        before = locked.outcome
        locked.outcome, locked.note = outcome, note
        locked.recorded_by, locked.recorded_at = actor, timezone.now()
        locked.save(update_fields=["outcome", "note", "recorded_by", "recorded_at"])
        audit_record(
            actor=actor, action="verification.inspect", city=item.city, obj=locked, reason=note,
            data={"sample": locked.sample_id, "enterprise": locked.enterprise_id,
                  "from": before, "to": outcome},
        )  # fmt: skip
    return locked
