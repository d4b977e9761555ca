"""The provider pages through the test client: who sees what, refusals change nothing, lists
run a fixed number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pilot_portal.demo.services import demo_uscc
from providers import services
from providers.models import (
    ExpertConflict,
    ExpertScore,
    Provider,
    ProviderCase,
    ProviderEvaluation,
    ProviderSelection,
    SelectionDocument,
    SelectionRound,
    SelectionStep,
)
from tests.factories import (
    CityFactory,
    EnterpriseFactory,
    MembershipFactory,
    ProviderFactory,
    ProviderSelectionFactory,
    SectorFactory,
    SelectionRoundFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    city = CityFactory()
    today = timezone.localdate()
    admin = MembershipFactory(city=city, role="city_admin").user
    auditor = MembershipFactory(city=city, role="auditor").user
    experts = [MembershipFactory(city=city, role="expert").user for _ in range(2)]
    outsider_expert = MembershipFactory(city=city, role="expert").user  # not in the round
    enterprise_user = MembershipFactory(
        city=city, role="enterprise", enterprise=EnterpriseFactory(city=city)
    ).user
    selection_round = services.round_create(
        city=city,
        actor=admin,
        data={
            "name": "2026 年第一轮", "opens": today - timedelta(days=1),
            "closes": today + timedelta(days=30), "criteria": "能力 40，案例 30，服务 20，价格 10",
            "experts": [e.pk for e in experts],
        },
    )  # fmt: skip
    sector = SectorFactory(city=city)
    staff = UserFactory()
    provider = ProviderFactory(name="鹭岛智造科技有限公司")
    provider.staff.add(staff)
    case = ProviderCase.objects.create(
        provider=provider,
        title="视觉质检改造",
        customer="某零部件厂",
        year=2024,
        scenario="quality",
    )
    selection = services.selection_apply(
        city=city, provider=provider, actor=staff, sectors=[sector.code], cases=[case.pk],
        statement="我们做视觉质检",
    )  # fmt: skip
    return {
        "city": city, "admin": admin, "auditor": auditor, "experts": experts,
        "outsider_expert": outsider_expert, "enterprise": enterprise_user,
        "round": selection_round, "sector": sector, "staff": staff, "provider": provider,
        "case": case, "selection": selection, "today": today,
    }  # fmt: skip


def url(world, path=""):
    return f"/c/{world['city'].code}/providers/{path}"


def detail(world):
    return url(world, f"{world['selection'].pk}/")


def as_user(client, user):
    client.force_login(user)
    return client


def _review(world):
    services.selection_transition(
        selection=world["selection"], actor=world["admin"], action="start-review"
    )


# -- who sees what --------------------------------------------------------------------------


def test_the_city_admin_sees_every_applicant_with_scores_and_the_management_links(world, client):
    html = as_user(client, world["admin"]).get(url(world)).content.decode()

    assert "鹭岛智造科技有限公司" in html
    assert 'data-testid="average-score"' in html
    assert f"/c/{world['city'].code}/providers/rounds/" in html
    assert f"/providers/evaluation/{world['today'].year}/" in html


def test_an_enterprise_sees_the_pool_only_and_no_scores(world, client):
    pooled = ProviderSelectionFactory(city=world["city"], status="selected")
    html = as_user(client, world["enterprise"]).get(url(world)).content.decode()

    assert pooled.provider.name in html
    assert "鹭岛智造科技有限公司" not in html
    assert 'data-testid="average-score"' not in html
    assert "/providers/rounds/" not in html
    # the applicant's page is not theirs to see
    assert client.get(detail(world)).status_code == 404


def test_the_list_filters_by_status_round_and_name(world, client):
    other = ProviderSelectionFactory(city=world["city"], status="selected")
    as_user(client, world["admin"])

    selected = client.get(url(world), {"status": "selected"}).content.decode()
    by_round = client.get(url(world), {"round": world["round"].pk}).content.decode()
    by_name = client.get(url(world), {"q": "鹭岛"}).content.decode()

    assert other.provider.name in selected and "鹭岛智造" not in selected
    assert "鹭岛智造" in by_round and other.provider.name not in by_round
    assert "鹭岛智造" in by_name and other.provider.name not in by_name
    assert client.get(url(world), {"round": "x", "status": "nonsense"}).status_code == 200


def test_the_detail_page_shows_the_application_and_the_admins_next_steps(world, client):
    html = as_user(client, world["admin"]).get(detail(world)).content.decode()

    assert world["provider"].uscc in html
    assert "我们做视觉质检" in html and "视觉质检改造" in html and world["sector"].name in html
    assert 'data-action="start-review"' in html and 'data-action="reject"' in html
    assert 'data-action="select"' not in html
    assert 'data-testid="score-form"' not in html


def test_each_page_answers_the_right_roles(world, client):
    _review(world)
    code, year = world["city"].code, world["today"].year
    pages = {
        url(world): {"admin", "auditor", "expert", "enterprise", "staff"},
        detail(world): {"admin", "auditor", "expert", "staff"},
        url(world, "rounds/"): {"admin", "auditor", "expert"},
        url(world, f"rounds/{world['round'].pk}/"): {"admin", "auditor", "expert"},
        url(world, "review/"): {"expert"},
        url(world, f"evaluation/{year}/"): {"admin"},
    }
    users = {
        "admin": world["admin"], "auditor": world["auditor"], "expert": world["experts"][0],
        "enterprise": world["enterprise"], "staff": world["staff"],
    }  # fmt: skip
    for path, allowed in pages.items():
        for name, user in users.items():
            status = as_user(client, user).get(path).status_code
            if name in allowed:
                assert status == 200, (path, name, status)
            else:
                assert status in (403, 404), (path, name, status)
    # refusals of the pages every member may open a list of are 403, not 404
    assert as_user(client, world["enterprise"]).get(url(world, "rounds/")).status_code == 403
    assert as_user(client, world["admin"]).get(url(world, "review/")).status_code == 403
    assert as_user(client, world["auditor"]).get(url(world, f"evaluation/{year}/")).status_code == (
        403
    )
    client.logout()
    assert client.get(url(world)).status_code == 302
    assert f"/c/{code}/" in url(world)


def test_another_citys_selection_is_not_found(world, client):
    other = ProviderSelectionFactory(status="applied")  # in a city of its own
    other_round = SelectionRoundFactory(city=other.city)
    as_user(client, world["admin"])

    assert client.get(url(world, f"{other.pk}/")).status_code == 404
    assert client.post(url(world, f"{other.pk}/action/"), {"action": "reject"}).status_code == 404
    assert client.get(url(world, f"rounds/{other_round.pk}/")).status_code == 404
    assert client.get(f"/c/{other.city.code}/providers/{other.pk}/").status_code == 404
    assert ProviderSelection.objects.get(pk=other.pk).status == "applied"


# -- steps ----------------------------------------------------------------------------------


def test_a_refused_step_shows_the_message_and_changes_nothing(world, client):
    as_user(client, world["admin"])

    response = client.post(url(world, f"{world['selection'].pk}/action/"), {"action": "select"})

    assert response.status_code == 409
    html = response.content.decode()
    assert "当前状态不能执行此操作 / not allowed while the status is applied" in html
    world["selection"].refresh_from_db()
    assert world["selection"].status == "applied"
    assert not SelectionStep.objects.filter(selection=world["selection"]).exists()

    missing_comment = client.post(
        url(world, f"{world['selection'].pk}/action/"), {"action": "reject", "comment": " "}
    )
    assert missing_comment.status_code == 400
    assert "请填写理由 / a comment is required" in missing_comment.content.decode()
    world["selection"].refresh_from_db()
    assert world["selection"].status == "applied"


def test_an_expert_may_not_take_a_step(world, client):
    response = as_user(client, world["experts"][0]).post(
        url(world, f"{world['selection'].pk}/action/"), {"action": "start-review"}
    )
    assert response.status_code == 403
    assert "您的角色不能执行此操作" in response.content.decode()
    world["selection"].refresh_from_db()
    assert world["selection"].status == "applied"


def test_the_whole_selection_through_the_pages(world, client):
    action = url(world, f"{world['selection'].pk}/action/")
    today = world["today"].isoformat()

    response = as_user(client, world["admin"]).post(action, {"action": "start-review"})
    assert response.status_code == 302 and response["Location"] == detail(world)

    for expert, score in zip(world["experts"], ("80", "90"), strict=True):
        as_user(client, expert)
        assert 'data-testid="score-form"' in client.get(detail(world)).content.decode()
        response = client.post(
            url(world, f"{world['selection'].pk}/score/"), {"score": score, "comment": "扎实"}
        )
        assert response.status_code == 302
        # an expert sees their own score only
        html = client.get(detail(world)).content.decode()
        assert html.count('data-testid="score"') == 1
        assert 'data-testid="average-score"' not in html

    as_user(client, world["admin"])
    html = client.get(detail(world)).content.decode()
    assert html.count('data-testid="score"') == 2 and "85.00" in html
    assert "85.00" in client.get(url(world, f"rounds/{world['round'].pk}/")).content.decode()

    response = client.post(
        action, {"action": "publicise", "publicity_start": today, "publicity_end": today}
    )
    assert response.status_code == 302
    response = client.post(action, {"action": "select"})
    assert response.status_code == 302

    world["selection"].refresh_from_db()
    assert world["selection"].status == "selected"
    pool = client.get(url(world), {"status": "selected"}).content.decode()
    assert "鹭岛智造科技有限公司" in pool
    history = client.get(detail(world)).content.decode()
    assert history.count('data-action="start-review"') == 1  # the step, no button any more
    assert 'data-action="suspend"' in history


def test_a_bad_score_is_refused_with_the_services_message(world, client):
    _review(world)
    response = as_user(client, world["experts"][0]).post(
        url(world, f"{world['selection'].pk}/score/"), {"score": "120", "comment": "好"}
    )

    assert response.status_code == 400
    assert "评分须在 0 到 100 之间 / the score must be 0 to 100" in response.content.decode()
    assert (
        not ExpertScore.objects.exists()
        or not ExpertScore.objects.filter(selection=world["selection"]).exists()
    )


def test_an_expert_outside_the_round_may_not_score(world, client):
    _review(world)
    response = as_user(client, world["outsider_expert"]).post(
        url(world, f"{world['selection'].pk}/score/"), {"score": "70", "comment": "好"}
    )
    assert response.status_code in (403, 404)
    assert not ExpertScore.objects.filter(selection=world["selection"]).exists()
    # a city admin is refused the scoring endpoint outright
    response = as_user(client, world["admin"]).post(
        url(world, f"{world['selection'].pk}/score/"), {"score": "70", "comment": "好"}
    )
    assert response.status_code == 403


def test_a_declared_conflict_shows_in_the_queue_and_stops_scoring(world, client):
    _review(world)
    expert = world["experts"][0]
    as_user(client, expert)
    assert 'data-review="to-score"' in client.get(url(world, "review/")).content.decode()

    response = client.post(url(world, f"{world['selection'].pk}/conflict/"), {"reason": "前同事"})

    assert response.status_code == 302
    assert ExpertConflict.objects.filter(expert=expert, provider=world["provider"]).exists()
    assert 'data-review="conflict"' in client.get(url(world, "review/")).content.decode()
    html = client.get(detail(world)).content.decode()
    assert 'data-testid="conflict-declared"' in html and 'data-testid="score-form"' not in html
    refused = client.post(
        url(world, f"{world['selection'].pk}/score/"), {"score": "70", "comment": "好"}
    )
    assert refused.status_code == 403 and "利益冲突" in refused.content.decode()

    other = world["experts"][1]
    services.score_submit(selection=world["selection"], expert=other, score=75, comment="可")
    assert (
        'data-review="scored"' in as_user(client, other).get(url(world, "review/")).content.decode()
    )


def test_the_provider_uploads_a_document(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    as_user(client, world["staff"])
    upload = SimpleUploadedFile("licence.pdf", b"%PDF-1.4 licence", "application/pdf")
    response = client.post(
        url(world, f"{world['selection'].pk}/documents/"), {"kind": "licence", "file": upload}
    )
    assert response.status_code == 302
    document = SelectionDocument.objects.get(selection=world["selection"])
    html = as_user(client, world["admin"]).get(detail(world)).content.decode()
    assert f"/c/{world['city'].code}/documents/{document.document_id}/download/" in html

    fake = SimpleUploadedFile("licence.pdf", b"not a pdf", "application/pdf")
    refused = as_user(client, world["staff"]).post(
        url(world, f"{world['selection'].pk}/documents/"), {"kind": "licence", "file": fake}
    )
    assert refused.status_code == 400
    assert SelectionDocument.objects.filter(selection=world["selection"]).count() == 1


# -- rounds and evaluation ------------------------------------------------------------------


def test_the_admin_opens_a_round_and_assigns_experts(world, client):
    as_user(client, world["admin"])
    today = world["today"]
    response = client.post(
        url(world, "rounds/"),
        {
            "name": "2026 年第二轮", "opens": today.isoformat(),
            "closes": (today + timedelta(days=10)).isoformat(), "criteria": "能力 100",
            "experts": [str(world["experts"][0].pk)],
        },
    )  # fmt: skip
    created = SelectionRound.objects.get(city=world["city"], name="2026 年第二轮")
    assert response.status_code == 302
    assert list(created.experts.all()) == [world["experts"][0]]

    response = client.post(
        url(world, f"rounds/{created.pk}/"), {"experts": [str(world["outsider_expert"].pk)]}
    )
    assert response.status_code == 302
    assert list(created.experts.all()) == [world["outsider_expert"]]

    duplicate = client.post(
        url(world, "rounds/"),
        {"name": "2026 年第二轮", "opens": today.isoformat(), "closes": today.isoformat(),
         "criteria": "x"},
    )  # fmt: skip
    assert duplicate.status_code == 400 and "a round named 2026 年第二轮 exists" in (
        duplicate.content.decode()
    )
    # an expert sees their rounds only, without the form
    html = as_user(client, world["experts"][1]).get(url(world, "rounds/")).content.decode()
    assert "2026 年第一轮" in html and "2026 年第二轮" not in html
    assert 'data-testid="round-form"' not in html
    assert client.post(url(world, "rounds/"), {"name": "x"}).status_code == 403


def test_the_annual_evaluation_records_and_acts(world, client):
    pooled = ProviderSelectionFactory(city=world["city"], status="selected")
    year = world["today"].year
    page = url(world, f"evaluation/{year}/")
    as_user(client, world["admin"])
    html = client.get(page).content.decode()
    assert pooled.provider.name in html and "鹭岛智造" not in html

    refused = client.post(page, {"selection": pooled.pk, "outcome": "suspend", "reason": ""})
    assert refused.status_code == 400 and "请填写评价理由" in refused.content.decode()

    response = client.post(page, {"selection": pooled.pk, "outcome": "suspend", "reason": "差评多"})
    assert response.status_code == 302
    pooled.refresh_from_db()
    assert pooled.status == "suspended"
    evaluation = ProviderEvaluation.objects.get(selection=pooled, year=year)
    assert evaluation.outcome == "suspend"
    assert 'data-outcome="suspend"' in client.get(page).content.decode()
    # another city's selection is not found
    other = ProviderSelectionFactory(status="selected")
    response = client.post(page, {"selection": other.pk, "outcome": "keep", "reason": "好"})
    assert response.status_code == 404


# -- national pages -------------------------------------------------------------------------


def test_the_provider_home_shows_applications_and_open_rounds(world, client):
    html = as_user(client, world["staff"]).get("/provider/").content.decode()

    assert "鹭岛智造科技有限公司" in html and "视觉质检改造" in html
    assert f'data-city="{world["city"].code}"' in html
    assert 'data-status="applied"' in html
    assert f"/c/{world['city'].code}/providers/{world['selection'].pk}/" in html


def test_a_user_without_a_provider_registers_one(world, client):
    user = UserFactory()
    as_user(client, user)
    assert 'data-testid="register-form"' in client.get("/provider/").content.decode()
    assert client.get("/provider/profile/").status_code == 403
    assert client.get(f"/provider/apply/{world['city'].code}/").status_code == 403

    valid = demo_uscc("110105", 4242)
    wrong = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    refused = client.post(
        "/provider/register/", {"uscc": wrong, "name": "新服务商", "kind": "product"}
    )
    assert refused.status_code == 400
    assert 'value="新服务商"' in refused.content.decode()
    assert not Provider.objects.filter(name="新服务商").exists()

    response = client.post(
        "/provider/register/", {"uscc": valid, "name": "新服务商", "kind": "product"}
    )
    assert response.status_code == 302 and response["Location"] == "/provider/"
    assert Provider.objects.get(uscc=valid).staff.filter(pk=user.pk).exists()
    assert "新服务商" in client.get("/provider/").content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    for path in ("/provider/", "/provider/register/", "/provider/profile/", "/provider/cases/"):
        assert client.get(path).status_code == 302


def test_the_provider_edits_its_profile_and_adds_a_case(world, client):
    as_user(client, world["staff"])
    response = client.post(
        "/provider/profile/",
        {"name": "鹭岛智造科技有限公司", "kind": "product", "contact_name": "李经理"},
    )
    assert response.status_code == 302
    world["provider"].refresh_from_db()
    assert (world["provider"].kind, world["provider"].contact_name) == ("product", "李经理")

    response = client.post(
        "/provider/cases/",
        {"title": "排产上云", "customer": "某机加厂", "year": "2025", "scenario": "scheduling"},
    )
    assert response.status_code == 302
    assert world["provider"].cases.filter(title="排产上云").exists()
    assert client.post("/provider/cases/", {"title": "x", "year": "1990"}).status_code == 400


def test_a_provider_applies_to_a_city(world, client):
    provider = ProviderFactory(name="新乡数科有限公司")
    staff = UserFactory()
    provider.staff.add(staff)
    as_user(client, staff)
    apply = f"/provider/apply/{world['city'].code}/"
    html = client.get(apply, {"round": world["round"].pk}).content.decode()
    assert world["sector"].name in html and "2026 年第一轮" in html

    response = client.post(
        apply,
        {"round": world["round"].pk, "sectors": [world["sector"].code], "statement": "专注排产"},
    )

    selection = ProviderSelection.objects.get(provider=provider)
    assert response.status_code == 302
    assert response["Location"] == url(world, f"{selection.pk}/")
    assert client.get(response["Location"]).status_code == 200
    again = client.post(apply, {"round": world["round"].pk, "statement": "再来"})
    assert again.status_code == 409 and "已在" in again.content.decode()
    assert client.get("/provider/apply/no-such-city/").status_code == 404
    closed = CityFactory()
    refused = client.post(f"/provider/apply/{closed.code}/", {"statement": "试试"})
    assert refused.status_code == 409 and "没有开放" in refused.content.decode()


# -- fixed queries --------------------------------------------------------------------------


def _many(world, n):
    for _ in range(n):
        selection = ProviderSelectionFactory(
            city=world["city"], round=world["round"], status="under_review"
        )
        selection.sectors.add(world["sector"])
        for expert, score in zip(world["experts"], (70, 80), strict=True):
            ExpertScore.objects.create(
                city=world["city"], selection=selection, expert=expert, score=score, comment="可"
            )


@pytest.mark.parametrize("n", [3, 30])
def test_the_lists_run_a_fixed_number_of_queries(world, client, django_assert_max_num_queries, n):
    _many(world, n)
    year = world["today"].year
    # a third of them in the pool, for the evaluation page
    for selection in ProviderSelection.objects.filter(city=world["city"])[: n // 3 + 1]:
        ProviderSelection.objects.filter(pk=selection.pk).update(status="selected")

    # session, user, memberships, city, provider staff (the header), then the page's own
    as_user(client, world["admin"])
    with django_assert_max_num_queries(9):  # round choices, count, page, sectors
        assert client.get(url(world)).status_code == 200
    with django_assert_max_num_queries(7):  # the rounds with their counts, expert choices
        assert client.get(url(world, "rounds/")).status_code == 200
    with django_assert_max_num_queries(11):  # round, experts, rows, sectors, scores, choices
        assert client.get(url(world, f"rounds/{world['round'].pk}/")).status_code == 200
    with django_assert_max_num_queries(7):  # rows with the year's ratings, evaluations
        assert client.get(url(world, f"evaluation/{year}/")).status_code == 200
    as_user(client, world["experts"][0])
    with django_assert_max_num_queries(6):
        assert client.get(url(world, "review/")).status_code == 200
    as_user(client, world["staff"])
    with django_assert_max_num_queries(8):  # provider, cases, applications, open rounds
        assert client.get("/provider/").status_code == 200
