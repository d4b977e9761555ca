"""Chain cases: who registers them, refusals, and the projects' progress shown together."""

from decimal import Decimal

import pytest
from django.urls import reverse

from enterprises.models import ChainCase, InvestmentLine
from enterprises.projects import chains
from pilot_portal.audit.models import AuditEntry
from pilot_portal.errors import InvalidInput, NotAllowed
from tests.factories import (
    CityFactory,
    DistrictFactory,
    EnterpriseFactory,
    MembershipFactory,
    ProviderFactory,
    UserFactory,
)
from tests.projects.test_monitoring import build_project, milestone

pytestmark = pytest.mark.django_db


def invest(project, category, amount):
    return InvestmentLine.objects.create(
        city=project.city, project=project, category=category, amount=Decimal(amount),
        description="发票", created_by=UserFactory(),
    )  # fmt: skip


@pytest.fixture
def world():
    city = CityFactory()
    east, west = DistrictFactory(city=city), DistrictFactory(city=city)
    leader = ProviderFactory(kind="chain_leader", name="链主集团")
    integrator = ProviderFactory(name="集成商")
    s1 = EnterpriseFactory(city=city, district=east, name="配套一厂")
    s2 = EnterpriseFactory(city=city, district=west, name="配套二厂")
    anchor = EnterpriseFactory(city=city, district=east, name="整机厂")
    p1 = build_project(s1, integrator, title="一厂改造", status="accepted")
    p2 = build_project(s2, integrator, title="二厂改造", status="in_progress")
    return {
        "city": city, "leader": leader, "integrator": integrator, "anchor": anchor,
        "projects": [p1, p2], "suppliers": [s1, s2],
        "admin": MembershipFactory(city=city, role="city_admin").user,
        "leader_staff": MembershipFactory(city=city, role="provider", provider=leader).user,
        "integrator_staff": MembershipFactory(
            city=city, role="provider", provider=integrator
        ).user,
        "officer": MembershipFactory(city=city, role="district_officer", district=west).user,
        "supplier_owner": MembershipFactory(city=city, role="enterprise", enterprise=s1).user,
    }  # fmt: skip


def _data(world, **overrides):
    data = {
        "title": "整机配套链式改造", "description": "链主带动配套企业",
        "leader_provider": world["leader"].pk, "leader_enterprise": None,
        "projects": [p.pk for p in world["projects"]],
    }  # fmt: skip
    data.update(overrides)
    return data


def test_the_city_registers_a_case_led_by_a_chain_leader_provider(world):
    case = chains.chain_case_create(city=world["city"], actor=world["admin"], data=_data(world))

    assert case.leader_provider == world["leader"] and case.leader_enterprise is None
    assert sorted(case.projects.values_list("title", flat=True)) == ["一厂改造", "二厂改造"]
    entry = AuditEntry.objects.get(action="chain_case.create", object_id=str(case.pk))
    assert entry.city_code == world["city"].code


def test_the_city_registers_a_case_led_by_an_enterprise_of_the_city(world):
    data = _data(world, leader_provider=None, leader_enterprise=world["anchor"].pk)

    case = chains.chain_case_create(city=world["city"], actor=world["admin"], data=data)

    assert case.leader_enterprise == world["anchor"]


def test_a_chain_leader_s_staff_register_cases_for_their_own_provider_only(world):
    case = chains.chain_case_create(
        city=world["city"], actor=world["leader_staff"], data=_data(world)
    )
    assert case.created_by == world["leader_staff"]

    other_leader = ProviderFactory(kind="chain_leader")
    with pytest.raises(NotAllowed):
        chains.chain_case_create(
            city=world["city"], actor=world["leader_staff"],
            data=_data(world, leader_provider=other_leader.pk),
        )  # fmt: skip
    assert ChainCase.objects.filter(city=world["city"]).count() == 1


@pytest.mark.parametrize("who", ["integrator_staff", "officer", "supplier_owner"])
def test_others_may_not_register_a_case(world, who):
    with pytest.raises(NotAllowed):
        chains.chain_case_create(city=world["city"], actor=world[who], data=_data(world))
    assert not ChainCase.objects.filter(city=world["city"]).exists()


