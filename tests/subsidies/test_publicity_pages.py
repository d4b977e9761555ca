"""Publicity pages: the officials' list, publishing, one publicity with its objections; the
public pages without login; refusals shown next to the field that change nothing; another
city's publicity or objection is 404; fixed query counts on the lists."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from subsidies import publicity
from subsidies.models import Objection, Publicity
from tests.subsidies.publicity_helpers import (
    TRANSFORMATION_ZH,
    build_world,
    close,
    make_claim,
    shift,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def url(name, world, **kwargs):
    return reverse(name, kwargs={"city_code": world["city"].code, **kwargs})


def publish(world, claims, title="2025年第一批补助公示"):
    today = timezone.localdate()
    return publicity.publicity_create(
        actor=world["admin"], city=world["city"], title=title, starts_on=today,
        ends_on=today + timedelta(days=7), contact="市工信局 024-12345678",
        claims=[c.pk for c in claims],
    )  # fmt: skip


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# -- the officials' pages --------------------------------------------------------------------


def test_the_city_admin_publishes_from_the_page(world):
    claim = make_claim(world["city"], enterprise=world["enterprise"], amount="500000.00")
    computed = make_claim(world["city"], enterprise=world["neighbour"], status="computed")
    client = logged_in(world["admin"])
    today = timezone.localdate()

    form = client.get(url("subsidy-publicity-create", world))
    posted = client.post(
        url("subsidy-publicity-create", world),
        {"title": "第一批公示", "starts_on": today.isoformat(),
         "ends_on": (today + timedelta(days=5)).isoformat(),
         "contact": "市工信局", "claims": [claim.pk]},
    )  # fmt: skip

    body = form.content.decode()
    assert form.status_code == 200
    assert f'value="{claim.pk}"' in body and f'value="{computed.pk}"' not in body
    assert TRANSFORMATION_ZH in body  # the rule line's name
    created = Publicity.objects.get(city=world["city"])
    assert posted.status_code == 302
    assert posted["Location"] == url("subsidy-publicity-detail", world, pk=created.pk)


def test_a_refused_publicity_keeps_what_was_typed_and_says_why(world):
    claim = make_claim(world["city"], enterprise=world["enterprise"])
    client = logged_in(world["admin"])
    yesterday = timezone.localdate() - timedelta(days=1)

    response = client.post(
        url("subsidy-publicity-create", world),
        {"title": "补登公示", "starts_on": yesterday.isoformat(),
         "ends_on": yesterday.isoformat(), "contact": "市工信局", "claims": [claim.pk]},
    )  # fmt: skip

    body = response.content.decode()
    assert response.status_code == 400
    assert "cannot start before today" in body and 'data-testid="starts_on-error"' in body
    assert "补登公示" in body and "checked" in body
    assert not Publicity.objects.filter(city=world["city"]).exists()


def test_only_the_city_admin_may_publish_but_finance_and_audit_read(world):
    published = publish(world, [make_claim(world["city"], enterprise=world["enterprise"])])

    for who in ("finance", "auditor"):
        client = logged_in(world[who])
        assert client.get(url("subsidy-publicity-list", world)).status_code == 200
        detail = client.get(url("subsidy-publicity-detail", world, pk=published.pk))
        assert (
            detail.status_code == 200
            and 'data-testid="objection-form"' not in detail.content.decode()
        )
        assert client.get(url("subsidy-publicity-create", world)).status_code == 403
    for who in ("owner", "officer"):
        assert logged_in(world[who]).get(url("subsidy-publicity-list", world)).status_code == 403


def test_objections_are_recorded_and_resolved_on_the_publicity_page(world):
    # given
    claim = make_claim(world["city"], enterprise=world["enterprise"])
    published = publish(world, [claim])
    client = logged_in(world["admin"])
    detail = url("subsidy-publicity-detail", world, pk=published.pk)

    # when: an objection, then its resolution without and with the reasoning
    recorded = client.post(
        url("subsidy-objection-create", world, pk=published.pk),
        {"claim": claim.pk, "raised_by": "张三", "content": "项目未完工"},
    )
    objection = Objection.objects.get(item__claim=claim)
    resolve = url("subsidy-objection-resolve", world, pk=objection.pk)
    prefix = f"o{objection.pk}"
    no_reason = client.post(resolve, {f"{prefix}-outcome": "dismissed", f"{prefix}-resolution": ""})
    resolved = client.post(
        resolve, {f"{prefix}-outcome": "dismissed", f"{prefix}-resolution": "经核查已完工"}
    )
    page = client.get(detail).content.decode()

    # then
    assert recorded.status_code == 302 and recorded["Location"] == detail
    assert no_reason.status_code == 400
    assert 'data-testid="resolution-error"' in no_reason.content.decode()
    assert resolved.status_code == 302
    objection.refresh_from_db()
    assert (objection.status, objection.resolution) == ("dismissed", "经核查已完工")
    assert "张三" in page and "项目未完工" in page and "经核查已完工" in page
    assert 'data-testid="resolve-form"' not in page  # nothing left open


def test_an_objection_against_a_claim_not_listed_is_refused_next_to_the_field(world):
    listed = make_claim(world["city"], enterprise=world["enterprise"])
    published = publish(world, [listed])
    client = logged_in(world["admin"])

    response = client.post(
        url("subsidy-objection-create", world, pk=published.pk),
        {"claim": 999999, "raised_by": "张三", "content": "异议"},
    )

    assert response.status_code == 400
    assert 'data-testid="claim-error"' in response.content.decode()
    assert not Objection.objects.exists()


def test_another_city_s_publicity_and_objection_are_not_found(world):
    claim = make_claim(world["city"], enterprise=world["enterprise"])
    published = publish(world, [claim])
    objection = publicity.objection_record(
        actor=world["admin"], publicity=published, claim=claim, raised_by="张三", content="异议"
    )
    client = logged_in(world["other_admin"])
    own = world["other_city"].code

    def at(name, pk):
        return reverse(name, kwargs={"city_code": own, "pk": pk})

    assert client.get(at("subsidy-publicity-detail", published.pk)).status_code == 404
    posted = client.post(
        at("subsidy-objection-create", published.pk),
        {"claim": claim.pk, "raised_by": "x", "content": "x"},
    )
    resolved = client.post(
        at("subsidy-objection-resolve", objection.pk),
        {f"o{objection.pk}-outcome": "upheld", f"o{objection.pk}-resolution": "x"},
    )
    assert (posted.status_code, resolved.status_code) == (404, 404)
    objection.refresh_from_db()
    assert Objection.objects.count() == 1 and objection.status == "open"


@pytest.mark.parametrize("size", [2, 12])
def test_the_list_runs_a_fixed_number_of_queries(world, size, django_assert_max_num_queries):
    for n in range(size):
        claim = make_claim(world["city"], enterprise=world["enterprise"])
        published = publish(world, [claim], title=f"公示{n}")
        publicity.objection_record(
            actor=world["admin"], publicity=published, claim=claim, raised_by="x", content="x"
        )
        close(published)
    client = logged_in(world["admin"])

    # session, user, memberships, city; the page's count and its rows (figures as subqueries)
    with django_assert_max_num_queries(6):
        response = client.get(url("subsidy-publicity-list", world))

    assert response.status_code == 200 and len(response.context["page"]) == size
    assert all(p.open_objections == 1 and p.item_count == 1 for p in response.context["page"])


@pytest.mark.parametrize("size", [2, 12])
def test_the_detail_runs_a_fixed_number_of_queries(world, size, django_assert_max_num_queries):
    claims = [make_claim(world["city"], enterprise=world["enterprise"]) for _ in range(size)]
    published = publish(world, claims)
    for claim in claims:
        publicity.objection_record(
            actor=world["admin"], publicity=published, claim=claim, raised_by="x", content="x"
        )
    client = logged_in(world["admin"])

    # session, user, memberships, city; publicity, items, objections; rule line names
    with django_assert_max_num_queries(8):
        response = client.get(url("subsidy-publicity-detail", world, pk=published.pk))

    assert response.status_code == 200 and len(response.context["rows"]) == size


# -- the public pages ------------------------------------------------------------------------


def test_the_public_pages_show_what_was_published_and_nothing_else(world):
    # given: a closed publicity with an objection, a running one, one not started yet
    past_claim = make_claim(world["city"], enterprise=world["enterprise"], amount="500000.00")
    past = publish(world, [past_claim], title="第一批补助公示")
    publicity.objection_record(
        actor=world["admin"], publicity=past, claim=past_claim, raised_by="举报人王五",
        content="内部异议内容",
    )  # fmt: skip
    close(past)
    current = publish(
        world, [make_claim(world["city"], enterprise=world["neighbour"], amount="150000.00")],
        title="第二批补助公示",
    )  # fmt: skip
    future = shift(
        publish(world, [make_claim(world["city"], provider=world["provider"])], title="第三批"),
        starts_days=3, ends_days=10,
    )  # fmt: skip
    client = Client()  # nobody logged in

    # when
    listed = client.get(url("public-subsidy-publicity-list", world)).content.decode()
    shown = client.get(url("public-subsidy-publicity", world, pk=past.pk)).content.decode()
    running = client.get(url("public-subsidy-publicity", world, pk=current.pk)).content.decode()
    hidden = client.get(url("public-subsidy-publicity", world, pk=future.pk))

    # then
    assert "第一批补助公示" in listed and "第二批补助公示" in listed and "第三批" not in listed
    assert "沈阳精密机械有限公司" in shown and TRANSFORMATION_ZH in shown
    assert "500,000.00" in shown and "市工信局 024-12345678" in shown
    assert "举报人王五" not in shown and "内部异议内容" not in shown
    assert "沈阳重工装备有限公司" in running and "150,000.00" in running
    assert hidden.status_code == 404


def test_a_public_page_never_shows_another_city_s_publicity(world):
    own = publish(world, [make_claim(world["city"], enterprise=world["enterprise"])])
    client = Client()

    response = client.get(
        reverse(
            "public-subsidy-publicity",
            kwargs={"city_code": world["other_city"].code, "pk": own.pk},
        )
    )
    listed = client.get(
        reverse("public-subsidy-publicity-list", kwargs={"city_code": world["other_city"].code})
    )

    assert response.status_code == 404
    assert "沈阳精密机械有限公司" not in listed.content.decode()
    assert client.get("/public/nowhere/subsidies/").status_code == 404


@pytest.mark.parametrize("size", [2, 12])
def test_the_public_list_runs_a_fixed_number_of_queries(world, size, django_assert_max_num_queries):
    for n in range(size):
        publish(
            world, [make_claim(world["city"], enterprise=world["enterprise"])], title=f"公示{n}"
        )
    client = Client()

    # city; count; rows with their figures
    with django_assert_max_num_queries(3):
        response = client.get(url("public-subsidy-publicity-list", world))

    assert response.status_code == 200 and len(response.context["page"]) == size


@pytest.mark.parametrize("size", [2, 12])
def test_the_public_detail_runs_a_fixed_number_of_queries(
    world, size, django_assert_max_num_queries
):
    claims = [make_claim(world["city"], enterprise=world["enterprise"]) for _ in range(size)]
    published = publish(world, claims)
    client = Client()

    # city; publicity; items with their claims; rule line names
    with django_assert_max_num_queries(4):
        response = client.get(url("public-subsidy-publicity", world, pk=published.pk))

    assert response.status_code == 200 and len(response.context["rows"]) == size
