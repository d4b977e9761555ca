"""Batch verification in a real browser: the city administrator starts a verification of the
whole city, watches its progress bar move as the chunks finish, opens the results, follows a
finding (an enterprise with no district) to the record, fixes it on the enterprise's edit page,
runs the verification again, and the finding is gone.

The test thread plays the Celery workers: the page's start queues the run's job as in
production, the job's chunk tasks are held back, and the test processes the chunks one by one
(`services.chunk_process`, what each task calls) while the browser polls."""

import re

import pytest
from playwright.sync_api import Page, expect

from pilot_portal.verification import services
from pilot_portal.verification.models import Finding, VerificationChunk, VerificationRun
from tests.browser.test_pages import log_in
from tests.factories import (
    PASSWORD,
    CityFactory,
    DistrictFactory,
    EnterpriseFactory,
    MembershipFactory,
    SectorFactory,
)

pytestmark = pytest.mark.browser

NO_DISTRICT = "丁无区县有限公司"


@pytest.fixture
def verify_world(transactional_db, live_server, settings, monkeypatch):
    """A city of four enterprises (one without a district), its administrator, chunks of one
    enterprise, and workers that wait for the test (committed, for the live server)."""
    settings.VERIFICATION_CHUNK_SIZE = 1
    settings.VERIFICATION_CHUNK_DELAY_SECONDS = 0
    dispatched = []
    monkeypatch.setattr(services, "chunks_dispatch", dispatched.append)
    city = CityFactory(name="核验市")
    district, sector = DistrictFactory(city=city, name="浑南区"), SectorFactory(city=city)
    for name in ("甲智造有限公司", "乙科技有限公司", "丙精工有限公司"):
        EnterpriseFactory(city=city, name=name, district=district, sector=sector)
    enterprise = EnterpriseFactory(city=city, name=NO_DISTRICT, district=None, sector=sector)
    admin = MembershipFactory(city=city, role="city_admin").user
    admin.first_name = "王核验"
    admin.save(update_fields=["first_name"])
    return {
        "city": city, "district": district, "enterprise": enterprise, "admin": admin,
        "dispatched": dispatched,
    }  # fmt: skip


def work_one_chunk(run) -> None:
    """One worker task: the next chunk not done yet."""
    chunk = VerificationChunk.objects.filter(run=run, done=False).order_by("index").first()
    assert chunk is not None
    assert services.chunk_process(chunk.pk)


def missing_district(run) -> Finding | None:
    return Finding.objects.filter(
        run=run, code="district_missing", enterprise__name=NO_DISTRICT
    ).first()


def expect_bar(page: Page, percent: int) -> None:
    expect(page.get_by_test_id("run-progress").locator("[role=progressbar]")).to_have_attribute(
        "aria-valuenow", str(percent)
    )


def run_to_the_end(page: Page, run) -> None:
    """The workers take the chunks one by one; the bar follows; the page reloads at the end."""
    expect(page.get_by_test_id("job-status")).to_have_attribute("data-status", "running")
    expect_bar(page, 0)
    for percent in (25, 50, 75):
        work_one_chunk(run)
        expect_bar(page, percent)
    work_one_chunk(run)  # the last chunk finishes the run
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-status", "succeeded", timeout=15_000
    )


def test_an_official_verifies_fixes_a_record_and_the_finding_is_gone(
    page: Page, live_server, verify_world
):
    world = verify_world
    code = world["city"].code
    log_in(page, live_server, world["admin"].username, PASSWORD)
    expect(page.locator("header .who")).to_have_text("王核验")

    # the official starts a verification of the whole city
    page.goto(f"{live_server.url}/c/{code}/verification/")
    form = page.get_by_test_id("start-form")
    form.locator("select[name=batch]").select_option("")
    form.get_by_test_id("start").click()
    expect(page).to_have_url(re.compile(rf"/c/{code}/verification/\d+/$"))
    first = VerificationRun.objects.get(city=world["city"])
    assert first.chunks_total == 4 and world["dispatched"] == [first.pk]

    # …watches the progress bar as the workers finish the chunks, and the results appear
    run_to_the_end(page, first)
    finding = missing_district(first)
    assert finding is not None
    row = page.locator(f"tr[data-finding='{finding.pk}']")
    expect(row).to_contain_text(NO_DISTRICT)
    expect(row.locator("[data-severity]")).to_have_attribute("data-severity", "warning")
    warnings = page.locator("[data-testid=severity-counts] [data-severity=warning] span")
    expect(warnings).not_to_have_text("0")

    # the results filter down to the finding
    page.locator("#id_code").select_option("district_missing")
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator("tr[data-finding]")).to_have_count(1)

    # …follows it to the record, and fixes the enterprise's district on its edit page
    row.get_by_test_id("fix-link").click()
    expect(page).to_have_url(re.compile(rf"/c/{code}/enterprises/{world['enterprise'].pk}/$"))
    page.locator(f"a[href$='/enterprises/{world['enterprise'].pk}/edit/']").click()
    page.locator("#id_district").select_option(world["district"].code)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/c/{code}/enterprises/{world['enterprise'].pk}/$"))
    world["enterprise"].refresh_from_db()
    assert world["enterprise"].district == world["district"]

    # …runs the verification again
    page.goto(f"{live_server.url}/c/{code}/verification/{first.pk}/")
    page.get_by_test_id("rerun").click()
    expect(page).to_have_url(re.compile(rf"/c/{code}/verification/\d+/$"))
    second = VerificationRun.objects.exclude(pk=first.pk).get(city=world["city"])
    run_to_the_end(page, second)

    # …and the finding is gone: not in the new run, counted as gone against the first
    assert missing_district(second) is None
    expect(page.locator("tr[data-code=district_missing]")).to_have_count(0)
    expect(page.get_by_test_id("gone-count")).to_have_text("−1")

    # the history keeps both runs
    page.goto(f"{live_server.url}/c/{code}/verification/")
    expect(page.locator("tr[data-run]")).to_have_count(2)