def test_refusals_change_nothing(world):
    foreign = build_project(EnterpriseFactory(city=CityFactory()), world["integrator"])
    foreign_enterprise = EnterpriseFactory(city=CityFactory())
    cases = [
        (_data(world, projects=[world["projects"][0].pk, foreign.pk]), "projects"),
        (_data(world, projects=[]), "projects"),
        (_data(world, projects=["x"]), "projects"),
        (_data(world, leader_provider=world["integrator"].pk), "leader_provider"),  # not a leader
        (_data(world, leader_provider=None), "leader_provider"),  # no leader
        (_data(world, leader_enterprise=world["anchor"].pk), "leader_provider"),  # two leaders
        (_data(world, leader_provider=None, leader_enterprise=foreign_enterprise.pk),
         "leader_enterprise"),
        (_data(world, title="  "), "title"),
    ]  # fmt: skip
    for data, field in cases:
        with pytest.raises(InvalidInput) as refused:
            chains.chain_case_create(city=world["city"], actor=world["admin"], data=data)
        assert refused.value.field == field, data
    assert not ChainCase.objects.filter(city=world["city"]).exists()


def test_the_case_shows_its_projects_progress_together(world, client):
    # given
    p1, p2 = world["projects"]
    invest(p1, "software", "80000.00")
    invest(p1, "other", "5000.00")  # never eligible
    invest(p2, "cloud", "12000.50")
    invest(p2, "data_devices", "2000.25")
    milestone(p1, due_in=-10, done=True)
    milestone(p1, due_in=-5, done=True)
    milestone(p2, due_in=5)
    case = chains.chain_case_create(city=world["city"], actor=world["admin"], data=_data(world))

    # when
    detail = chains.chain_case_detail(city=world["city"], user=world["admin"], pk=case.pk)
    client.force_login(world["admin"])
    response = client.get(
        reverse("chain-detail", kwargs={"city_code": world["city"].code, "pk": case.pk})
    )

    # then
    assert detail.project_count == 2 and detail.accepted_count == 1
    assert detail.eligible_investment == Decimal("94000.75")
    assert (detail.milestones_done, detail.milestones_total) == (2, 3)
    assert dict((s, n) for s, _label, n in detail.status_counts if n) == {
        "accepted": 1, "in_progress": 1,
    }  # fmt: skip
    assert [(p.title, p.eligible_investment, p.milestones_done, p.milestones_total)
            for p in detail.rows] == [
        ("一厂改造", Decimal("80000.00"), 2, 2), ("二厂改造", Decimal("14000.75"), 0, 1),
    ]  # fmt: skip
    assert response.status_code == 200
    assert "94000.75" in response.content.decode()


def test_who_sees_a_case(world):
    case = chains.chain_case_create(city=world["city"], actor=world["admin"], data=_data(world))
    stranger = MembershipFactory(
        city=world["city"], role="provider", provider=ProviderFactory()
    ).user

    def sees(user):
        return list(chains.chain_case_list(city=world["city"], user=user)) == [case]

    assert sees(world["admin"]) and sees(world["leader_staff"])
    assert sees(world["integrator_staff"])  # it serves the case's projects
    assert sees(world["officer"])  # a supplier is in the officer's district
    assert sees(world["supplier_owner"])
    assert not sees(stranger)
    # A supplier sees the case's figures but only its own project's row; the leader all rows.
    own = chains.chain_case_detail(city=world["city"], user=world["supplier_owner"], pk=case.pk)
    led = chains.chain_case_detail(city=world["city"], user=world["leader_staff"], pk=case.pk)
    assert [p.title for p in own.rows] == ["一厂改造"] and own.project_count == 2
    assert [p.title for p in led.rows] == ["一厂改造", "二厂改造"]


def test_the_pages_register_and_list_cases(world, client):
    client.force_login(world["leader_staff"])
    city = world["city"].code

    form = client.get(reverse("chain-create", kwargs={"city_code": city}))
    created = client.post(
        reverse("chain-create", kwargs={"city_code": city}),
        {"title": "链式一号", "leader_provider": world["leader"].pk,
         "projects": [p.pk for p in world["projects"]]},
    )  # fmt: skip
    listed = client.get(reverse("chain-list", kwargs={"city_code": city}))

    assert form.status_code == 200
    case = ChainCase.objects.get(city=world["city"])
    assert created.status_code == 302 and created["Location"].endswith(f"/chains/{case.pk}/")
    assert "链式一号" in listed.content.decode()


