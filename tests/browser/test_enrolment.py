"""Enrolment in a real browser: the enterprise applies, the district approves, the city approves,
and the enterprise sees every step with who took it and why."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_pages import log_in

pytestmark = pytest.mark.browser


def log_out(page: Page) -> None:
    page.locator("header form[action$='/logout/'] button").click()


def open_application_of(page: Page, live_server, enterprise_name: str) -> None:
    page.goto(f"{live_server.url}/c/xiamen/applications/")
    page.get_by_role("link", name=enterprise_name).click()


def test_an_application_goes_from_the_enterprise_through_district_and_city(
    page, live_server, demo_live
):
    # the enterprise applies to the open batch and submits
    log_in(page, live_server, "xiamen-enterprise")
    page.get_by_role("link", name="本企业").click()
    enterprise_name = page.locator("main h1").inner_text().split(" ")[0].strip()
    page.get_by_role("link", name="申报批次").click()
    page.get_by_label("本企业承诺：不属于已获中央财政").check()
    page.get_by_label("本企业承诺：未纳入2022年").check()
    page.get_by_role("button", name="提交区县初审").click()
    expect(page.get_by_test_id("application-status")).to_have_attribute("data-status", "submitted")
    log_out(page)

    # the district officer approves it to the city with a comment
    log_in(page, live_server, "xiamen-district_officer")
    open_application_of(page, live_server, enterprise_name)
    page.get_by_label("意见").fill("材料齐全，同意报市复核")
    page.locator("button[data-action=district-approve]").click()
    expect(page.get_by_test_id("application-status")).to_have_attribute(
        "data-status", "district_approved"
    )
    log_out(page)

    # the city admin approves
    log_in(page, live_server, "xiamen-city_admin")
    open_application_of(page, live_server, enterprise_name)
    page.locator("button[data-action=approve]").click()
    expect(page.get_by_test_id("application-status")).to_have_attribute("data-status", "approved")
    log_out(page)

    # the enterprise sees the whole history on its file
    log_in(page, live_server, "xiamen-enterprise")
    page.get_by_role("link", name="本企业").click()
    timeline = page.get_by_test_id("timeline").first
    expect(timeline.locator("li")).to_have_count(3)
    expect(timeline).to_contain_text("材料齐全，同意报市复核")
    expect(timeline).to_contain_text("厦门市区县工信部门")
    expect(timeline).to_contain_text("已通过")
