"""Rulebook versions: a city admin sees the versions and makes a new one from another (validated
on save, every problem listed, nothing saved otherwise); a used version is read-only; history
and the audit log say who changed what. Pages and rulebook-versions/ in the API."""

import html
import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from pilot_portal.audit.models import AuditEntry
from subsidies import rulebook_versions as versions
from subsidies.models import RulebookVersion, SubsidyClaim, SubsidyComputation
from subsidies.rulebooks import rulebook_in_effect
from tests.factories import CityFactory, EnterpriseFactory, ProviderFactory
from tests.subsidies.preview_helpers import api, city_with_rulebook, line, member, version_from

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def pages(city, tail="") -> str:
    return f"/c/{city.code}/subsidies/rulebooks/{tail}"


def endpoint(city, tail="") -> str:
    return f"/api/v1/cities/{city.code}/rulebook-versions/{tail}"


@pytest.fixture
def city():
    return city_with_rulebook("shenyang")


@pytest.fixture
def shipped(city):
    return RulebookVersion.objects.get(city=city)


@pytest.fixture
def admin(city):
    return member(city, "city_admin")


def used(version):
    """Compute one claim under `version`, as the claims' services do."""
    claim = SubsidyClaim.objects.create(
        city=version.city, kind="diagnosis", enterprise=EnterpriseFactory(city=version.city)
    )
    return SubsidyComputation.objects.create(
        city=version.city, claim=claim, rulebook=version, facts={}, inputs_digest="d",
        amount=Decimal("7000.00"), eligible=True, explanation_zh="", explanation_en="",
    )  # fmt: skip


def form(base, **changes) -> dict:
    data = json.loads(json.dumps(base.data))
    line(data, "transformation")["params"]["levels"][0]["cap"] = "450000.00"
    return {
        "version": "2026.1",
        "effective_from": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "note": "改造补贴封顶降至 45 万 / transformation cap lowered to 450,000",
        "data": json.dumps(data, ensure_ascii=False),
        **changes,
    }


# -- the list and a version -------------------------------------------------------------------


def test_the_list_shows_each_version_and_the_one_in_effect(city, shipped, admin):
    future = version_from(shipped, version="2026.1",
                          effective_from=timezone.localdate() + timedelta(days=30))  # fmt: skip

    body = text(client_for(admin).get(pages(city)))

    assert f'<tr data-version="{shipped.pk}" data-in-effect="1">' in body
    assert f'<tr data-version="{future.pk}">' in body
    assert body.count('<span class="badge upcoming">') == 1
    assert body.index(f'data-version="{future.pk}"') < body.index(f'data-version="{shipped.pk}"')


@pytest.mark.parametrize("extra_versions", [0, 5])
def test_the_list_costs_a_fixed_number_of_queries(
    city, shipped, admin, extra_versions, django_assert_num_queries
):
    for n in range(extra_versions):
        used(version_from(shipped, version=f"2024.{n}", effective_from=date(2024, 1, 1 + n)))
    client = client_for(admin)

    # session, user, city, memberships, the versions (with "used" and who made them)
    with django_assert_num_queries(5):
        assert client.get(pages(city)).status_code == 200


def test_a_version_shows_its_lines_dates_and_note_in_a_table(city, shipped, admin):
    body = text(client_for(admin).get(pages(city, f"{shipped.pk}/")))

    assert 'data-testid="in-effect"' in body
    assert '<dd data-testid="effective-from">2023-08-01</dd>' in body
    assert "2025-12-31" in body
    assert "effective from the plan approval" in body  # the shipped note
    assert '<tr data-line="transformation">' in body
    assert "可补助投资的 二级及以上：50%，封顶 500,000.00" in body
    assert "of the eligible investment, level 2 and above: 50%, cap 500,000.00" in body
    assert "按实际费用，封顶 7,000.00" in body  # diagnosis
    assert "不超过 500,000.00，一次性" in body  # chain case
    assert "002 第四条（一）" in body


def test_the_new_version_form_starts_from_the_version_with_the_next_label(city, shipped, admin):
    body = text(client_for(admin).get(pages(city, f"{shipped.pk}/new/")))

    assert 'value="2023.2"' in body
    assert '"code": "transformation"' in body  # the JSON to edit


