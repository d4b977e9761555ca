"""A provider selection round in a real browser: a provider applies, the city starts the review,
two experts score, the city sees both scores and the average, publicises, then selects; the
provider is in the pool."""

import pytest
from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import timezone
from playwright.sync_api import Page, expect

from pilot_portal.tenancy.models import City, Membership, Role
from providers import selectors, services
from providers.models import ProviderCase, ProviderSelection
from tests.browser.test_pages import log_in, path_of
from tests.factories import MembershipFactory, ProviderFactory, UserFactory

pytestmark = pytest.mark.browser

CITY = "shenyang"
ROUND = "浏览器测试遴选轮"
PROVIDER = "盛京视觉智能科技有限公司"


def log_out(page: Page) -> None:
    page.locator("header form[action$='/logout/'] button").click()
    expect(page.locator("#id_username")).to_be_visible()


def _user(username: str):
    user = UserFactory(username=username)
    user.set_password(settings.DEMO_PASSWORD)
    user.save()
    return user


@pytest.fixture
def selection_world(demo_live):
    """A round open today in the demo city with two experts of its own, and a provider
    registered nationally (with a reference case) that is in no city yet."""
    city = City.objects.get(code=CITY)
    today = timezone.localdate()
    admin = Membership.objects.get(city=city, role=Role.CITY_ADMIN).user
    experts = []
    for username in ("browser-expert-1", "browser-expert-2"):
        expert = _user(username)
        MembershipFactory(user=expert, city=city, role=Role.EXPERT)
        experts.append(expert)
    selection_round = services.round_create(
        city=city,
        actor=admin,
        data={
            "name": ROUND, "opens": today, "closes": today, "criteria": "能力 60，案例 40",
            "experts": [e.pk for e in experts],
        },
    )  # fmt: skip
    provider = ProviderFactory(name=PROVIDER, kind="product")
    staff = _user("browser-provider")
    provider.staff.add(staff)
    ProviderCase.objects.create(
        provider=provider, title="轴承外观视觉检测", customer="某轴承厂", year=2025,
        scenario="quality",
    )  # fmt: skip
    return {"city": city, "round": selection_round, "provider": provider, "experts": experts}


def open_selection(page: Page, live_server, pk: int) -> None:
    page.goto(f"{live_server.url}/c/{CITY}/providers/{pk}/")
    expect(page.get_by_test_id("selection-status")).to_be_visible()


def test_a_provider_is_selected_through_review_scores_and_publicity(
    page, live_server, selection_world
):
    city, sector = selection_world["city"], selection_world["city"].sectors.order_by("code")[0]
    today = timezone.localdate().isoformat()

    # the provider's user lands on the national page and applies to the open round
    log_in(page, live_server, "browser-provider")
    expect(page).to_have_url(path_of(live_server, "/provider/"))
    row = page.get_by_test_id("open-rounds").locator("tr", has_text=ROUND)
    row.get_by_role("link").click()
    expect(page.get_by_test_id("apply-form")).to_be_visible()
    page.locator(f"input[name=sectors][value='{sector.code}']").check()
    page.get_by_label("轴承外观视觉检测", exact=False).check()
    page.locator("#id_statement").fill("专注轴承与零部件外观检测")
    page.locator("button[name=apply]").click()
    status = page.get_by_test_id("selection-status")
    expect(status).to_have_attribute("data-status", "applied")
    selection = ProviderSelection.objects.get(provider=selection_world["provider"], city=city)
    assert selection.round_id == selection_world["round"].pk
    expect(page).to_have_url(path_of(live_server, f"/c/{CITY}/providers/{selection.pk}/"))
    log_out(page)

    # the city administrator starts the experts' review
    log_in(page, live_server, f"{CITY}-city_admin")
    open_selection(page, live_server, selection.pk)
    page.locator("button[data-action=start-review]").click()
    expect(page.get_by_test_id("selection-status")).to_have_attribute("data-status", "under_review")
    log_out(page)

    # two experts find it in their queue and score it
    for username, score in (("browser-expert-1", "80"), ("browser-expert-2", "90")):
        log_in(page, live_server, username)
        page.goto(f"{live_server.url}/c/{CITY}/providers/review/")
        queue_row = page.get_by_test_id("review-table").locator("tr", has_text=PROVIDER)
        expect(queue_row.locator("[data-review]")).to_have_attribute("data-review", "to-score")
        queue_row.get_by_role("link", name=PROVIDER).click()
        form = page.get_by_test_id("score-form")
        form.locator("#id_score").fill(score)
        form.locator("#id_comment").fill(f"案例扎实，评分 {score}")
        form.locator("button[name=submit-score]").click()
        expect(page.get_by_test_id("score")).to_have_text(f"{score}.00")
        page.goto(f"{live_server.url}/c/{CITY}/providers/review/")
        expect(
            page.get_by_test_id("review-table")
            .locator("tr", has_text=PROVIDER)
            .locator("[data-review]")
        ).to_have_attribute("data-review", "scored")
        log_out(page)

    # the city sees both scores and their average, and publicises (start = end = today)
    log_in(page, live_server, f"{CITY}-city_admin")
    open_selection(page, live_server, selection.pk)
    expect(page.get_by_test_id("score")).to_have_text(["80.00", "90.00"])
    expect(page.get_by_test_id("average-score")).to_have_text("85.00")
    publicise = page.get_by_test_id("action-publicise")
    publicise.locator("input[name=publicity_start]").fill(today)
    publicise.locator("input[name=publicity_end]").fill(today)
    publicise.locator("button[data-action=publicise]").click()
    expect(page.get_by_test_id("selection-status")).to_have_attribute("data-status", "publicised")
    expect(page.get_by_test_id("publicity")).to_contain_text(today)

    # the public (no login) publicity page shows it, where it exists yet
    public = f"/public/{CITY}/publicity/"
    try:
        resolve(public)
        has_public_page = True
    except Resolver404:
        has_public_page = False
    if has_public_page:
        visitor = page.context.browser.new_page()
        visitor.goto(f"{live_server.url}{public}")
        expect(visitor.locator("main")).to_contain_text(PROVIDER)
        visitor.close()
    else:
        assert selection.pk in {s.pk for s in selectors.under_publicity(city)}

    # the publicity period is over (it ends today): the city selects
    page.locator("button[data-action=select]").click()
    expect(page.get_by_test_id("selection-status")).to_have_attribute("data-status", "selected")
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("li")).to_have_count(3)

    # the provider is in the pool
    page.goto(f"{live_server.url}/c/{CITY}/providers/?status=selected")
    expect(page.get_by_test_id("provider-table")).to_contain_text(PROVIDER)