def test_the_create_page_shows_refusals_and_is_closed_to_others(world, client):
    city = world["city"].code
    client.force_login(world["admin"])
    refused = client.post(
        reverse("chain-create", kwargs={"city_code": city}),
        {"title": "两个链主", "leader_provider": world["leader"].pk,
         "leader_enterprise": world["anchor"].pk, "projects": [world["projects"][0].pk]},
    )  # fmt: skip
    client.force_login(world["integrator_staff"])
    closed = client.get(reverse("chain-create", kwargs={"city_code": city}))

    assert refused.status_code == 400 and "choose one leader" in refused.content.decode()
    assert closed.status_code == 403
    assert not ChainCase.objects.filter(city=world["city"]).exists()


def test_another_city_s_case_is_not_found(world, client):
    case = chains.chain_case_create(city=world["city"], actor=world["admin"], data=_data(world))
    other_admin = MembershipFactory(role="city_admin").user
    client.force_login(other_admin)
    other_city = other_admin.memberships.get().city.code

    response = client.get(reverse("chain-detail", kwargs={"city_code": other_city, "pk": case.pk}))

    assert response.status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_runs_a_fixed_number_of_queries(
    world, client, size, django_assert_max_num_queries
):
    for i in range(size):
        project = build_project(world["suppliers"][i % 2], world["integrator"])
        invest(project, "software", "100.00")
        milestone(project, due_in=i)
        chains.chain_case_create(
            city=world["city"], actor=world["admin"],
            data=_data(world, title=f"链{i}", projects=[project.pk]),
        )  # fmt: skip
    client.force_login(world["admin"])

    # session, user, memberships, city; the page's count and rows; can-create needs none
    # for a city admin.
    with django_assert_max_num_queries(6):
        response = client.get(reverse("chain-list", kwargs={"city_code": world["city"].code}))

    assert response.status_code == 200 and len(response.context["page"]) == size


# -- editing a case, and the project search -------------------------------------------------


def _case(world, actor="leader_staff", **overrides):
    return chains.chain_case_create(
        city=world["city"], actor=world[actor], data=_data(world, **overrides)
    )


def test_its_creator_edits_the_title_description_and_projects(world):
    # given: a case of one project; a third supplier project
    p1, p2 = world["projects"]
    case = _case(world, projects=[p1.pk])
    p3 = build_project(world["suppliers"][1], world["integrator"], title="三厂改造")

    # when: p2 and p3 in, p1 out
    chains.chain_case_update(
        case=case, actor=world["leader_staff"],
        data={"title": "整机配套链式改造（二期）", "description": "扩展到二厂、三厂",
              "projects": [p2.pk, p3.pk]},
    )  # fmt: skip

    # then
    case.refresh_from_db()
    assert (case.title, case.description) == ("整机配套链式改造（二期）", "扩展到二厂、三厂")
    assert sorted(case.projects.values_list("title", flat=True)) == ["三厂改造", "二厂改造"]
    assert case.leader_provider == world["leader"]  # the leader stays
    entry = AuditEntry.objects.get(action="chain_case.update", object_id=str(case.pk))
    assert (entry.data["added"], entry.data["removed"]) == (sorted([p2.pk, p3.pk]), [p1.pk])
    assert entry.data["before"]["title"] == "整机配套链式改造"
    assert case.history.first().title == "整机配套链式改造（二期）"


def test_the_city_admin_edits_any_case_others_may_not(world):
    case = _case(world)
    other_leader_staff = MembershipFactory(
        city=world["city"], role="provider", provider=ProviderFactory(kind="chain_leader")
    ).user

    chains.chain_case_update(case=case, actor=world["admin"], data={"title": "市局更名"})
    for user in [world["integrator_staff"], world["officer"], world["supplier_owner"],
                 other_leader_staff]:  # fmt: skip
        with pytest.raises(NotAllowed):
            chains.chain_case_update(case=case, actor=user, data={"title": "改名"})

    case.refresh_from_db()
    assert case.title == "市局更名"
    assert AuditEntry.objects.filter(action="chain_case.update").count() == 1


