"""A subsidy claim from approval to payment in a real browser: the city administrator approves
a Xiamen transformation claim (1,000,000 at level 3 → 350,000.00, paid in two instalments), the
finance officer pays it in two instalments of 175,000.00 through the claim's page, and the
enterprise sees its claim paid, with the explanation of the amount."""

import re

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from assessments.data.loader import shipped_editions_load
from subsidies import services
from subsidies.models import SubsidyClaim
from tests.browser.test_pages import log_in
from tests.factories import PASSWORD
from tests.subsidies.claim_helpers import accepted_project, publicised, subsidy_world

pytestmark = pytest.mark.browser


@pytest.fixture
def claim_world(transactional_db, live_server):
    """A Xiamen-rules city with its administrator, finance officer and an enterprise user, and
    the enterprise's accepted project computed into a claim (committed, for the live server)."""
    shipped_editions_load(apps)  # a transactional test before this one flushed the migration's
    world = subsidy_world("xiamen")
    project = accepted_project(world, level=3, software="1000000")
    world["claim"], _ = services.claim_for_project(world["admin"], project)
    return world


def sign_in(page: Page, live_server, user) -> None:
    log_in(page, live_server, user.username, PASSWORD)
    expect(page.locator("header .who")).to_have_text(user.get_full_name() or user.username)


def log_out(page: Page) -> None:
    page.locator("header form[action$='/logout/'] button").click()
    expect(page.locator("#id_username")).to_be_visible()


def open_claim(page: Page, live_server, world) -> None:
    page.goto(f"{live_server.url}/c/{world['city'].code}/subsidies/")
    page.locator(f"tr[data-claim='{world['claim'].pk}'] a").first.click()
    expect(page.get_by_test_id("current-amount")).to_have_text("350,000.00")


def expect_status(page: Page, status: str) -> None:
    expect(page.locator(".pagehead [data-testid=claim-status]")).to_have_attribute(
        "data-status", status
    )


def test_an_official_approves_finance_pays_in_two_instalments_and_the_enterprise_sees_it(
    page, live_server, claim_world
):
    world = claim_world
    claim = world["claim"]

    # the city administrator approves the claim from its page
    sign_in(page, live_server, world["admin"])
    open_claim(page, live_server, world)
    expect_status(page, "computed")
    approve = page.get_by_test_id("approve-form")
    approve.locator("textarea").fill("经审核，同意核定")
    approve.get_by_role("button").click()
    expect_status(page, "approved")
    expect(page.locator("[data-instalment]")).to_have_count(2)
    expect(page.get_by_test_id("timeline")).to_contain_text("经审核，同意核定")
    expect(page.get_by_test_id("approve-form")).to_have_count(0)  # no second approval
    log_out(page)

    # the publicity runs its course (the publicity pages are tested on their own)
    publicised(SubsidyClaim.objects.get(pk=claim.pk), world["admin"])

    # the finance officer pays the first instalment, then the second
    sign_in(page, live_server, world["finance"])
    open_claim(page, live_server, world)
    for number, reference, status in ((1, "BANK-2026-001", "partially_paid"),
                                      (2, "BANK-2026-002", "paid")):  # fmt: skip
        form = page.get_by_test_id("disburse-form")
        expect(form.locator("#id_disburse-amount")).to_have_value("175000.00")
        form.locator("#id_disburse-reference").fill(reference)
        form.locator("#id_disburse-reference").press("Enter")
        expect_status(page, status)
        expect(
            page.locator(f"[data-instalment='{number}'] [data-testid=instalment-paid]")
        ).to_have_text("175,000.00")
        expect(page.get_by_test_id("ledger")).to_contain_text(reference)
    expect(page.get_by_test_id("paid-total")).to_have_text("350,000.00")
    expect(page.get_by_test_id("disburse-form")).to_have_count(0)  # nothing left to pay
    log_out(page)

    # the enterprise sees its claim paid, and how the amount was reached
    sign_in(page, live_server, world["owner"])
    page.goto(f"{live_server.url}/c/{world['city'].code}/subsidies/")
    row = page.locator(f"tr[data-claim='{claim.pk}']")
    expect(row.get_by_test_id("claim-status")).to_have_attribute("data-status", "paid")
    expect(row.get_by_test_id("claim-status")).to_have_text(re.compile("Paid|已付清|已拨付"))
    row.locator("a").first.click()
    expect_status(page, "paid")
    expect(page.get_by_test_id("explanation-zh")).to_contain_text(
        "可补助投资 1,000,000.00 × 40% = 400,000.00；封顶 350,000.00"
    )
    expect(page.get_by_test_id("explanation-en")).to_contain_text("cap 350,000.00")
    expect(page.get_by_test_id("actions")).to_have_count(0)  # the enterprise only reads
    claim.refresh_from_db()
    assert claim.status == "paid" and str(claim.paid_amount) == "350000.00"
