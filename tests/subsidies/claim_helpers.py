"""A city with a shipped rulebook, fund pools, an enrolled enterprise and its officials; accepted
projects with investment lines; claims cleared by a closed publicity."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from enterprises.models import InvestmentLine, Project
from subsidies.models import FundPool, Publicity, PublicityItem
from subsidies.rulebooks import rulebook_install_shipped
from tests.factories import (
    BatchFactory,
    CityFactory,
    EnterpriseFactory,
    MembershipFactory,
    ProviderFactory,
    ProviderSelectionFactory,
    acceptance_locked,
)


def subsidy_world(source="shenyang", central="150000000.00", local="187500000.00"):
    city = CityFactory()
    rulebook_install_shipped(city, source=source)
    FundPool.objects.create(city=city, source="central", amount=Decimal(central))
    if local is not None:
        FundPool.objects.create(city=city, source="local", amount=Decimal(local))
    enterprise = EnterpriseFactory(city=city, name="沈北智造有限公司")
    enterprise.applications.create(city=city, batch=BatchFactory(city=city), status="approved")
    provider = ProviderFactory()
    ProviderSelectionFactory(city=city, provider=provider, status="selected")
    return {
        "city": city,
        "enterprise": enterprise,
        "provider": provider,
        "admin": MembershipFactory(city=city, role="city_admin").user,
        "finance": MembershipFactory(city=city, role="finance_officer").user,
        "owner": MembershipFactory(city=city, role="enterprise", enterprise=enterprise).user,
        "auditor": MembershipFactory(city=city, role="auditor").user,
    }


def accepted_project(world, *, level=2, software="0", cloud="0", other="0", enterprise=None):
    """An accepted project with its locked acceptance at `level` and investment lines."""
    enterprise = enterprise or world["enterprise"]
    project = Project.objects.create(
        city=world["city"],
        enterprise=enterprise,
        provider=world["provider"],
        title="数字化改造",
        contract_amount=Decimal("2000000.00"),
        planned_start=date(2026, 1, 1),
        planned_end=date(2026, 6, 30),
        status="accepted",
        created_by=world["owner"],
    )
    for category, amount in (("software", software), ("cloud", cloud), ("other", other)):
        if Decimal(amount):
            InvestmentLine.objects.create(
                city=world["city"], project=project, category=category,
                amount=Decimal(amount), description=category, created_by=world["owner"],
            )  # fmt: skip
    if level is not None:
        acceptance_locked(project, level=level, locked_at=timezone.now())
    return project


def publicised(claim, actor, *, closed=True):
    """Put an approved claim on a publicity that has (or has not yet) closed."""
    today = timezone.localdate()
    ends = today - timedelta(days=1) if closed else today + timedelta(days=5)
    publicity = Publicity.objects.create(
        city=claim.city, title="补助公示", starts_on=ends - timedelta(days=7), ends_on=ends,
        published_by=actor,
    )  # fmt: skip
    PublicityItem.objects.create(
        city=claim.city, publicity=publicity, claim=claim,
        recipient_name=str(claim.recipient), amount=claim.approved_amount,
    )  # fmt: skip
    return publicity
