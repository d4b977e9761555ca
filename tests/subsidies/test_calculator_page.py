"""The calculator page (/c/<city>/subsidies/calculator/): pick a line, enter its figures, see the
amount and the explanation in Chinese and English; works as a plain GET form (no script)."""

import html
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from subsidies.models import RulebookVersion
from tests.factories import CityFactory, EnterpriseFactory, ProviderFactory
from tests.subsidies.preview_helpers import city_with_rulebook, line, member, version_from

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user, city, **query):
    client = user if isinstance(user, Client) else logged_in(user)
    return client.get(f"/c/{city.code}/subsidies/calculator/", query)


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


@pytest.fixture
def shenyang():
    return city_with_rulebook("shenyang")


def test_it_lists_the_city_lines_named_in_chinese_and_english(shenyang):
    response = page(member(shenyang, "city_admin"), shenyang)

    assert response.status_code == 200
    body = text(response)
    assert 'data-kind="transformation"' in body
    assert "中小企业数字化转型改造补贴（先建后补）" in body
    assert "Transformation subsidy (built first, subsidised after)" in body
    assert body.count('<li><a href="?kind=') == 8  # Shenyang's eight lines


def test_choosing_a_line_asks_for_its_inputs_only(shenyang):
    body = text(page(member(shenyang, "city_admin"), shenyang, kind="transformation"))

    assert 'name="level"' in body and 'name="investment"' in body
    assert 'name="fee"' not in body
    assert "可补助投资的 二级及以上：50%，封顶 500,000.00" in body  # what the line pays

    diagnosis = text(page(member(shenyang, "city_admin"), shenyang, kind="diagnosis"))
    assert 'name="fee"' in diagnosis and 'name="level"' not in diagnosis


def test_it_shows_the_amount_and_the_explanation_in_both_languages(shenyang):
    user = member(shenyang, "enterprise", enterprise=EnterpriseFactory(city=shenyang))

    response = page(user, shenyang, kind="transformation", level="2", investment="1200000",
                    compute="1")  # fmt: skip

    body = text(response)
    assert response.status_code == 200
    assert '<span data-testid="amount">500,000.00</span>' in body
    assert (
        "数字化水平 二级；可补助投资 1,200,000.00 × 50% = 600,000.00；封顶 500,000.00；"
        "补助 500,000.00" in body
    )
    assert "digital level 2; eligible investment 1,200,000.00 × 50% = 600,000.00" in body
    assert '<td class="num" data-testid="step-rate">50%</td>' in body
    assert '<td class="num" data-testid="step-cap">500,000.00</td>' in body
    # what was typed stays in the form
    assert 'value="1200000"' in body and '<option value="2" selected>' in body


def test_a_bad_number_is_shown_next_to_its_field_and_kept(shenyang):
    response = page(member(shenyang, "city_admin"), shenyang, kind="transformation", level="2",
                    investment="12万", compute="1")  # fmt: skip

    body = text(response)
    assert 'data-testid="investment-error"' in body
    assert "可补助投资须为金额" in body and "investment must be an amount" in body
    assert 'value="12万"' in body
    assert 'data-testid="result"' not in body


def test_a_missing_required_input_is_named(shenyang):
    body = text(page(member(shenyang, "city_admin"), shenyang, kind="diagnosis", compute="1"))

    assert 'data-testid="fee-error"' in body
    assert "fee is required for diagnosis" in body


def test_an_unknown_line_is_refused_listing_the_city_lines(shenyang):
    body = text(page(member(shenyang, "city_admin"), shenyang, kind="platform"))

    assert "unknown kind: platform; this city's kinds: transformation, chain_case" in body


