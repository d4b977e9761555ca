"""An assessor fills a diagnosis questionnaire in a real browser: the score and the level in the
summary panel follow the answers (scored by the server as they answer), a "none" option
unticks the others, unanswered questions are marked until answered, a draft is saved, and the
complete questionnaire is submitted."""

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from assessments import services
from assessments.data.loader import shipped_editions_load
from assessments.models import Assessment
from assessments.templates import current_edition, template_spec
from tests.browser.test_pages import log_in
from tests.factories import (
    PASSWORD,
    CityFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

ENTERPRISE = "沈阳精密轴承有限公司"
# Six constraint scenes: with them at level 2 the scene conditions of levels 1 and 2 hold.
CONSTRAINT_SIX = ("product_design", "marketing", "production_control", "quality", "equipment",
                  "safety")  # fmt: skip


@pytest.fixture
def assessment_world(transactional_db, live_server):
    """A city with an enterprise, its city administrator and an assessor, and a diagnosis the
    administrator assigned to the assessor (committed, for the live server)."""
    shipped_editions_load(apps)  # a transactional test before this one flushed the migration's
    city = CityFactory(code="assesscity", name="评测市")
    enterprise = EnterpriseFactory(city=city, name=ENTERPRISE)
    admin = MembershipFactory(
        city=city, role="city_admin", user=UserFactory(username="assess-city-admin")
    ).user
    assessor = MembershipFactory(
        city=city, role="assessor", user=UserFactory(username="assess-assessor")
    ).user
    assessment = services.assessment_create(
        admin, city, enterprise=enterprise, kind="diagnosis", assessor=assessor
    )
    return {"city": city, "assessment": assessment}


def expect_level(page: Page, level: str) -> None:
    expect(page.get_by_test_id("summary")).to_have_attribute("data-level", level)


def test_an_assessor_sees_the_level_change_as_they_answer(page, live_server, assessment_world):
    city, assessment = assessment_world["city"], assessment_world["assessment"]
    spec = template_spec(current_edition())
    questions = spec.questions()

    # the assessor finds the assessment on the list and opens its questionnaire
    log_in(page, live_server, "assess-assessor", PASSWORD)
    expect(page.locator("header .who")).to_have_text("assess-assessor")
    page.goto(f"{live_server.url}/c/{city.code}/assessments/")
    page.locator(f"tr[data-assessment='{assessment.pk}'] a").first.click()
    page.get_by_test_id("open-questionnaire").click()
    form = page.get_by_test_id("questionnaire")
    expect(form).to_be_visible()
    expect_level(page, "none")
    expect(page.get_by_test_id("total")).to_have_text("0.00")
    counter = page.get_by_test_id("unanswered-count")
    expect(counter).to_have_attribute("data-count", str(len(questions)))
    network = form.locator("[data-question=network]")
    expect(network).to_have_class("question unanswered")

    # "none" unticks the other options, and another option unticks "none"
    form.locator("#q-network-b").check()
    form.locator("#q-network-c").check()
    expect(network).not_to_have_class("question unanswered")
    form.locator("#q-network-a").check()
    expect(form.locator("#q-network-b")).not_to_be_checked()
    expect(form.locator("#q-network-c")).not_to_be_checked()
    form.locator("#q-network-d").check()
    expect(form.locator("#q-network-a")).not_to_be_checked()
    expect(counter).to_have_attribute("data-count", str(len(questions) - 1))

    # every question at its best: 100 points, but no scene judged yet, so still no level
    for code, question in questions.items():
        if question.kind == "single":
            best = max(question.options, key=lambda o: o.points)
            form.locator(f"#q-{code}-{best.code}").check()
        else:
            for option in question.options:
                if not option.exclusive:
                    form.locator(f"#q-{code}-{option.code}").check()
    expect(page.get_by_test_id("total")).to_have_text("100.00")
    expect(counter).to_have_attribute("data-count", "0")
    expect_level(page, "none")
    expect(page.get_by_test_id("level-reason")).to_contain_text("< 6")

    # six constraint scenes at level 2: levels 1 and 2 hold
    for code in CONSTRAINT_SIX:
        form.locator(f"#s-{code}").select_option("2")
    expect_level(page, "2")
    expect(page.locator("[data-level-row='2']")).to_have_attribute("data-held", "1")
    expect(page.locator("[data-level-row='3']")).to_have_attribute("data-held", "0")

    # every scene at level 4: level 4
    for scene in spec.scenes:
        form.locator(f"#s-{scene.code}").select_option("4")
    expect_level(page, "4")
    expect(counter).to_have_attribute("data-unjudged", "0")

    # the draft is saved and the page shows the score the server stored
    page.get_by_test_id("save").click()
    expect(page.locator(".messages")).to_be_visible()
    expect_level(page, "4")
    assessment.refresh_from_db()
    assert (assessment.status, assessment.level, str(assessment.total_score)) == (
        "draft", 4, "100.00",
    )  # fmt: skip

    # then submitted
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "submitted")
    expect(page.get_by_test_id("timeline")).to_contain_text("assess-assessor")
    assert Assessment.objects.get(pk=assessment.pk).status == "submitted"
