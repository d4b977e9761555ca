"""Provider selection through the city API: a whole round from application to the pool,
and every refusal (403 role, 404 out of sight, 409 state, 400 input) changing nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from pilot_portal.demo.services import demo_uscc
from pilot_portal.tenancy.models import Membership
from providers import services
from providers.models import (
    ExpertScore,
    ProviderEvaluation,
    ProviderSelection,
    SelectionStep,
)
from tests.factories import (
    CityFactory,
    EnterpriseFactory,
    ExpertScoreFactory,
    MembershipFactory,
    ProviderFactory,
    ProviderSelectionFactory,
    SectorFactory,
    SelectionRoundFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    """A client for `user`, freshly loaded: policy caches roles on the user object."""
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=user.pk))
    return client


def member(city, role, **kwargs):
    return MembershipFactory(city=city, role=role, **kwargs).user


@pytest.fixture
def world():
    city = CityFactory(code="alpha")
    admin = member(city, "city_admin")
    experts = [member(city, "expert") for _ in range(3)]
    today = timezone.localdate()
    selection_round = services.round_create(
        city=city, actor=admin,
        data={"name": "2026 年服务商遴选", "opens": today - timedelta(days=1),
              "closes": today + timedelta(days=30), "criteria": "能力 40，案例 30",
              "experts": [e.pk for e in experts]},
    )  # fmt: skip
    enterprise = member(city, "enterprise", enterprise=EnterpriseFactory(city=city))
    return {
        "city": city, "admin": admin, "experts": experts, "round": selection_round,
        "sector": SectorFactory(city=city, code="C3400"), "enterprise": enterprise,
        "auditor": member(city, "auditor"), "today": today,
    }  # fmt: skip


def staffed_provider(**kwargs):
    staff = UserFactory()
    provider = ProviderFactory(**kwargs)
    provider.staff.add(staff)
    return provider, staff


def url(city, *parts):
    return "/".join([f"/api/v1/cities/{city.code}/providers", *map(str, parts)]) + "/"


def apply(world, provider, staff):
    return services.selection_apply(
        city=world["city"], provider=provider, actor=staff, sectors=[world["sector"].code],
        statement="视觉质检",
    )  # fmt: skip


# -- the whole round ----------------------------------------------------------------------


def test_it_runs_a_round_from_national_registration_to_removal(world):
    city, admin, (first, second, conflicted) = world["city"], world["admin"], world["experts"]
    staff = UserFactory()
    # given a provider registered nationally, with a case
    registered = api(staff).post(
        "/api/v1/provider/",
        {"uscc": demo_uscc("110102", 777), "name": "智造云服务有限公司", "kind": "integrator"},
        format="json",
    )
    assert registered.status_code == 201
    case = api(staff).post(
        "/api/v1/provider/cases/",
        {"title": "视觉质检上线", "customer": "某轴承厂", "year": 2025, "scenario": "quality"},
        format="json",
    )
    assert case.status_code == 201

    # when it applies to the city, where it has no role yet
    applied = api(staff).post(
        url(city),
        {"sectors": ["C3400"], "cases": [case.json()["id"]], "statement": "我们做视觉质检"},
        format="json",
    )

    # then the application is there and its staff follow it in the city
    assert applied.status_code == 201
    body = applied.json()
    assert (body["status"], body["name"], body["sectors"]) == ("applied", "智造云服务有限公司",
                                                               ["C3400"])  # fmt: skip
    assert body["round"] == world["round"].pk
    assert [c["title"] for c in body["cases"]] == ["视觉质检上线"]
    assert body["average_score"] is None  # the applicant does not see the experts' figures
    assert body["allowed_actions"] == []
    assert Membership.objects.filter(
        user=staff, city=city, role="provider", provider_id=registered.json()["id"]
    ).exists()
    pk = body["id"]

    started = api(admin).post(url(city, pk, "start-review"), {}, format="json")
    assert started.status_code == 200
    assert started.json()["status"] == "under_review"
    assert started.json()["allowed_actions"] == ["publicise", "reject"]

    # an expert with a conflict of interest declares it, then may not score
    declared = api(conflicted).post(url(city, pk, "conflict"), {"reason": "前雇主"}, format="json")
    assert declared.status_code == 200
    assert "review" not in declared.json()["allowed_actions"]
    refused = api(conflicted).post(
        url(city, pk, "review"), {"score": 95, "comment": "好"}, format="json"
    )
    assert refused.status_code == 403
    assert "利益冲突" in refused.json()["detail"]
    assert not ExpertScore.objects.filter(expert=conflicted).exists()

    for expert, score in ((first, 82), (second, "77.5")):
        reviewed = api(expert).post(
            url(city, pk, "review"), {"score": score, "comment": "案例扎实"}, format="json"
        )
        assert reviewed.status_code == 200
    assert reviewed.json()["average_score"] == "79.75"
    assert reviewed.json()["score_count"] == 2
    assert [s["score"] for s in reviewed.json()["scores"]] == ["77.50"]  # their own only

    no_dates = api(admin).post(url(city, pk, "publicise"), {}, format="json")
    assert no_dates.status_code == 400
    assert "publicity_end" in no_dates.json()
    today, end = world["today"], world["today"] + timedelta(days=5)
    publicised = api(admin).post(
        url(city, pk, "publicise"),
        {"publicity_start": str(today), "publicity_end": str(end), "comment": "公示五天"},
        format="json",
    )
    assert publicised.status_code == 200
    assert (publicised.json()["status"], publicised.json()["publicity_end"]) == (
        "publicised",
        str(end),
    )

    early = api(admin).post(url(city, pk, "select"), {}, format="json")
    assert early.status_code == 409
    assert str(end) in early.json()["detail"]
    assert early.json()["status"] == "publicised"
    assert ProviderSelection.objects.get(pk=pk).status == "publicised"

    ProviderSelection.objects.filter(pk=pk).update(
        publicity_start=today - timedelta(days=6), publicity_end=today - timedelta(days=1)
    )
    selected = api(admin).post(url(city, pk, "select"), {}, format="json")
    assert selected.status_code == 200
    assert selected.json()["status"] == "selected"

    for action, after in (("suspend", "suspended"), ("reinstate", "selected"),
                          ("remove", "removed")):  # fmt: skip
        bare = api(admin).post(url(city, pk, action), {}, format="json")
        assert bare.status_code == 400
        assert "comment" in bare.json()
        assert ProviderSelection.objects.get(pk=pk).status != after or action == "reinstate"
        done = api(admin).post(url(city, pk, action), {"comment": "年度评价"}, format="json")
        assert done.status_code == 200
        assert done.json()["status"] == after

    steps = api(admin).get(url(city, pk)).json()["steps"]
    assert [(s["action"], s["from_status"], s["to_status"]) for s in steps] == [
        ("start-review", "applied", "under_review"),
        ("publicise", "under_review", "publicised"),
        ("select", "publicised", "selected"),
        ("suspend", "selected", "suspended"),
        ("reinstate", "suspended", "selected"),
        ("remove", "selected", "removed"),
    ]
    assert steps[0]["actor"] == admin.username
    assert steps[3]["comment"] == "年度评价"


# -- refusals -----------------------------------------------------------------------------


def test_it_refuses_a_step_to_a_role_without_it(world):
    selection = ProviderSelectionFactory(
        city=world["city"], round=world["round"], status="selected"
    )

    as_enterprise = api(world["enterprise"]).post(
        url(world["city"], selection.pk, "suspend"), {"comment": "差评"}, format="json"
    )
    as_expert = api(world["experts"][0]).post(
        url(world["city"], selection.pk, "remove"), {"comment": "差评"}, format="json"
    )
    as_auditor = api(world["auditor"]).post(
        url(world["city"], selection.pk, "suspend"), {"comment": "差评"}, format="json"
    )

    assert (as_enterprise.status_code, as_expert.status_code, as_auditor.status_code) == (
        403,
        403,
        403,
    )
    assert ProviderSelection.objects.get(pk=selection.pk).status == "selected"
    assert not SelectionStep.objects.filter(selection=selection).exists()


def test_it_refuses_select_to_an_enterprise_user_even_on_an_unseen_application(world):
    selection = ProviderSelectionFactory(
        city=world["city"], round=world["round"], status="publicised"
    )

    response = api(world["enterprise"]).post(url(world["city"], selection.pk, "select"), {})

    assert response.status_code == 403
    assert ProviderSelection.objects.get(pk=selection.pk).status == "publicised"


def test_it_answers_409_for_a_step_the_state_does_not_allow(world):
    selection = ProviderSelectionFactory(city=world["city"], round=world["round"])

    response = api(world["admin"]).post(url(world["city"], selection.pk, "select"), {})

    assert response.status_code == 409
    assert response.json()["status"] == "applied"
    assert ProviderSelection.objects.get(pk=selection.pk).status == "applied"


def test_an_expert_cannot_score_before_review_starts(world):
    selection = ProviderSelectionFactory(city=world["city"], round=world["round"])

    response = api(world["experts"][0]).post(
        url(world["city"], selection.pk, "review"), {"score": 80, "comment": "好"}, format="json"
    )

    assert response.status_code == 409
    assert not ExpertScore.objects.filter(selection=selection).exists()


def test_a_score_above_100_is_400(world):
    selection = ProviderSelectionFactory(
        city=world["city"], round=world["round"], status="under_review"
    )

    response = api(world["experts"][0]).post(
        url(world["city"], selection.pk, "review"), {"score": 101, "comment": "好"}, format="json"
    )

    assert response.status_code == 400
    assert "score" in response.json()
    assert not ExpertScore.objects.filter(selection=selection).exists()


def test_another_citys_selection_is_404(world):
    other = CityFactory(code="beta")
    theirs = ProviderSelectionFactory(city=other, status="selected")
    admin = world["admin"]

    read = api(admin).get(url(world["city"], theirs.pk))
    step = api(admin).post(url(world["city"], theirs.pk, "suspend"), {"comment": "x"})
    their_list = api(admin).get(url(other))
    their_step = api(admin).post(url(other, theirs.pk, "suspend"), {"comment": "x"})

    assert [r.status_code for r in (read, step, their_list, their_step)] == [404, 404, 404, 404]
    assert ProviderSelection.objects.get(pk=theirs.pk).status == "selected"


def test_an_unknown_action_is_404(world):
    selection = ProviderSelectionFactory(city=world["city"], round=world["round"])

    response = api(world["admin"]).post(url(world["city"], selection.pk, "approve"), {})

    assert response.status_code == 404


# -- applying -----------------------------------------------------------------------------


def test_a_user_who_is_not_provider_staff_cannot_apply(world):
    # given a member of the city, and a stranger to it, neither acting for a provider
    stranger = UserFactory()

    as_member = api(world["enterprise"]).post(
        url(world["city"]), {"sectors": ["C3400"], "statement": "x"}, format="json"
    )
    as_stranger = api(stranger).post(
        url(world["city"]), {"sectors": ["C3400"], "statement": "x"}, format="json"
    )

    assert (as_member.status_code, as_stranger.status_code) == (403, 404)
    assert not ProviderSelection.objects.for_city(world["city"]).exists()


def test_applying_to_an_unknown_city_is_404(world):
    _, staff = staffed_provider()

    response = api(staff).post(
        "/api/v1/cities/nowhere/providers/", {"sectors": ["C3400"], "statement": "x"}
    )

    assert response.status_code == 404


def test_staff_of_several_providers_name_the_provider(world):
    _, staff = staffed_provider(name="甲服务商")
    second = ProviderFactory(name="乙服务商")
    second.staff.add(staff)
    body = {"sectors": ["C3400"], "statement": "视觉质检"}

    unnamed = api(staff).post(url(world["city"]), body, format="json")
    named = api(staff).post(url(world["city"]), {**body, "provider": second.pk}, format="json")

    assert unnamed.status_code == 400
    assert "provider" in unnamed.json()
    assert named.status_code == 201
    assert named.json()["name"] == "乙服务商"
    applicants = ProviderSelection.objects.for_city(world["city"])
    assert list(applicants.values_list("provider", flat=True)) == [second.pk]


def test_applying_with_an_unknown_sector_or_twice_is_refused(world):
    _, staff = staffed_provider()

    unknown = api(staff).post(
        url(world["city"]), {"sectors": ["X9"], "statement": "x"}, format="json"
    )
    first = api(staff).post(url(world["city"]), {"sectors": ["C3400"], "statement": "x"})
    again = api(staff).post(url(world["city"]), {"sectors": ["C3400"], "statement": "x"})

    assert unknown.status_code == 400
    assert "sectors" in unknown.json()
    assert (first.status_code, again.status_code) == (201, 409)
    assert ProviderSelection.objects.for_city(world["city"]).count() == 1


def test_applying_without_an_open_round_is_409(world):
    world["round"].opens = world["round"].closes = world["today"] - timedelta(days=3)
    world["round"].save()
    _, staff = staffed_provider()

    response = api(staff).post(url(world["city"]), {"sectors": ["C3400"], "statement": "x"})

    assert response.status_code == 409
    assert "没有开放" in response.json()["detail"]
    assert not ProviderSelection.objects.for_city(world["city"]).exists()


def test_the_applicant_attaches_a_document(world):
    provider, staff = staffed_provider()
    selection = apply(world, provider, staff)
    upload = SimpleUploadedFile("licence.pdf", b"%PDF-1.4 licence", "application/pdf")

    response = api(staff).post(
        url(world["city"], selection.pk, "documents"),
        {"kind": "licence", "file": upload},
        format="multipart",
    )
    refused = api(world["admin"]).post(
        url(world["city"], selection.pk, "documents"),
        {"kind": "licence", "file": SimpleUploadedFile("x.pdf", b"%PDF-1.4", "application/pdf")},
        format="multipart",
    )

    assert response.status_code == 201
    assert [(d["kind"], d["name"]) for d in response.json()["documents"]] == [
        ("licence", "licence.pdf")
    ]
    assert refused.status_code == 403
    assert selection.documents.count() == 1


# -- reading ------------------------------------------------------------------------------


def test_an_applicant_is_not_visible_to_an_enterprise_until_selected(world):
    provider, staff = staffed_provider(name="视觉质检服务商")
    selection = apply(world, provider, staff)
    enterprise = api(world["enterprise"])

    before = enterprise.get(url(world["city"]))
    detail_before = enterprise.get(url(world["city"], selection.pk))
    ProviderSelection.objects.filter(pk=selection.pk).update(status="selected")
    after = enterprise.get(url(world["city"]))

    assert before.json()["count"] == 0
    assert detail_before.status_code == 404
    assert [row["name"] for row in after.json()["results"]] == ["视觉质检服务商"]
    assert after.json()["results"][0]["average_score"] is None
    assert after.json()["results"][0]["allowed_actions"] == []


def test_a_provider_in_two_cities_sees_each_citys_status_only_there(world):
    other = CityFactory(code="beta")
    SectorFactory(city=other, code="C3400")
    SelectionRoundFactory(city=other)
    provider, staff = staffed_provider()
    here = apply(world, provider, staff)
    services.selection_apply(
        city=other, provider=provider, actor=staff, sectors=["C3400"], statement="x"
    )
    ProviderSelection.objects.filter(pk=here.pk).update(status="selected")

    in_alpha = api(staff).get(url(world["city"])).json()["results"]
    in_beta = api(staff).get(url(other)).json()["results"]

    assert [(r["id"], r["status"]) for r in in_alpha] == [(here.pk, "selected")]
    assert [r["status"] for r in in_beta] == ["applied"]
    assert in_beta[0]["id"] != here.pk
    assert api(staff).get(url(other, here.pk)).status_code == 404


def test_scores_are_for_the_citys_staff_and_each_expert_sees_their_own(world):
    first, second, _ = world["experts"]
    selection = ProviderSelectionFactory(
        city=world["city"], round=world["round"], status="under_review"
    )
    ExpertScoreFactory(selection=selection, city=world["city"], expert=first, score=Decimal("90"))
    ExpertScoreFactory(selection=selection, city=world["city"], expert=second, score=Decimal("70"))
    provider_user = member(world["city"], "provider", provider=selection.provider)

    as_auditor = api(world["auditor"]).get(url(world["city"], selection.pk)).json()
    as_expert = api(first).get(url(world["city"], selection.pk)).json()
    as_provider = api(provider_user).get(url(world["city"], selection.pk)).json()

    assert sorted(s["score"] for s in as_auditor["scores"]) == ["70.00", "90.00"]
    assert as_auditor["average_score"] == "80.00"
    assert as_auditor["allowed_actions"] == []  # auditors read
    assert [(s["expert"], s["score"]) for s in as_expert["scores"]] == [(first.username, "90.00")]
    assert as_expert["allowed_actions"] == ["review"]
    assert (as_provider["scores"], as_provider["average_score"], as_provider["score_count"]) == (
        [],
        None,
        None,
    )


def test_filters_narrow_the_list(world):
    ProviderSelectionFactory(city=world["city"], round=world["round"], provider__name="甲公司")
    ProviderSelectionFactory(
        city=world["city"], round=world["round"], status="selected", provider__name="乙公司"
    )
    admin = api(world["admin"])

    selected = admin.get(url(world["city"]), {"status": "selected"}).json()["results"]
    searched = admin.get(url(world["city"]), {"q": "甲"}).json()["results"]
    in_round = admin.get(url(world["city"]), {"round": world["round"].pk}).json()["count"]

    assert [r["name"] for r in selected] == ["乙公司"]
    assert [r["name"] for r in searched] == ["甲公司"]
    assert in_round == 2


@pytest.mark.parametrize(
    "params", [{"status": "approved"}, {"round": "abc"}, {"round": "0"}, {"q": "x" * 101}]
)
def test_a_bad_filter_is_400(world, params):
    response = api(world["admin"]).get(url(world["city"]), params)

    assert response.status_code == 400
    assert set(response.json()) == set(params)


# The city, the count, the rows with their figures, their sectors; an expert's rounds and
# conflicts on top (the user's memberships are cached on the user by the first request).
@pytest.mark.parametrize(("role", "queries"), [("city_admin", 4), ("expert", 6), ("enterprise", 4)])
def test_the_list_runs_a_fixed_number_of_queries(
    world, role, queries, django_assert_max_num_queries
):
    user = {"city_admin": world["admin"], "expert": world["experts"][0],
            "enterprise": world["enterprise"]}[role]  # fmt: skip
    for status in ("selected", "under_review", "applied"):
        ProviderSelectionFactory(city=world["city"], round=world["round"], status=status)
    client = api(user)
    client.get(url(world["city"]))  # warm the user's memberships

    with django_assert_max_num_queries(queries):
        few = client.get(url(world["city"]))
    for index in range(27):
        ProviderSelectionFactory(
            city=world["city"], round=world["round"], status=("selected", "applied")[index % 2]
        )
    with django_assert_max_num_queries(queries):
        many = client.get(url(world["city"]))

    assert few.status_code == many.status_code == 200
    if role != "enterprise":
        assert (few.json()["count"], many.json()["count"]) == (3, 30)
    else:
        assert (few.json()["count"], many.json()["count"]) == (1, 15)


# -- rounds and evaluations ---------------------------------------------------------------


def test_the_admin_opens_a_round_and_reassigns_its_experts(world):
    first, second, _ = world["experts"]
    today = world["today"]

    created = api(world["admin"]).post(
        "/api/v1/cities/alpha/provider-rounds/",
        {"name": "第二轮", "opens": str(today), "closes": str(today + timedelta(days=10)),
         "criteria": "能力 50，案例 50", "experts": [first.pk]},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201
    assert created.json()["is_open"] is True
    assert [e["username"] for e in created.json()["experts"]] == [first.username]

    pk = created.json()["id"]
    changed = api(world["admin"]).patch(
        f"/api/v1/cities/alpha/provider-rounds/{pk}/", {"experts": [second.pk]}, format="json"
    )
    not_expert = api(world["admin"]).patch(
        f"/api/v1/cities/alpha/provider-rounds/{pk}/",
        {"experts": [world["auditor"].pk]},
        format="json",
    )

    assert changed.status_code == 200
    assert [e["id"] for e in changed.json()["experts"]] == [second.pk]
    assert not_expert.status_code == 400
    assert "experts" in not_expert.json()


def test_rounds_count_their_applications_and_an_expert_sees_only_their_own(world):
    other_expert = member(world["city"], "expert")
    SelectionRoundFactory(city=world["city"], name="别的轮次")
    for status in ("applied", "applied", "selected"):
        ProviderSelectionFactory(city=world["city"], round=world["round"], status=status)

    as_admin = api(world["admin"]).get("/api/v1/cities/alpha/provider-rounds/").json()
    as_expert = api(world["experts"][0]).get("/api/v1/cities/alpha/provider-rounds/").json()
    as_other = api(other_expert).get("/api/v1/cities/alpha/provider-rounds/").json()
    as_enterprise = api(world["enterprise"]).get("/api/v1/cities/alpha/provider-rounds/")
    creating = api(world["experts"][0]).post("/api/v1/cities/alpha/provider-rounds/", {})

    assert as_admin["count"] == 2
    assert [r["name"] for r in as_expert["results"]] == ["2026 年服务商遴选"]
    assert as_expert["results"][0]["applications"] == {
        "applied": 2, "under_review": 0, "publicised": 0, "selected": 1, "suspended": 0,
        "removed": 0, "rejected": 0,
    }  # fmt: skip
    assert as_other["count"] == 0
    assert (as_enterprise.status_code, creating.status_code) == (403, 403)


def test_the_round_list_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    client = api(world["admin"])
    client.get("/api/v1/cities/alpha/provider-rounds/")

    # the city, the count, the rounds with their counts, their experts
    with django_assert_max_num_queries(4):
        few = client.get("/api/v1/cities/alpha/provider-rounds/")
    for _ in range(20):
        round_ = SelectionRoundFactory(city=world["city"])
        round_.experts.set(world["experts"])
        ProviderSelectionFactory(city=world["city"], round=round_)
    with django_assert_max_num_queries(4):
        many = client.get("/api/v1/cities/alpha/provider-rounds/")

    assert (few.json()["count"], many.json()["count"]) == (1, 21)


def test_the_admin_records_an_annual_evaluation(world):
    selection = ProviderSelectionFactory(
        city=world["city"], round=world["round"], status="selected"
    )
    body = {"selection": selection.pk, "year": 2025, "outcome": "suspend", "reason": "差评较多"}

    refused = api(world["enterprise"]).post(
        "/api/v1/cities/alpha/provider-evaluations/", body, format="json"
    )
    recorded = api(world["admin"]).post(
        "/api/v1/cities/alpha/provider-evaluations/", body, format="json"
    )
    again = api(world["admin"]).post(
        "/api/v1/cities/alpha/provider-evaluations/", body, format="json"
    )
    listed = api(world["auditor"]).get("/api/v1/cities/alpha/provider-evaluations/")
    hidden = api(world["experts"][0]).get("/api/v1/cities/alpha/provider-evaluations/")

    assert refused.status_code == 403
    assert recorded.status_code == 201
    assert (recorded.json()["outcome"], recorded.json()["ratings"]) == ("suspend", 0)
    assert again.status_code == 409
    assert ProviderSelection.objects.get(pk=selection.pk).status == "suspended"
    assert [e["reason"] for e in listed.json()["results"]] == ["差评较多"]
    assert hidden.status_code == 403
    assert ProviderEvaluation.objects.for_city(world["city"]).count() == 1


def test_an_evaluation_of_another_citys_selection_is_404(world):
    theirs = ProviderSelectionFactory(city=CityFactory(), status="selected")

    response = api(world["admin"]).post(
        "/api/v1/cities/alpha/provider-evaluations/",
        {"selection": theirs.pk, "year": 2025, "outcome": "keep", "reason": "好"},
        format="json",
    )

    assert response.status_code == 404
    assert not ProviderEvaluation.objects.filter(selection=theirs).exists()