# -- making a new version ----------------------------------------------------------------------


def test_a_new_version_is_saved_superseding_its_base_and_audited(city, shipped, admin):
    response = client_for(admin).post(pages(city, f"{shipped.pk}/new/"), form(shipped))

    created = RulebookVersion.objects.get(city=city, version="2026.1")
    assert response.status_code == 302
    assert response["Location"] == pages(city, f"{created.pk}/")
    assert created.supersedes == shipped
    assert created.created_by == admin
    assert created.effective_from == timezone.localdate() + timedelta(days=30)
    assert created.data["version"] == "2026.1"
    assert created.data["effective_from"] == created.effective_from.isoformat()
    assert line(created.data, "transformation")["params"]["levels"][0]["cap"] == "450000.00"
    assert created.note.startswith("改造补贴封顶降至")
    entry = AuditEntry.objects.get(action="subsidy.rulebook_version.create", object_id=created.pk)
    assert (entry.actor, entry.city_code, entry.reason) == (admin, city.code, created.note)
    assert entry.data["supersedes"] == "2023.1"
    assert [h.history_user for h in created.history.all()] == [admin]
    # the version in effect is still the shipped one until the date comes
    assert rulebook_in_effect(city) == shipped
    assert rulebook_in_effect(city, on=created.effective_from) == created


def test_a_refused_rulebook_lists_every_problem_and_saves_nothing(city, shipped, admin):
    data = json.loads(json.dumps(shipped.data))
    line(data, "transformation")["params"]["levels"][0]["cap"] = "-1"
    line(data, "diagnosis")["kind"] = "percentage"
    before = (RulebookVersion.objects.count(), AuditEntry.objects.count())

    response = client_for(admin).post(
        pages(city, f"{shipped.pk}/new/"), form(shipped, data=json.dumps(data))
    )

    body = text(response)
    assert response.status_code == 400
    listed = re.search(r'<ul class="rule-errors error">(.*?)</ul>', body).group(1)
    assert listed.count("<li>") == 2
    assert "lines[transformation].params.levels[0].cap：金额不能为负数（-1）" in body
    assert "negative amount (-1)" in body
    assert "lines[diagnosis].kind" in body and "unknown rule kind (percentage)" in body
    assert '"kind": "percentage"' in body  # what was typed is kept
    assert (RulebookVersion.objects.count(), AuditEntry.objects.count()) == before


def test_json_that_does_not_parse_is_named_with_its_line(city, shipped, admin):
    response = client_for(admin).post(
        pages(city, f"{shipped.pk}/new/"), form(shipped, data='{"city": "shenyang",\n "lines": [}')
    )

    assert response.status_code == 400
    assert "not valid JSON (line 2" in text(response)
    assert not RulebookVersion.objects.filter(version="2026.1").exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"version": "2023.1"}, "version", "version 2023.1 already exists"),
        ({"effective_from": "2023-08-01"}, "effective_from", "after the version it supersedes"),
        ({"note": "  "}, "note", ""),  # the form itself requires it
    ],
)
def test_a_refused_label_date_or_note_is_shown_by_its_field(
    city, shipped, admin, change, field, message
):
    response = client_for(admin).post(pages(city, f"{shipped.pk}/new/"), form(shipped, **change))

    body = text(response)
    assert response.status_code == 400
    assert f'data-testid="{field}-error"' in body
    assert message in body
    assert RulebookVersion.objects.filter(city=city).count() == 1


def test_a_new_version_may_add_falling_rates(city, shipped, admin):
    data = json.loads(json.dumps(shipped.data))
    data["falling_rates"] = [{"line": "transformation", "from_batch": 2, "factor": "0.90",
                              "source": "测试 / test"}]  # fmt: skip

    client_for(admin).post(pages(city, f"{shipped.pk}/new/"), form(shipped, data=json.dumps(data)))

    created = RulebookVersion.objects.get(city=city, version="2026.1")
    body = text(client_for(admin).get(pages(city, f"{created.pk}/")))
    assert "第2批起 × 0.9 / from batch 2: × 0.9" in body


# -- read-only once used ------------------------------------------------------------------------


