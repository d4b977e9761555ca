"""Change requests: the enterprise requests, its district reviews, the city records."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from enterprises.models import ChangeRequest
from pilot_portal.audit.models import AuditEntry
from pilot_portal.tenancy.models import Membership

pytestmark = pytest.mark.django_db


def api_as(username):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username=username))
    return client


@pytest.fixture
def change(demo):
    enterprise = Membership.objects.get(user__username="xiamen-enterprise").enterprise
    response = api_as("xiamen-enterprise").post(
        "/api/v1/cities/xiamen/change-requests/",
        {"enterprise": enterprise.pk, "kind": "new_content",
         "description": "改造内容由视觉质检调整为能耗管理，合同金额不变。"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    return ChangeRequest.objects.get(pk=response.json()["id"])


def act(username, change, action, comment=""):
    return api_as(username).post(
        f"/api/v1/cities/xiamen/change-requests/{change.pk}/action/",
        {"action": action, "comment": comment},
        format="json",
    )


def test_a_change_goes_through_district_and_city(change):
    assert act("xiamen-district_officer", change, "district-approve", "同意").status_code == 200
    response = act("xiamen-city_admin", change, "record", "已备案")

    assert response.json()["status"] == "recorded"
    assert [h["action"] for h in response.json()["history"]] == [
        "request", "district-approve", "record",
    ]  # fmt: skip


def test_the_city_cannot_record_before_the_district(change):
    response = act("xiamen-city_admin", change, "record")

    assert response.status_code == 409
    change.refresh_from_db()
    assert change.status == "requested"


def test_only_the_enterprise_requests(demo):
    enterprise = Membership.objects.get(user__username="xiamen-enterprise").enterprise

    response = api_as("xiamen-district_officer").post(
        "/api/v1/cities/xiamen/change-requests/",
        {"enterprise": enterprise.pk, "kind": "new_entity", "description": "x" * 20},
        format="json",
    )

    assert response.status_code == 403
    assert not ChangeRequest.objects.exists()


def test_a_return_needs_a_reason_and_the_enterprise_sends_again(change):
    assert act("xiamen-district_officer", change, "return").status_code == 400
    assert (
        act("xiamen-district_officer", change, "return", "请补充新主体营业执照").status_code == 200
    )

    response = act("xiamen-enterprise", change, "resubmit")

    assert response.json()["status"] == "requested"


def test_the_pages_show_the_request_and_take_the_step(change, client):
    client.force_login(get_user_model().objects.get(username="xiamen-district_officer"))

    listing = client.get("/c/xiamen/changes/").content.decode()
    client.post(
        f"/c/xiamen/changes/{change.pk}/", {"action": "district-approve", "comment": "同意"}
    )

    change.refresh_from_db()
    assert change.enterprise.name in listing
    assert change.status == "district_approved"


# -- a change request that changes a project ---------------------------------------------------


@pytest.fixture
def works():
    """A city whose enterprise runs a project with provider A; B is in the pool, C is not;
    a neighbour enterprise has a project of its own."""
    from datetime import date

    from tests.factories import (
        BatchFactory,
        CityFactory,
        DistrictFactory,
        EnterpriseFactory,
        MembershipFactory,
        ProductFactory,
        ProviderFactory,
        ProviderSelectionFactory,
    )

    city = CityFactory()
    district = DistrictFactory(city=city)
    enterprise = EnterpriseFactory(city=city, district=district, name="甲精密机械有限公司")
    neighbour = EnterpriseFactory(city=city, district=district)
    a, b, c = ProviderFactory(name="甲服务商"), ProviderFactory(name="乙服务商"), ProviderFactory()
    for provider in (a, b):
        ProviderSelectionFactory(city=city, provider=provider, status="selected")
    admin = MembershipFactory(city=city, role="city_admin").user

    def project(owner, title):
        made = owner.projects.create(
            city=city, provider=a, title=title, scenarios=["quality"],
            contract_amount=Decimal("200000.00"), planned_start=date(2026, 1, 1),
            planned_end=date(2026, 12, 31), status="in_progress", created_by=admin,
        )  # fmt: skip
        made.products.add(ProductFactory(city=city, provider=a))
        return made

    for owner in (enterprise, neighbour):
        owner.applications.create(city=city, batch=BatchFactory(city=city), status="approved")
    return {
        "city": city, "enterprise": enterprise, "a": a, "b": b, "not_pooled": c,
        "project": project(enterprise, "视觉质检改造"),
        "other_project": project(neighbour, "邻居的项目"), "admin": admin,
        "owner": MembershipFactory(city=city, role="enterprise", enterprise=enterprise).user,
        "officer": MembershipFactory(city=city, role="district_officer", district=district).user,
    }  # fmt: skip


def user_api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def request_change(works, *, project=None, changes=None, kind="new_entity"):
    body = {
        "enterprise": works["enterprise"].pk, "kind": kind,
        "description": "原服务商无法继续驻场实施，更换为乙服务商并调整合同金额。",
    }  # fmt: skip
    if project is not None:
        body["project"] = project.pk
    if changes is not None:
        body["changes"] = changes
    return user_api(works["owner"]).post(
        f"/api/v1/cities/{works['city'].code}/change-requests/", body, format="json"
    )


def step(works, user, change_id, action, comment="同意"):
    return user_api(works[user]).post(
        f"/api/v1/cities/{works['city'].code}/change-requests/{change_id}/action/",
        {"action": action, "comment": comment},
        format="json",
    )


def test_recording_the_request_changes_the_project_and_says_so(works, client):
    # given: a request for a new provider, title and amount, approved by the district
    project = works["project"]
    response = request_change(
        works, project=project,
        changes={"provider": works["b"].pk, "title": "视觉质检与能耗改造",
                 "contract_amount": "260000.00", "scenarios": ["quality", "energy"]},
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    change_id = response.json()["id"]
    assert response.json()["project"] == project.pk
    assert response.json()["changes"] == {
        "provider": works["b"].pk, "title": "视觉质检与能耗改造",
        "contract_amount": "260000.00", "scenarios": ["energy", "quality"],
    }  # fmt: skip
    assert step(works, "officer", change_id, "district-approve").status_code == 200
    project.refresh_from_db()
    assert project.provider == works["a"]  # nothing changes before the city records it

    # when
    response = step(works, "admin", change_id, "record", "已备案")

    # then
    assert response.status_code == 200, response.json()
    project.refresh_from_db()
    assert (project.provider, project.title, project.contract_amount, project.scenarios) == (
        works["b"], "视觉质检与能耗改造", Decimal("260000.00"), ["energy", "quality"],
    )  # fmt: skip
    assert not project.products.exists()  # the old provider's light solutions went with it
    change_step = project.steps.get(action="change")
    assert change_step.change_request_id == change_id
    assert f"changed by change request #{change_id}" in change_step.comment
    assert "甲服务商 → 乙服务商" in change_step.comment
    entry = AuditEntry.objects.get(action="project.change")
    assert entry.data["change_request"] == change_id
    assert entry.data["before"]["provider"] == "甲服务商"
    assert (
        project.history.first().history_change_reason == f"变更申请 #{change_id} / change "
        f"request #{change_id}"
    )
    client.force_login(works["owner"])
    page = client.get(f"/c/{works['city'].code}/projects/{project.pk}/").content.decode()
    assert 'data-testid="changed-by-request"' in page
    assert f"/c/{works['city'].code}/changes/{change_id}/" in page


def test_a_returned_request_leaves_the_project_alone(works):
    project = works["project"]
    change_id = request_change(works, project=project, changes={"provider": works["b"].pk}).json()[
        "id"
    ]

    response = step(works, "admin", change_id, "return", "请补充新服务商合同")

    assert response.json()["status"] == "returned"
    project.refresh_from_db()
    assert project.provider == works["a"] and not project.steps.exists()
    assert not AuditEntry.objects.filter(action="project.change").exists()


def test_a_provider_outside_the_pool_is_refused(works):
    response = request_change(
        works, project=works["project"], changes={"provider": works["not_pooled"].pk}
    )

    assert response.status_code == 400
    assert "provider" in response.json()
    assert not ChangeRequest.objects.exists()


def test_a_project_of_another_enterprise_is_refused(works):
    response = request_change(works, project=works["other_project"], changes={"title": "改名"})

    assert response.status_code == 400
    assert "project" in response.json()
    assert not ChangeRequest.objects.exists()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({}, "changes"),  # nothing changes
        ({"provider": "__a__"}, "changes"),  # the provider it has already
        ({"contract_amount": "12.345"}, "contract_amount"),
        ({"contract_amount": "0"}, "contract_amount"),
    ],
)
def test_a_request_that_changes_nothing_or_badly_is_refused(works, changes, field):
    changes = {k: works["a"].pk if v == "__a__" else v for k, v in changes.items()}

    response = request_change(works, project=works["project"], changes=changes)

    assert response.status_code == 400
    assert field in response.json()
    assert not ChangeRequest.objects.exists()


def test_changes_without_a_project_are_refused(works):
    response = request_change(works, changes={"title": "新名称"})

    assert response.status_code == 400 and "project" in response.json()


def test_the_recording_is_refused_when_the_provider_left_the_pool(works):
    from providers.models import ProviderSelection

    project = works["project"]
    change = ChangeRequest.objects.get(
        pk=request_change(works, project=project, changes={"provider": works["b"].pk}).json()["id"]
    )
    step(works, "officer", change.pk, "district-approve")
    ProviderSelection.objects.filter(provider=works["b"]).update(status="suspended")

    response = step(works, "admin", change.pk, "record")

    assert response.status_code == 409
    change.refresh_from_db()
    project.refresh_from_db()
    assert change.status == "district_approved" and project.provider == works["a"]


def test_a_started_project_s_provider_changes_only_by_change_request(works):
    project = works["project"]

    response = user_api(works["owner"]).patch(
        f"/api/v1/cities/{works['city'].code}/projects/{project.pk}/",
        {"provider": works["b"].pk, "title": "改名"},
        format="json",
    )

    assert response.status_code == 409
    assert "change request" in response.json()["detail"]
    project.refresh_from_db()
    assert (project.provider, project.title) == (works["a"], "视觉质检改造")


def test_the_form_offers_the_enterprise_s_projects_and_the_pool(works, client):
    client.force_login(works["owner"])
    city, enterprise = works["city"].code, works["enterprise"]
    url = f"/c/{city}/enterprises/{enterprise.pk}/changes/new/"
    data = {"kind": "new_entity", "description": "更换服务商，原服务商无法继续实施。",
            "project": works["project"].pk}  # fmt: skip

    form = client.get(url, {"project": works["project"].pk}).content.decode()
    assert f'value="{works["project"].pk}" selected' in form
    assert "邻居的项目" not in form  # another enterprise's project is not offered
    assert "乙服务商" in form and works["not_pooled"].name not in form

    refused = client.post(url, {**data, "provider": works["not_pooled"].pk})
    assert refused.status_code == 400 and not ChangeRequest.objects.exists()

    response = client.post(url, {**data, "provider": works["b"].pk})
    change = ChangeRequest.objects.get()
    assert response.status_code == 302
    assert (change.project, change.project_changes) == (
        works["project"], {"provider": works["b"].pk},
    )  # fmt: skip
    detail = client.get(response["Location"]).content.decode()
    assert 'data-testid="project-changes"' in detail and "乙服务商" in detail
