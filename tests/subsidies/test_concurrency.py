"""Two finance officers pay the last instalment at the same moment: it is paid once. Two
approvals race for the last of the funds: one wins. Real row locks, so PostgreSQL only (the
suite's CI database); SQLite serialises writers anyway and is skipped."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from pilot_portal.errors import Conflict
from subsidies import services
from subsidies.models import LedgerEntry, SubsidyClaim
from tests.conftest import require_service
from tests.subsidies.claim_helpers import accepted_project, publicised, subsidy_world

D = Decimal


def _race(*calls):
    """Run the calls in threads released together; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            outcomes[i] = call()
        except Exception as error:  # the outcome is what the test inspects
            outcomes[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


@pytest.fixture
def postgres(transactional_db):
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


def test_two_officers_paying_the_last_instalment_at_once_pay_it_once(postgres):
    world = subsidy_world("xiamen")
    second_officer = world["finance"].__class__.objects.create(username="finance-2")
    world["city"].memberships.create(user=second_officer, role="finance_officer")
    claim, _ = services.claim_for_project(
        world["admin"], accepted_project(world, software="1000000", level=3)
    )
    claim = services.claim_approve(world["admin"], claim)
    publicised(claim, world["admin"])
    services.claim_disburse(world["finance"], claim, amount="175000.00", reference="B1")

    outcomes = _race(
        lambda: services.claim_disburse(
            world["finance"], SubsidyClaim.objects.get(pk=claim.pk), amount="175000.00",
            reference="B2-a",
        ),
        lambda: services.claim_disburse(
            second_officer, SubsidyClaim.objects.get(pk=claim.pk), amount="175000.00",
            reference="B2-b",
        ),
    )  # fmt: skip
    assert sum(isinstance(o, Conflict) for o in outcomes) == 1, outcomes
    claim.refresh_from_db()
    assert claim.status == "paid" and claim.paid_amount == D("350000.00")
    paid = sum(LedgerEntry.objects.filter(claim=claim).values_list("amount", flat=True))
    assert paid == D("350000.00")


def test_two_approvals_racing_for_the_last_funds_approve_one(postgres):
    world = subsidy_world("shenyang", central="600000.00", local=None)
    claims = [
        services.claim_for_project(
            world["admin"], accepted_project(world, software="600000", level=2)
        )[0]
        for _ in range(2)
    ]  # 300,000 each: the pool covers one... and a half
    outcomes = _race(
        *[lambda c=c: services.claim_approve(world["admin"], SubsidyClaim.objects.get(pk=c.pk))
          for c in claims]
    )  # fmt: skip
    assert sum(isinstance(o, Conflict) for o in outcomes) == 1, outcomes
    assert (
        SubsidyClaim.objects.filter(pk__in=[c.pk for c in claims], status="approved").count() == 1
    )