def test_a_used_version_cannot_be_changed(city, shipped, admin):
    used(shipped)
    before = json.dumps(shipped.data, sort_keys=True)
    client = client_for(admin)

    page = client.get(pages(city, f"{shipped.pk}/edit/"))
    post = client.post(pages(city, f"{shipped.pk}/edit/"), form(shipped))

    assert page.status_code == 409 and 'data-testid="read-only"' in text(page)
    assert post.status_code == 409 and 'data-testid="read-only"' in text(post)
    shipped.refresh_from_db()
    assert json.dumps(shipped.data, sort_keys=True) == before
    assert 'data-testid="edit-version"' not in text(client.get(pages(city, f"{shipped.pk}/")))
    # the service refuses too, whatever calls it
    with pytest.raises(versions.Conflict):
        versions.rulebook_version_update(
            actor=admin, version=shipped, data=shipped.data,
            effective_from=shipped.effective_from, note="x",
        )  # fmt: skip


def test_an_unused_version_can_be_changed_with_history(city, shipped, admin):
    draft = version_from(shipped, version="2026.1",
                         effective_from=timezone.localdate() + timedelta(days=30))  # fmt: skip

    response = client_for(admin).post(
        pages(city, f"{draft.pk}/edit/"), form(draft, version="ignored", note="改日期 / new date")
    )

    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.version == "2026.1"  # the label of a version never changes
    assert line(draft.data, "transformation")["params"]["levels"][0]["cap"] == "450000.00"
    assert draft.note == "改日期 / new date"
    assert draft.history.first().history_user == admin
    assert AuditEntry.objects.filter(action="subsidy.rulebook_version.update",
                                     object_id=draft.pk).exists()  # fmt: skip


# -- who ------------------------------------------------------------------------------------


def test_finance_reads_the_versions_but_cannot_make_one(city, shipped):
    client = client_for(member(city, "finance_officer"))

    assert client.get(pages(city)).status_code == 200
    assert client.get(pages(city, f"{shipped.pk}/")).status_code == 200
    assert client.get(pages(city, f"{shipped.pk}/new/")).status_code == 403
    assert client.post(pages(city, f"{shipped.pk}/new/"), form(shipped)).status_code == 403
    assert RulebookVersion.objects.filter(city=city).count() == 1


@pytest.mark.parametrize("role", ["enterprise", "district_officer", "expert", "provider"])
def test_other_roles_are_refused(city, shipped, role):
    extra = {"enterprise": EnterpriseFactory(city=city)} if role == "enterprise" else {}
    if role == "provider":
        extra = {"provider": ProviderFactory()}
    user = member(city, role, **extra)

    assert client_for(user).get(pages(city)).status_code == 403
    assert client_for(user).get(pages(city, f"{shipped.pk}/")).status_code == 403
    assert api(user).get(endpoint(city)).status_code == 403


def test_another_city_version_is_404(city, admin):
    elsewhere = city_with_rulebook("xiamen")
    other = RulebookVersion.objects.get(city=elsewhere)
    client = client_for(admin)

    for tail in ("", "new/", "edit/"):
        assert client.get(pages(city, f"{other.pk}/{tail}")).status_code == 404
    assert client.post(pages(city, f"{other.pk}/new/"), form(other)).status_code == 404
    assert api(admin).get(endpoint(city, f"{other.pk}/")).status_code == 404
    assert api(admin).patch(endpoint(city, f"{other.pk}/"), {}, format="json").status_code == 404
    assert RulebookVersion.objects.filter(city=elsewhere).count() == 1


# -- the API ------------------------------------------------------------------------------------


def test_the_api_lists_versions_with_the_one_in_effect(city, shipped):
    future = version_from(shipped, version="2026.1",
                          effective_from=timezone.localdate() + timedelta(days=30))  # fmt: skip

    response = api(member(city, "auditor")).get(endpoint(city))

    assert response.status_code == 200
    rows = response.json()
    assert [(r["id"], r["in_effect"], r["used"]) for r in rows] == [
        (future.pk, False, False), (shipped.pk, True, False)
    ]  # fmt: skip
    assert rows[0]["supersedes"] == shipped.pk


