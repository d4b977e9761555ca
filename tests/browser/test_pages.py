"""The pages in a real browser: log in as each kind of user, switch language and city, run a job.

Runs Debian's chromium through Playwright against `live_server` on the demo data. The live
server needs real transactions, so the demo is seeded per test under `transactional_db`.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import Page, expect

from pilot_portal.tenancy.models import CITY_ROLES, Role

pytestmark = pytest.mark.browser

CITY = "shenyang"
CITY_NAMES = {"shenyang": "沈阳市", "xiamen": "厦门市", "xinxiang": "新乡市"}
# The portal's own strings the language tests read, in each language.
LOG_OUT = {"zh-hans": "退出登录", "en": "Log out"}
LOG_IN = {"zh-hans": "登录", "en": "Log in"}


def zh(text) -> str:
    """`text` (a message id or a lazy translation) as a zh-hans page shows it."""
    with translation.override("zh-hans"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def log_in(page: Page, live_server, username: str, password: str = "") -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password or settings.DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()


def path_of(live_server, path: str) -> re.Pattern:
    return re.compile(re.escape(live_server.url + path) + r"$")


@pytest.mark.parametrize("role", sorted(CITY_ROLES))
def test_each_city_role_logs_in_to_its_city_home(page, live_server, demo_live, role):
    log_in(page, live_server, f"{CITY}-{role}")

    expect(page).to_have_url(path_of(live_server, f"/c/{CITY}/"))
    heading = page.locator("main h1")
    expect(heading).to_contain_text(CITY_NAMES[CITY])
    expect(heading.locator("small")).to_have_text(zh(Role(role).label))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("city-switcher").locator("summary")).to_have_text(CITY_NAMES[CITY])
    own = {
        Role.DISTRICT_OFFICER: "own-district",
        Role.ENTERPRISE: "own-enterprise",
        Role.PROVIDER: "own-provider",
    }
    for testid in own.values():
        expect(page.get_by_test_id(testid)).to_have_count(1 if own.get(role) == testid else 0)
    # City staff may start jobs from the home page; nobody else sees the buttons.
    staff = role in {"city_admin", "district_officer", "finance_officer", "auditor"}
    expect(page.locator("button[name=kind][value=city_export]")).to_have_count(1 if staff else 0)


@pytest.mark.parametrize(
    ("username", "cities"),
    # Sorted by province code: fujian, henan, liaoning.
    [("ministry", ["厦门市", "新乡市", "沈阳市"]), ("liaoning-province", ["沈阳市"])],
)
def test_overseers_log_in_to_the_overview(page, live_server, demo_live, username, cities):
    log_in(page, live_server, username)

    expect(page).to_have_url(path_of(live_server, "/overview/"))
    rows = page.get_by_test_id("city-table").locator("tbody tr")
    expect(rows).to_have_count(len(cities))
    expect(rows.locator("td:first-child a")).to_have_text(cities, use_inner_text=True)
    # Each city links to its home page, which the overseer may read.
    rows.locator("a", has_text="沈阳市").click()
    expect(page).to_have_url(path_of(live_server, f"/c/{CITY}/"))
    expect(page.locator("main h1")).to_contain_text("沈阳市")


def test_a_wrong_password_is_refused_on_the_login_page(page, live_server, demo_live):
    log_in(page, live_server, f"{CITY}-city_admin", password="not-the-password")

    expect(page).to_have_url(path_of(live_server, "/accounts/login/"))
    expect(page.locator("main [role=alert]")).to_be_visible()
    expect(page.locator("main [role=alert]")).not_to_be_empty()
    expect(page.locator("#id_username")).to_have_value(f"{CITY}-city_admin")
    expect(page.locator("main h1")).to_have_text(LOG_IN["zh-hans"])
    # Still a visitor: the header has no log-out button.
    expect(page.locator("header form[action$='/logout/']")).to_have_count(0)


def test_the_language_switch_changes_the_page_language_and_back(page, live_server, demo_live):
    page.goto(f"{live_server.url}/accounts/login/")
    html, heading = page.locator("html"), page.locator("main h1")
    expect(html).to_have_attribute("lang", "zh-hans")  # despite the browser's Accept-Language
    expect(heading).to_have_text(LOG_IN["zh-hans"])
    # Each language is named in its own language, whatever the page's language.
    expect(page.locator("form.lang button")).to_have_text(["简体中文", "English"])

    page.locator("form.lang button[value=en]").click()
    expect(html).to_have_attribute("lang", "en")
    expect(heading).to_have_text(LOG_IN["en"])
    expect(page).to_have_url(path_of(live_server, "/accounts/login/"))
    expect(page.locator("form.lang button")).to_have_text(["简体中文", "English"])
    expect(page.locator("form.lang button[aria-pressed=true]")).to_have_attribute("value", "en")

    # The choice sticks after logging in, until switched back.
    log_in(page, live_server, f"{CITY}-city_admin")
    expect(page).to_have_url(path_of(live_server, f"/c/{CITY}/"))
    log_out = page.locator("header form[action$='/logout/'] button")
    expect(html).to_have_attribute("lang", "en")
    expect(log_out).to_have_text(LOG_OUT["en"])

    page.locator("form.lang button[value=zh-hans]").click()
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(log_out).to_have_text(LOG_OUT["zh-hans"])
    expect(page).to_have_url(path_of(live_server, f"/c/{CITY}/"))


def test_a_member_of_two_cities_switches_city(page, live_server, demo_live):
    from django.contrib.auth import get_user_model

    from pilot_portal.tenancy.models import City
    from pilot_portal.tenancy.services import membership_grant

    user = get_user_model().objects.get(username="xiamen-expert")
    membership_grant(user=user, role=Role.AUDITOR, city=City.objects.get(code=CITY), actor=None)

    log_in(page, live_server, "xiamen-expert")
    expect(page).to_have_url(path_of(live_server, f"/c/{CITY}/"))  # shenyang sorts first

    switcher = page.get_by_test_id("city-switcher")
    switcher.locator("summary").click()
    expect(switcher.locator("button")).to_have_count(2)
    switcher.locator("button", has_text="厦门市").click()

    expect(page).to_have_url(path_of(live_server, "/c/xiamen/"))
    expect(page.locator("main h1")).to_contain_text("厦门市")
    expect(page.locator("main h1 small")).to_have_text(zh(Role.EXPERT.label))
    expect(switcher.locator("summary")).to_have_text("厦门市")
    expect(switcher.locator("button[aria-current=true]")).to_contain_text("厦门市")

    # The choice is remembered: `/` now leads to the chosen city.
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(path_of(live_server, "/c/xiamen/"))


def test_another_city_s_home_page_is_not_found(page, live_server, demo_live):
    log_in(page, live_server, "xiamen-city_admin")
    expect(page).to_have_url(path_of(live_server, "/c/xiamen/"))

    response = page.goto(f"{live_server.url}/c/{CITY}/")

    assert response is not None and response.status == 404
    expect(page.locator("main h1")).to_have_text(zh("Not found"))
    expect(page.locator("main")).not_to_contain_text("沈阳市")


def test_a_city_admin_runs_an_export_job_and_downloads_its_file(page, live_server, demo_live):
    log_in(page, live_server, f"{CITY}-city_admin")
    expect(page).to_have_url(path_of(live_server, f"/c/{CITY}/"))

    # The view queues the job with on_commit; outside a transaction (as here, and in production
    # with ATOMIC_REQUESTS off) eager Celery runs it before the redirect to the job's page.
    page.locator("button[name=kind][value=city_export]").click()

    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}/c/{CITY}/jobs/") + r"\d+/$"))
    expect(page.get_by_test_id("job-status")).to_have_attribute(
        "data-status", "succeeded", timeout=15_000
    )
    expect(page.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "100")
    link = page.get_by_test_id("job-file")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", re.compile(rf"^/c/{CITY}/documents/\d+/download/$"))

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert re.fullmatch(rf"{CITY}-export-\d+\.xlsx", download.suggested_filename)
    assert Path(download.path()).read_bytes()[:2] == b"PK"  # an xlsx is a zip


def test_a_queued_job_s_page_follows_it_until_its_file_is_ready(page, live_server, demo_live):
    """The progress bar polls the API while the job waits and runs, then shows the file."""
    from django.contrib.auth import get_user_model

    from pilot_portal.jobs.services import job_run, job_set_progress
    from pilot_portal.tenancy.models import City
    from tests.factories import JobFactory

    admin = get_user_model().objects.get(username=f"{CITY}-city_admin")
    job = JobFactory(city=City.objects.get(code=CITY), kind="city_export", started_by=admin)
    log_in(page, live_server, admin.username)
    expect(page).to_have_url(path_of(live_server, f"/c/{CITY}/"))

    page.goto(f"{live_server.url}/c/{CITY}/jobs/{job.pk}/")
    status, bar = page.get_by_test_id("job-status"), page.locator("[role=progressbar]")
    expect(status).to_have_attribute("data-status", "queued")
    expect(page.get_by_test_id("job-file")).to_be_hidden()

    job_set_progress(job, 40)  # as a worker reports progress
    expect(bar).to_have_attribute("aria-valuenow", "40")
    expect(page.locator(".job .pct")).to_have_text("40%")

    job_run(job_id=job.pk)  # the worker finishes: the page reloads itself
    expect(status).to_have_attribute("data-status", "succeeded")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_test_id("job-file")).to_be_visible()
    expect(page.get_by_test_id("job-file")).to_contain_text(f"{CITY}-export-{job.pk}.xlsx")
