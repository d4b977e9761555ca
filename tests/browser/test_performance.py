"""Performance reporting in a real browser, on the demo: the city admin opens the dashboard,
submits the mid-term figures, generates the self-evaluation report and downloads a PDF whose
text holds every indicator with its target and actual; the auditor accepts a manual value; the
ministry sees the three seed cities, a province only its own."""

import re
import subprocess

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_pages import log_in, path_of

pytestmark = pytest.mark.browser

CITY = "xinxiang"


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def test_city_admin_opens_the_dashboard_and_generates_the_report(
    page: Page, live_server, demo_live
):
    from pilot_portal.reporting.models import Indicator
    from pilot_portal.tenancy.models import City

    indicators = list(Indicator.objects.for_city(City.objects.get(code=CITY)))
    log_in(page, live_server, f"{CITY}-city_admin")
    expect(page).to_have_url(path_of(live_server, f"/c/{CITY}/"))
    page.get_by_role("link", name=re.compile("绩效|Performance")).first.click()
    expect(page).to_have_url(path_of(live_server, f"/c/{CITY}/performance/"))
    table = page.get_by_test_id("indicators")
    for indicator in indicators:
        expect(table).to_contain_text(indicator.name)
    expect(page.get_by_test_id("progress-chart").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("levels-chart").locator("svg")).to_be_visible()

    # Submit the mid-term figures: they are locked.
    page.goto(f"{live_server.url}/c/{CITY}/performance/periods/")
    page.select_option("#id_kind", "mid_term")
    page.select_option("#id_year", "2025")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("period-status")).to_have_attribute("data-status", "submitted")

    # The report of that period, as a job: its PDF holds each indicator, target and actual.
    page.get_by_test_id("period-report").click()
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}/c/{CITY}/jobs/") + r"\d+/$"))
    expect(page.get_by_test_id("job-status")).to_have_attribute(
        "data-status", "succeeded", timeout=60_000
    )
    with page.expect_download() as download_info:
        page.get_by_test_id("job-file").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    text = pdf_text(download.path())
    assert "绩效自评报告" in text and "中期评估" in text
    for indicator in indicators:
        assert indicator.name[:8] in text, indicator.name
        assert f"{indicator.total_target:,.0f}" in text or f"{indicator.total_target:.0f}" in text


def test_the_auditor_accepts_a_manual_value_and_the_actual_counts_it(
    page: Page, live_server, demo_live
):
    log_in(page, live_server, f"{CITY}-auditor")
    page.goto(f"{live_server.url}/c/{CITY}/performance/indicators/")
    pending = page.get_by_test_id("pending-values")
    expect(pending).to_be_visible()
    pending.get_by_role("link", name=re.compile("审核|Review")).first.click()
    page.get_by_test_id("accept").first.click()
    expect(page.locator("[data-status=accepted]").first).to_be_visible()
    expect(page.get_by_test_id("actual")).to_contain_text("2")


@pytest.mark.parametrize("username,cities", [
    ("ministry", ["shenyang", "xiamen", "xinxiang"]),
    ("henan-province", ["xinxiang"]),
])  # fmt: skip
def test_overseers_see_the_cities_they_oversee(
    page: Page, live_server, demo_live, username, cities
):
    log_in(page, live_server, username)
    page.goto(f"{live_server.url}/overview/performance/")
    table = page.get_by_test_id("national-table")
    expect(table).to_be_visible()
    shown = table.locator("tr[data-city]")
    expect(shown).to_have_count(len(cities))
    assert sorted(shown.evaluate_all("rows => rows.map(r => r.dataset.city)")) == cities
    # Each city leads to its dashboard, read-only.
    table.locator(f"tr[data-city={cities[0]}] a").first.click()
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}/c/{cities[0]}/performance/")))
    expect(page.get_by_test_id("indicators")).to_be_visible()
