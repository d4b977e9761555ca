"""Every transition by every role: allowed ones move the application and record who, when, why;
refused ones answer 403 (role), 404 (out of sight) or 409 (state) and change nothing."""

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from rest_framework.test import APIClient

from enterprises.models import Application, ApplicationStatus, ApplicationTransition
from pilot_portal.audit.models import AuditEntry
from pilot_portal.tenancy.models import Batch, Membership

pytestmark = pytest.mark.django_db

ROLES = [
    "city_admin", "district_officer", "finance_officer", "expert", "assessor", "auditor",
    "enterprise", "provider", "ministry", "province",
]  # fmt: skip
ACTIONS = ["submit", "district-approve", "return", "approve", "reject"]

# The enrolment rules of DOMAIN.md, written out: (action, from status, role) -> to status.
ALLOWED = {
    ("submit", "draft", "enterprise"): "submitted",
    ("submit", "returned", "enterprise"): "submitted",
    ("submit", "draft", "city_admin"): "submitted",
    ("submit", "returned", "city_admin"): "submitted",
    ("district-approve", "submitted", "district_officer"): "district_approved",
    ("return", "submitted", "district_officer"): "returned",
    ("return", "submitted", "city_admin"): "returned",
    ("return", "district_approved", "city_admin"): "returned",
    ("approve", "district_approved", "city_admin"): "approved",
    ("reject", "district_approved", "city_admin"): "rejected",
}
# Roles with no business in enrolment are refused outright (403, API.md); an application
# outside what a reviewer sees (another district) is 404, as another city's object.
UNSEEING = {"expert", "assessor", "provider"}


def username(role):
    return {"ministry": "ministry", "province": "fujian-province"}.get(role, f"xiamen-{role}")


def api_as(role):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username=username(role)))
    return client


@pytest.fixture
def application(demo):
    """The demo enterprise's application to the open demo batch."""
    enterprise = Membership.objects.get(user__username="xiamen-enterprise").enterprise
    return Application.objects.create(
        city=enterprise.city, enterprise=enterprise,
        batch=Batch.objects.get(city=enterprise.city, name__startswith="演示批次"),
        declares_not_central_little_giant=True, declares_not_in_2022_pilot=True,
    )  # fmt: skip


def expected_refusal(action, role):
    if role in UNSEEING:
        return 403
    if any(a == action and r == role for a, _, r in ALLOWED):
        return 409
    return 403


@pytest.mark.parametrize(
    ("action", "status", "role"),
    list(itertools.product(ACTIONS, [s for s, _ in ApplicationStatus.choices], ROLES)),
)
def test_every_transition_by_every_role(application, action, status, role):
    Application.objects.filter(pk=application.pk).update(status=status)
    steps_before = ApplicationTransition.objects.count()

    response = api_as(role).post(
        f"/api/v1/cities/xiamen/applications/{application.pk}/{action}/",
        {"comment": "理由 / reason"},
        format="json",
    )

    application.refresh_from_db()
    target = ALLOWED.get((action, status, role))
    if target:
        assert response.status_code == 200, response.json()
        assert application.status == target
        step = application.transitions.get()
        assert (step.actor.username, step.from_status, step.to_status, step.comment) == (
            username(role), status, target, "理由 / reason",
        )  # fmt: skip
    else:
        assert response.status_code == expected_refusal(action, role), response.json()
        assert application.status == status
        assert ApplicationTransition.objects.count() == steps_before