def test_the_api_detail_has_the_data_and_the_lines_in_words(city, shipped):
    body = api(member(city, "finance_officer")).get(endpoint(city, f"{shipped.pk}/")).json()

    assert body["data"]["city"] == "shenyang"
    assert body["lines"][0]["terms_en"] == (
        "of the eligible investment, level 2 and above: 50%, cap 500,000.00"
    )
    assert body["computations"] == 0


def test_the_api_creates_a_version_from_the_one_in_effect(city, shipped, admin):
    data = json.loads(json.dumps(shipped.data))
    line(data, "diagnosis")["params"]["cap"] = "8000.00"

    response = api(admin).post(endpoint(city), {
        "effective_from": "2026-01-01", "effective_to": None, "data": data,
        "note": "诊断封顶 8000 / diagnosis cap 8,000",
    }, format="json")  # fmt: skip

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["version"], body["supersedes"], body["effective_from"]) == (
        "2023.2",
        shipped.pk,
        "2026-01-01",
    )
    assert body["effective_to"] is None
    assert AuditEntry.objects.filter(action="subsidy.rulebook_version.create").count() == 1


def test_the_api_keeps_the_data_end_date_unless_told(city, shipped, admin):
    response = api(admin).post(endpoint(city), {
        "effective_from": "2026-01-01", "note": "x", "data": shipped.data,
    }, format="json")  # fmt: skip

    assert response.status_code == 400
    assert "effective_to before effective_from" in response.json()["data"][0]


def test_the_api_lists_every_rulebook_problem_under_data(city, shipped, admin):
    data = json.loads(json.dumps(shipped.data))
    data["lines"][0]["params"] = {}
    data["currency"] = "USD"

    response = api(admin).post(endpoint(city), {
        "base": shipped.pk, "effective_from": "2026-01-01", "note": "x", "data": data,
    }, format="json")  # fmt: skip

    assert response.status_code == 400
    errors = response.json()["data"]
    assert any("currency must be CNY" in e for e in errors)
    assert any("missing level bands" in e for e in errors)
    assert RulebookVersion.objects.filter(city=city).count() == 1


def test_the_api_refuses_to_change_a_used_version(city, shipped, admin):
    used(shipped)

    response = api(admin).patch(endpoint(city, f"{shipped.pk}/"), {
        "effective_from": "2023-08-01", "note": "x", "data": shipped.data,
    }, format="json")  # fmt: skip

    assert response.status_code == 409
    assert "read-only" in response.json()["detail"]


def test_only_the_city_admin_creates_through_the_api(city, shipped):
    finance = member(city, "finance_officer")

    response = api(finance).post(endpoint(city), {
        "effective_from": "2026-01-01", "note": "x",
    }, format="json")  # fmt: skip

    assert response.status_code == 403
    assert RulebookVersion.objects.filter(city=city).count() == 1


def test_a_member_of_another_city_gets_404(city):
    assert api(member(CityFactory(), "city_admin")).get(endpoint(city)).status_code == 404


# -- the admin ------------------------------------------------------------------------------


@pytest.fixture
def staff():
    from tests.factories import UserFactory

    return UserFactory(username="rulebook-staff", is_staff=True, is_superuser=True)


def test_the_admin_shows_a_used_version_read_only(city, shipped, staff):
    used(shipped)
    client = client_for(staff)
    url = f"/admin/subsidies/rulebookversion/{shipped.pk}/change/"

    page = client.get(url)
    post = client.post(url, {"effective_from": "2023-09-01", "note": "x", "data": "{}"})

    assert page.status_code == 200 and 'name="data"' not in page.content.decode()
    assert post.status_code == 403
    shipped.refresh_from_db()
    assert shipped.effective_from == date(2023, 8, 1)


def test_the_admin_validates_an_unused_version(city, shipped, staff):
    url = f"/admin/subsidies/rulebookversion/{shipped.pk}/change/"
    data = json.loads(json.dumps(shipped.data))
    data["currency"] = "USD"

    response = client_for(staff).post(url, {
        "effective_from": "2023-08-01", "effective_to": "2025-12-31", "note": "x",
        "data": json.dumps(data),
    })  # fmt: skip

    assert response.status_code == 200
    assert "currency must be CNY" in html.unescape(response.content.decode())
    shipped.refresh_from_db()
    assert shipped.data["currency"] == "CNY"