@pytest.mark.parametrize(
    "data, field",
    [({"projects": []}, "projects"), ({"projects": ["foreign"]}, "projects"),
     ({"title": " "}, "title")],
)  # fmt: skip
def test_a_bad_edit_changes_nothing(world, data, field):
    case = _case(world)
    if data.get("projects") == ["foreign"]:
        data = {"projects": [build_project(EnterpriseFactory(city=CityFactory()),
                                           world["integrator"]).pk]}  # fmt: skip

    with pytest.raises(InvalidInput) as refused:
        chains.chain_case_update(case=case, actor=world["admin"], data=data)

    assert refused.value.field == field
    case.refresh_from_db()
    assert case.title == "整机配套链式改造" and case.projects.count() == 2


def test_the_project_search_finds_by_enterprise_credit_code_or_title(world, monkeypatch):
    p2 = world["projects"][1]
    s1 = world["suppliers"][0]
    city = world["city"]

    def titles(**kwargs):
        chosen, found, more = chains.chain_project_search(city=city, **kwargs)
        return [p.title for p in chosen], [p.title for p in found], more

    assert titles(q="配套二") == ([], ["二厂改造"], False)  # enterprise name
    assert titles(q=s1.uscc[-6:]) == ([], ["一厂改造"], False)  # credit code
    assert titles(q="一厂改") == ([], ["一厂改造"], False)  # project title
    assert titles(q="一厂改", chosen=[p2.pk]) == (["二厂改造"], ["一厂改造"], False)
    foreign = build_project(EnterpriseFactory(city=CityFactory()), world["integrator"])
    assert titles(chosen=[foreign.pk, "x"]) == ([], ["一厂改造", "二厂改造"], False)
    monkeypatch.setattr(chains, "SEARCH_LIMIT", 1)
    assert titles() == ([], ["一厂改造"], True)


def test_the_edit_page_searches_keeps_the_ticks_and_saves(world, client):
    # given
    p1, p2 = world["projects"]
    case = _case(world, projects=[p1.pk])
    p3 = build_project(world["suppliers"][1], world["integrator"], title="三厂改造")
    client.force_login(world["leader_staff"])
    url = reverse("chain-edit", kwargs={"city_code": world["city"].code, "pk": case.pk})

    # when: a search for 三厂 with the title already changed, then save with it ticked
    page = client.get(url)
    searched = client.post(url, {"title": "二期", "projects": [p1.pk], "q": "三厂", "search": "1"})
    searching_saved_nothing = not case.projects.filter(pk=p3.pk).exists()
    saved = client.post(url, {"title": "二期", "projects": [p1.pk, p3.pk], "save": "1"})

    # then
    assert page.status_code == 200
    first_label = page.context["form"].fields["projects"].choices[0][1]
    assert first_label.endswith("一厂改造")  # the chosen project first
    offered = dict(searched.context["form"].fields["projects"].choices)
    assert set(offered) == {p1.pk, p3.pk}  # the ticked one and the one found, not 二厂
    body = searched.content.decode()
    assert 'value="二期"' in body and f'value="{p1.pk}"' in body and "checked" in body
    assert searching_saved_nothing
    assert saved.status_code == 302
    case.refresh_from_db()
    assert case.title == "二期"
    assert sorted(case.projects.values_list("pk", flat=True)) == sorted([p1.pk, p3.pk])
    assert p2.pk not in case.projects.values_list("pk", flat=True)


def test_the_edit_page_is_closed_to_others_and_other_cities(world, client):
    case = _case(world)
    url = reverse("chain-edit", kwargs={"city_code": world["city"].code, "pk": case.pk})
    client.force_login(world["integrator_staff"])
    closed = client.post(url, {"title": "改名", "projects": [world["projects"][0].pk]})
    detail = client.get(reverse("chain-detail", kwargs={"city_code": world["city"].code,
                                                        "pk": case.pk}))  # fmt: skip
    other_admin = MembershipFactory(role="city_admin").user
    client.force_login(other_admin)
    other_city = other_admin.memberships.get().city.code
    elsewhere = client.get(reverse("chain-edit", kwargs={"city_code": other_city, "pk": case.pk}))

    assert closed.status_code == 403 and elsewhere.status_code == 404
    assert 'data-testid="edit-case"' not in detail.content.decode()
    case.refresh_from_db()
    assert case.title == "整机配套链式改造"


