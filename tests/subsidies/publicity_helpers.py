"""Factories for the publicity, document and export tests: approved claims written straight
with the ORM (a claim, its computation, its approval and payments), a city with each role that
touches them (`build_world`, which each test module wraps in its `world` fixture), and
publicities moved in time (a publicity can't be published in the past)."""

import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from subsidies.models import (
    ClaimStatus,
    LedgerEntry,
    LedgerKind,
    Publicity,
    SubsidyClaim,
    SubsidyComputation,
)
from subsidies.rulebooks import rulebook_install_shipped
from tests.factories import (
    CityFactory,
    DistrictFactory,
    EnterpriseFactory,
    MembershipFactory,
    ProviderFactory,
    UserFactory,
)

D = Decimal
TRANSFORMATION_ZH = "中小企业数字化转型改造补贴（先建后补）"  # Shenyang's line names
DIAGNOSIS_ZH = "数字化转型诊断服务费（政府采购）"


def make_claim(
    city,
    *,
    enterprise=None,
    provider=None,
    kind="transformation",
    amount="500000.00",
    status=ClaimStatus.APPROVED,
    approved_by=None,
    paid=(),
    level=2,
    investment="1200000.00",
    explanation_zh=None,
    explanation_en=None,
    instalments=None,
) -> SubsidyClaim:
    """A claim of `city` with one computation of `amount`; approved (with `approved_by`) unless
    `status` says computed; `paid` is a list of (amount, reference) payments already made."""
    version = rulebook_install_shipped(city, source="shenyang")
    amount = D(amount)
    claim = SubsidyClaim.objects.create(
        city=city, kind=kind, enterprise=enterprise, provider=provider, inputs={}
    )
    computation = SubsidyComputation.objects.create(
        city=city,
        claim=claim,
        rulebook=version,
        facts={"level": level, "eligible_investment": investment},
        inputs_digest=f"digest-{claim.pk}",
        amount=amount,
        eligible=amount > 0,
        reasons=[],
        steps=[],
        explanation_zh=explanation_zh
        or f"合规投资额 {investment} 元 × 50% ，封顶 500000.00 元，核定 {amount} 元",
        explanation_en=explanation_en
        or f"eligible investment {investment} × 50 %, capped at 500000.00: {amount}",
    )
    claim.computation = computation
    if status != ClaimStatus.COMPUTED:
        claim.approved_amount = amount
        claim.approved_by = approved_by
        claim.approved_at = timezone.now()
        if instalments is None:
            instalments = [{"no": 1, "share": "1", "amount": str(amount)}]
        claim.instalment_plan = instalments
    claim.status = status
    claim.save()
    total = D(0)
    for number, (part, reference) in enumerate(paid, start=1):
        LedgerEntry.objects.create(
            city=city,
            claim=claim,
            kind=LedgerKind.PAYMENT,
            amount=D(part),
            instalment=number,
            paid_on=timezone.localdate() - timedelta(days=30 - number),
            reference=reference,
            recorded_by=approved_by or UserFactory(),
        )
        total += D(part)
    if total:
        SubsidyClaim.objects.filter(pk=claim.pk).update(paid_amount=total)
        claim.refresh_from_db()
    return claim


def shift(publicity: Publicity, *, starts_days: int, ends_days: int) -> Publicity:
    """Move a publicity's period relative to today (as if published earlier)."""
    today = timezone.localdate()
    Publicity.objects.filter(pk=publicity.pk).update(
        starts_on=today + timedelta(days=starts_days), ends_on=today + timedelta(days=ends_days)
    )
    publicity.refresh_from_db()
    return publicity


def close(publicity: Publicity) -> Publicity:
    """The publicity ran from 10 days ago until yesterday."""
    return shift(publicity, starts_days=-10, ends_days=-1)


def build_world() -> dict:
    """A city with an enterprise in each of two districts, a provider, each role that touches
    publicity and documents, and another city with its admin and an enterprise."""
    city = CityFactory(name="沈阳试点市")
    district = DistrictFactory(city=city)
    other_district = DistrictFactory(city=city)
    admin = MembershipFactory(
        city=city, role="city_admin", user=UserFactory(first_name="王", last_name="核定")
    ).user
    enterprise = EnterpriseFactory(city=city, district=district, name="沈阳精密机械有限公司")
    neighbour = EnterpriseFactory(city=city, district=other_district, name="沈阳重工装备有限公司")
    other_city = CityFactory()
    return {
        "city": city,
        "district": district,
        "enterprise": enterprise,
        "neighbour": neighbour,
        "provider": ProviderFactory(name="新松数字科技有限公司"),
        "admin": admin,
        "finance": MembershipFactory(city=city, role="finance_officer").user,
        "auditor": MembershipFactory(city=city, role="auditor").user,
        "officer": MembershipFactory(city=city, role="district_officer", district=district).user,
        "owner": MembershipFactory(city=city, role="enterprise", enterprise=enterprise).user,
        "other_city": other_city,
        "other_admin": MembershipFactory(city=other_city, role="city_admin").user,
        "other_enterprise": EnterpriseFactory(city=other_city, name="厦门远方科技有限公司"),
    }


def pdf_text(path) -> str:
    """The PDF's text in drawing order (`pdftotext -raw`): a name wrapped inside a table cell
    stays together, which the column layout of `-layout` would interleave with its neighbours."""
    if not shutil.which("pdftotext"):
        pytest.fail("poppler-utils (pdftotext) is required: make test installs it")
    return subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