def test_a_refused_state_names_the_current_status(application):
    response = api_as("city_admin").post(
        f"/api/v1/cities/xiamen/applications/{application.pk}/approve/", {}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["status"] == "draft"
    assert "not allowed while the application is draft" in response.json()["detail"]


def test_returning_and_rejecting_need_a_reason(application):
    Application.objects.filter(pk=application.pk).update(status="district_approved")

    for action in ("return", "reject"):
        response = api_as("city_admin").post(
            f"/api/v1/cities/xiamen/applications/{application.pk}/{action}/",
            {"comment": "  "},
            format="json",
        )
        assert response.status_code == 400
        assert "comment" in response.json()
    application.refresh_from_db()
    assert application.status == "district_approved"


def test_submitting_needs_both_declarations(application):
    Application.objects.filter(pk=application.pk).update(declares_not_in_2022_pilot=False)

    response = api_as("enterprise").post(
        f"/api/v1/cities/xiamen/applications/{application.pk}/submit/", {}, format="json"
    )

    assert response.status_code == 400
    assert "declarations" in response.json()
    application.refresh_from_db()
    assert application.status == "draft"


def test_the_district_officer_of_another_district_cannot_review(application):
    from tests.factories import DistrictFactory, MembershipFactory, UserFactory

    other = DistrictFactory(city=application.city, code="350299", name="别的区")
    officer = MembershipFactory(
        user=UserFactory(username="other-officer"), role="district_officer",
        city=application.city, district=other,
    )  # fmt: skip
    Application.objects.filter(pk=application.pk).update(status="submitted")
    client = APIClient()
    client.force_authenticate(officer.user)

    response = client.post(
        f"/api/v1/cities/xiamen/applications/{application.pk}/district-approve/", {}, format="json"
    )

    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == "submitted"


def test_an_excluded_enterprise_needs_a_recorded_override(application):
    application.enterprise.in_2022_pilot = True
    application.enterprise.save()
    Application.objects.filter(pk=application.pk).update(status="district_approved")
    url = f"/api/v1/cities/xiamen/applications/{application.pk}/approve/"

    refused = api_as("city_admin").post(url, {}, format="json")
    approved = api_as("city_admin").post(
        url, {"override_reason": "经市局研究，改造内容与2022年试点不同"}, format="json"
    )

    assert refused.status_code == 409
    assert "2022 transformation pilot" in refused.json()["detail"]
    assert approved.status_code == 200
    assert approved.json()["exclusion_override_reason"] == "经市局研究，改造内容与2022年试点不同"
    entry = AuditEntry.objects.latest("seq")
    assert (entry.action, entry.reason) == (
        "application.approve",
        "经市局研究，改造内容与2022年试点不同",
    )


def test_the_enterprise_is_mailed_on_each_step(application, django_capture_on_commit_callbacks):
    get_user_model().objects.filter(username="xiamen-enterprise").update(email="qiye@example.cn")

    with django_capture_on_commit_callbacks(execute=True):
        api_as("enterprise").post(
            f"/api/v1/cities/xiamen/applications/{application.pk}/submit/", {}, format="json"
        )

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["qiye@example.cn"]
    assert "已提交" in mail.outbox[0].subject or "submitted" in mail.outbox[0].subject


def test_the_enterprise_sees_the_whole_history(application):
    Application.objects.filter(pk=application.pk).update(status="submitted")
    api_as("district_officer").post(
        f"/api/v1/cities/xiamen/applications/{application.pk}/return/",
        {"comment": "请补充营业执照"},
        format="json",
    )

    body = api_as("enterprise").get(f"/api/v1/cities/xiamen/applications/{application.pk}/").json()

    assert body["status"] == "returned"
    assert [(h["action"], h["actor"], h["comment"]) for h in body["history"]] == [
        ("return", "xiamen-district_officer", "请补充营业执照")
    ]
    assert body["allowed_actions"] == ["submit"]


def test_applying_twice_to_a_batch_is_a_conflict(application):
    response = api_as("enterprise").post(
        "/api/v1/cities/xiamen/applications/",
        {"enterprise": application.enterprise_id, "batch": application.batch_id},
        format="json",
    )

    assert response.status_code == 409
    assert Application.objects.filter(enterprise=application.enterprise).count() == 1


def test_an_enterprise_cannot_apply_to_a_closed_batch(application):
    closed = Batch.objects.get(city=application.city, name="第一批")

    response = api_as("enterprise").post(
        "/api/v1/cities/xiamen/applications/",
        {"enterprise": application.enterprise_id, "batch": closed.pk},
        format="json",
    )

    assert response.status_code == 409
    assert "accepts applications from" in response.json()["detail"]


def test_an_enterprise_cannot_apply_for_another_enterprise(application):
    other = application.city.enterprises.exclude(pk=application.enterprise_id).first()

    response = api_as("enterprise").post(
        "/api/v1/cities/xiamen/applications/",
        {"enterprise": other.pk, "batch": application.batch_id},
        format="json",
    )

    assert response.status_code == 404
    assert not Application.objects.filter(enterprise=other, batch=application.batch).exists()


def test_the_application_list_runs_a_fixed_number_of_queries(demo, django_assert_max_num_queries):
    from tests.factories import EnterpriseFactory

    city = Membership.objects.get(user__username="xiamen-city_admin").city
    batch = Batch.objects.get(city=city, name="第一批")
    for enterprise in EnterpriseFactory.create_batch(20, city=city):
        Application.objects.create(city=city, enterprise=enterprise, batch=batch)

    client = api_as("city_admin")

    # city, memberships, count, page with enterprise/district/sector/batch, steps with actors
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/cities/xiamen/applications/")
    assert response.json()["count"] == 27  # 20 here, 3 demo ones in the open batch, 4 approved


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("applications", {"batch": "3.4e+38"}, "batch"),
        ("applications", {"status": "paid"}, "status"),
        ("enterprises", {"level": "five"}, "level"),
        ("enterprises", {"size": "huge"}, "size"),
    ],
)
def test_a_malformed_filter_is_a_400_naming_it(demo, path, query, field):
    response = api_as("city_admin").get(f"/api/v1/cities/xiamen/{path}/", query)

    assert response.status_code == 400
    assert field in response.json()