@pytest.mark.parametrize("size", [3, 30])
def test_the_form_pages_offer_a_bounded_list_at_fixed_queries(
    world, client, size, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr(chains, "SEARCH_LIMIT", 10)
    for i in range(size):
        build_project(world["suppliers"][i % 2], world["integrator"], title=f"项目{i}")
    case = _case(world, actor="admin")
    client.force_login(world["admin"])
    city = world["city"].code

    # session, user, memberships, city; the chosen projects, the found ones (and the leaders'
    # choices when registering: providers, enterprises)
    with django_assert_max_num_queries(8):
        create = client.get(reverse("chain-create", kwargs={"city_code": city}))
    # …; the case, its project ids, the chosen projects, the found ones
    with django_assert_max_num_queries(8):
        edit = client.get(reverse("chain-edit", kwargs={"city_code": city, "pk": case.pk}))

    assert create.status_code == edit.status_code == 200
    assert len(create.context["form"].fields["projects"].choices) == min(10, size + 2)
    assert len(edit.context["form"].fields["projects"].choices) == 2 + min(10, size)


# -- the API ----------------------------------------------------------------------------------


def _api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_registers_lists_shows_and_edits_cases(world):
    city = world["city"].code
    p1, p2 = world["projects"]
    leader = _api(world["leader_staff"])

    created = leader.post(
        f"/api/v1/cities/{city}/chain-cases/",
        {"title": "链式一号", "leader_provider": world["leader"].pk, "projects": [p1.pk]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["projects"] == [p1.pk] and created.json()["can_edit"] is True
    edited = leader.patch(
        f"/api/v1/cities/{city}/chain-cases/{pk}/",
        {"description": "新增二厂", "projects": [p1.pk, p2.pk]},
        format="json",
    )
    listed = _api(world["admin"]).get(f"/api/v1/cities/{city}/chain-cases/")

    assert edited.status_code == 200, edited.json()
    assert edited.json()["description"] == "新增二厂"
    assert sorted(edited.json()["projects"]) == sorted([p1.pk, p2.pk])
    assert [r["title"] for r in edited.json()["rows"]] == ["一厂改造", "二厂改造"]
    assert edited.json()["project_count"] == 2
    assert listed.json()["count"] == 1 and listed.json()["results"][0]["title"] == "链式一号"


def test_the_api_refuses_others_bad_input_and_other_cities(world):
    city = world["city"].code
    case = _case(world)
    url = f"/api/v1/cities/{city}/chain-cases/{case.pk}/"
    other_admin = MembershipFactory(role="city_admin").user
    other_city = other_admin.memberships.get().city.code

    forbidden = _api(world["integrator_staff"]).patch(url, {"title": "改名"}, format="json")
    bad = _api(world["admin"]).patch(url, {"projects": []}, format="json")
    elsewhere = _api(other_admin).patch(
        f"/api/v1/cities/{other_city}/chain-cases/{case.pk}/", {"title": "改名"}, format="json"
    )
    not_created = _api(world["officer"]).post(
        f"/api/v1/cities/{city}/chain-cases/", _data(world), format="json"
    )

    assert forbidden.status_code == 403
    assert bad.status_code == 400 and "projects" in bad.json()
    assert elsewhere.status_code == 404
    assert not_created.status_code == 403
    case.refresh_from_db()
    assert case.title == "整机配套链式改造" and case.projects.count() == 2
    assert ChainCase.objects.filter(city=world["city"]).count() == 1


@pytest.mark.parametrize("size", [3, 30])
def test_the_api_list_runs_a_fixed_number_of_queries(world, size, django_assert_max_num_queries):
    for i in range(size):
        _case(world, actor="admin", title=f"链{i}")
    client = _api(world["admin"])

    # memberships, city; count, the page with its figures, the projects' ids
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/cities/{world['city'].code}/chain-cases/")

    assert response.status_code == 200 and response.json()["count"] == size
