"""Demo subsidies: each seed city's shipped rulebook and fund pools, and claims at each step:
the accepted exemplary project's claim approved, publicised and paid in part, the chain
project's computed and waiting for approval, and a diagnosis-fee award claim."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from subsidies import services
from subsidies.models import FundPool, Publicity, PublicityItem, SubsidyClaim
from subsidies.rulebooks import rulebook_in_effect, rulebook_install_shipped, rulebook_of


def demo_subsidies(city, *, exemplary, chain, diagnosed) -> None:
    if rulebook_install_shipped(city) is None:
        return
    _fund_pools(city)
    if SubsidyClaim.objects.filter(city=city).exists():
        return  # seeded before
    users = get_user_model().objects
    admin = users.get(username=f"{city.code}-city_admin")
    finance = users.get(username=f"{city.code}-finance_officer")
    if exemplary is not None and exemplary.status == "accepted":
        claim, _ = services.claim_for_project(admin, exemplary)
        claim = services.claim_approve(admin, claim, comment="经审核，同意核定 / approved")
        _closed_publicity(city, admin, claim)
        first = claim.instalment_plan[0]["amount"]
        services.claim_disburse(
            finance, claim, amount=first, reference=f"{city.code.upper()}-2026-0001",
            paid_on=timezone.localdate() - timedelta(days=1),
        )  # fmt: skip
    if chain is not None and chain.status == "accepted":
        services.claim_for_project(admin, chain)
    lines = {line.code for line in rulebook_of(rulebook_in_effect(city)).lines}
    if "diagnosis" in lines and diagnosed is not None:
        inputs = {"fee": "6000.00"}
        services.claim_create(
            admin, city=city, kind="diagnosis", enterprise=diagnosed, inputs=inputs
        )


def _fund_pools(city) -> None:
    """The central award at the city's cap and, where the plan names one, local matching."""
    FundPool.objects.get_or_create(
        city=city, source="central",
        defaults={"amount": city.award_cap, "note": "中央财政奖补资金上限 / the central award cap"},
    )  # fmt: skip
    if city.local_matching_ratio:
        FundPool.objects.get_or_create(
            city=city, source="local",
            defaults={
                "amount": (city.award_cap * city.local_matching_ratio).quantize(Decimal("0.01")),
                "note": f"地方配套 1:{city.local_matching_ratio} / local matching",
            },
        )  # fmt: skip


def _closed_publicity(city, admin, claim) -> None:
    today = timezone.localdate()
    publicity = Publicity.objects.create(
        city=city, title=f"{city.name}中小企业数字化转型补助资金拟拨付名单公示（第一批）",
        starts_on=today - timedelta(days=12), ends_on=today - timedelta(days=5),
        contact=f"{city.name}工业和信息化局中小企业处", published_by=admin,
    )  # fmt: skip
    PublicityItem.objects.create(
        city=city, publicity=publicity, claim=claim, recipient_name=str(claim.recipient),
        amount=claim.approved_amount,
    )  # fmt: skip