def test_an_enterprise_sees_its_own_exclusions_applied(shenyang):
    enterprise = EnterpriseFactory(city=shenyang, name="沈阳小巨人有限公司",
                                   central_fund_little_giant=True)  # fmt: skip
    user = member(shenyang, "enterprise", enterprise=enterprise)

    form = text(page(user, shenyang, kind="transformation"))
    applied = text(page(user, shenyang, kind="transformation", level="2", investment="1200000",
                        enterprise=str(enterprise.pk), compute="1"))  # fmt: skip
    alone = text(page(user, shenyang, kind="transformation", level="2", investment="1200000",
                      enterprise="", compute="1"))  # fmt: skip

    assert f'<option value="{enterprise.pk}" selected>沈阳小巨人有限公司</option>' in form
    assert '<span data-testid="amount">0.00</span>' in applied
    assert "little giant already funded by the central SME development fund" in applied
    assert re.search(r'data-testid="applied-enterprise">[^<]*沈阳小巨人有限公司', applied)
    assert '<span data-testid="amount">500,000.00</span>' in alone


def test_an_official_names_an_enterprise_by_its_credit_code(shenyang):
    enterprise = EnterpriseFactory(city=shenyang, in_2022_pilot=True)
    admin = member(shenyang, "city_admin")

    body = text(page(admin, shenyang, kind="transformation", level="3", investment="300000",
                     enterprise_uscc=enterprise.uscc.lower(), compute="1"))  # fmt: skip

    assert '<span data-testid="amount">0.00</span>' in body
    assert "already in the 2022 transformation pilot" in body


def test_an_enterprise_of_another_city_is_not_found_by_its_code(shenyang):
    elsewhere = EnterpriseFactory(city=CityFactory())

    body = text(page(member(shenyang, "city_admin"), shenyang, kind="diagnosis", fee="100",
                     enterprise_uscc=elsewhere.uscc, compute="1"))  # fmt: skip

    assert 'data-testid="enterprise-error"' in body
    assert 'data-testid="result"' not in body


def test_a_provider_may_use_the_calculator_without_naming_an_enterprise(shenyang):
    user = member(shenyang, "provider", provider=ProviderFactory())

    body = text(page(user, shenyang, kind="chain_case", requested="600000", compute="1"))

    assert '<span data-testid="amount">500,000.00</span>' in body
    assert 'name="enterprise_uscc"' not in body and 'name="enterprise"' not in body


def test_a_version_not_yet_in_effect_can_be_tried_by_those_who_keep_the_rules(shenyang):
    base = RulebookVersion.objects.get(city=shenyang)
    future = version_from(
        base, version="2026.1", effective_from=timezone.localdate() + timedelta(days=60),
        mutate=lambda data: line(data, "diagnosis")["params"].update(cap="9000.00"),
    )  # fmt: skip
    query = {"kind": "diagnosis", "fee": "9500", "version": str(future.pk), "compute": "1"}

    admin = page(member(shenyang, "city_admin"), shenyang, **query)
    enterprise = page(
        member(shenyang, "enterprise", enterprise=EnterpriseFactory(city=shenyang)),
        shenyang, **query,
    )  # fmt: skip

    assert '<span data-testid="amount">9,000.00</span>' in text(admin)
    assert "2026.1" in text(admin)
    assert enterprise.status_code == 404


def test_a_city_without_a_rulebook_says_so():
    city = CityFactory()

    response = page(member(city, "city_admin"), city)

    assert response.status_code == 200
    assert "has no subsidy rulebook in effect" in text(response)


def test_another_city_calculator_is_404(shenyang):
    stranger = member(CityFactory(), "city_admin")

    assert page(stranger, shenyang).status_code == 404


def test_it_needs_a_login(shenyang):
    response = Client().get(f"/c/{shenyang.code}/subsidies/calculator/")

    assert response.status_code == 302


@pytest.mark.parametrize("role", ["city_admin", "enterprise"])
def test_the_page_costs_a_fixed_number_of_queries(shenyang, role, django_assert_num_queries):
    extra = {"enterprise": EnterpriseFactory(city=shenyang)} if role == "enterprise" else {}
    client = logged_in(member(shenyang, role, **extra))
    query = {"kind": "transformation", "level": "2", "investment": "1", "compute": "1"}
    if extra:
        query["enterprise"] = str(extra["enterprise"].pk)

    # session, user, city, memberships, the version in effect; for an enterprise also its own
    # enterprises and the chosen one (its batch only for a line with falling rates)
    with django_assert_num_queries(5 if role == "city_admin" else 7):
        page(client, shenyang, **query)
