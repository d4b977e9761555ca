"""The registry and enrolment through the pages, as officials and enterprises use them."""

from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook

from enterprises.models import Application, Enterprise
from pilot_portal.demo.services import demo_uscc
from pilot_portal.jobs.models import Job
from pilot_portal.tenancy.models import Batch, Membership

pytestmark = pytest.mark.django_db


def as_user(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def demo_enterprise(city="xiamen"):
    return Membership.objects.get(user__username=f"{city}-enterprise").enterprise


def test_the_list_filters_by_district_and_searches(demo, client):
    enterprise = demo_enterprise()
    page = as_user(client, "xiamen-city_admin").get(
        "/c/xiamen/enterprises/",
        {"district": enterprise.district.code, "search": enterprise.uscc[-6:]},
    )

    html = page.content.decode()
    assert enterprise.name in html
    assert html.count('href="/c/xiamen/enterprises/') - html.count("/enterprises/new/") >= 1
    assert "厦门数控设备有限公司" not in html


def test_a_district_officer_lists_only_the_district(demo, client):
    officer = Membership.objects.get(user__username="xiamen-district_officer")

    html = as_user(client, "xiamen-district_officer").get("/c/xiamen/enterprises/").content.decode()

    for enterprise in Enterprise.objects.filter(city=officer.city):
        assert (enterprise.name in html) == (enterprise.district_id == officer.district_id)


def test_the_list_runs_a_fixed_number_of_queries(demo, client, django_assert_max_num_queries):
    from tests.factories import EnterpriseFactory

    city = demo_enterprise().city
    EnterpriseFactory.create_batch(60, city=city, district=city.districts.first())
    as_user(client, "xiamen-city_admin")

    # session, user, city, memberships, count, page, filter choices (districts, sectors)
    with django_assert_max_num_queries(10):
        assert client.get("/c/xiamen/enterprises/").status_code == 200


def test_registering_with_a_wrong_code_explains_it_and_keeps_the_input(demo, client):
    before = Enterprise.objects.count()
    valid = demo_uscc("350203", 778)
    wrong = valid[:-1] + ("0" if valid[-1] != "0" else "1")

    response = as_user(client, "xiamen-city_admin").post(
        "/c/xiamen/enterprises/new/",
        {"uscc": wrong, "name": "鹭岛精工有限公司", "size": "above", "srdi": "none"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "wrong check character" in html
    assert 'value="鹭岛精工有限公司"' in html
    assert Enterprise.objects.count() == before


def test_registering_an_enterprise(demo, client):
    uscc = demo_uscc("350203", 777)

    response = as_user(client, "xiamen-city_admin").post(
        "/c/xiamen/enterprises/new/",
        {"uscc": uscc.lower(), "name": "鹭岛精工有限公司", "size": "above", "srdi": "provincial",
         "district": "350203"},
    )  # fmt: skip

    enterprise = Enterprise.objects.get(uscc=uscc)
    assert response.url == f"/c/xiamen/enterprises/{enterprise.pk}/"
    assert (enterprise.district.code, enterprise.srdi) == ("350203", "provincial")
    assert enterprise.history.latest().history_user.username == "xiamen-city_admin"


def test_an_enterprise_edits_its_profile_but_not_its_exclusion_flags(demo, client):
    enterprise = demo_enterprise()
    as_user(client, "xiamen-enterprise")

    form = client.get(f"/c/xiamen/enterprises/{enterprise.pk}/edit/").content.decode()
    client.post(
        f"/c/xiamen/enterprises/{enterprise.pk}/edit/",
        {"name": enterprise.name, "size": "above", "srdi": "none", "contact_name": "王经理",
         "in_2022_pilot": "on"},
    )  # fmt: skip

    enterprise.refresh_from_db()
    assert 'name="in_2022_pilot"' not in form
    assert enterprise.contact_name == "王经理"
    assert enterprise.in_2022_pilot is False


def test_an_enterprise_applies_and_submits(demo, client):
    enterprise = demo_enterprise()
    batch = Batch.objects.get(city=enterprise.city, name__startswith="演示批次")

    response = as_user(client, "xiamen-enterprise").post(
        f"/c/xiamen/enterprises/{enterprise.pk}/apply/",
        {"batch": batch.pk, "declares_not_central_little_giant": "on",
         "declares_not_in_2022_pilot": "on", "submit": "1"},
    )  # fmt: skip

    application = Application.objects.get(enterprise=enterprise, batch=batch)
    assert response.url == f"/c/xiamen/applications/{application.pk}/"
    assert application.status == "submitted"


def test_submitting_without_declarations_creates_nothing_and_says_why(demo, client):
    enterprise = demo_enterprise()
    batch = Batch.objects.get(city=enterprise.city, name__startswith="演示批次")

    response = as_user(client, "xiamen-enterprise").post(
        f"/c/xiamen/enterprises/{enterprise.pk}/apply/", {"batch": batch.pk, "submit": "1"}
    )

    assert "both declarations must be confirmed" in response.content.decode()
    assert f'value="{batch.pk}" selected' in response.content.decode()
    assert not Application.objects.filter(enterprise=enterprise, batch=batch).exists()


def test_the_district_officer_approves_on_the_application_page(demo, client):
    application = Application.objects.get(city__code="xiamen", status="submitted")

    as_user(client, "xiamen-district_officer").post(
        f"/c/xiamen/applications/{application.pk}/",
        {"action": "district-approve", "comment": "材料齐全"},
    )

    application.refresh_from_db()
    assert application.status == "district_approved"
    page = client.get(f"/c/xiamen/applications/{application.pk}/").content.decode()
    assert "材料齐全" in page


def test_a_refused_step_is_explained_on_the_page(demo, client):
    application = Application.objects.get(city__code="xiamen", status="draft")

    response = as_user(client, "xiamen-city_admin").post(
        f"/c/xiamen/applications/{application.pk}/", {"action": "approve"}
    )

    assert "not allowed while the application is draft" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "draft"


def test_the_city_admin_approves_in_bulk_and_hears_of_each_refusal(demo, client):
    ready = Application.objects.get(city__code="xiamen", status="district_approved")
    draft = Application.objects.get(city__code="xiamen", status="draft")

    as_user(client, "xiamen-city_admin").post(
        "/c/xiamen/applications/",
        {"ids": [ready.pk, draft.pk], "action": "approve", "comment": "同意"},
    )

    ready.refresh_from_db()
    draft.refresh_from_db()
    assert (ready.status, draft.status) == ("approved", "draft")
    messages = [str(m) for m in client.get("/c/xiamen/applications/").context["messages"]]
    assert any(f"#{draft.pk}" in m for m in messages)


def test_the_application_list_runs_a_fixed_number_of_queries(
    demo, client, django_assert_max_num_queries
):
    from tests.factories import EnterpriseFactory

    city = demo_enterprise().city
    batch = Batch.objects.get(city=city, name="第一批")
    for enterprise in EnterpriseFactory.create_batch(30, city=city):
        Application.objects.create(city=city, enterprise=enterprise, batch=batch)
    as_user(client, "xiamen-city_admin")

    # session, user, city, memberships, count, page, filter choices (districts, sectors, batches)
    with django_assert_max_num_queries(11):
        assert client.get("/c/xiamen/applications/").status_code == 200


def test_the_export_holds_exactly_the_filtered_list(
    demo, client, django_capture_on_commit_callbacks
):
    officer = Membership.objects.get(user__username="xiamen-district_officer")
    as_user(client, "xiamen-district_officer")

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/c/xiamen/enterprises/export/", {"size": "above"})

    job = Job.objects.get(kind="enterprise_export")
    rows = list(load_workbook(BytesIO(job.document.file.read()))["企业名单"].values)[1:]
    expected = Enterprise.objects.filter(district=officer.district, size="above")
    assert sorted(r[0] for r in rows) == sorted(expected.values_list("uscc", flat=True))
    assert job.result["rows"] == expected.count() > 0


def test_a_returned_application_is_corrected_and_submitted_again(demo, client):
    application = Application.objects.get(city__code="xiamen", status="submitted")
    Application.objects.filter(pk=application.pk).update(
        status="returned", declares_not_in_2022_pilot=False
    )
    user = Membership.objects.get(role="enterprise", city__code="xiamen").user
    Membership.objects.create(
        user=user, role="enterprise", city=application.city, enterprise=application.enterprise
    )
    as_user(client, user.username)

    client.post(
        f"/c/xiamen/applications/{application.pk}/",
        {"action": "submit", "declares_not_central_little_giant": "on",
         "declares_not_in_2022_pilot": "on"},
    )  # fmt: skip

    application.refresh_from_db()
    assert application.status == "submitted"
    assert application.declares_not_in_2022_pilot is True


def test_the_enterprise_file_lists_its_assessments_and_the_city_orders_a_diagnosis(demo, client):
    enterprise = demo_enterprise()
    url = f"/c/xiamen/enterprises/{enterprise.pk}/"
    diagnosis = enterprise.assessments.get(kind="diagnosis")

    admin_page = as_user(client, "xiamen-city_admin").get(url).content.decode()
    owner_page = as_user(client, "xiamen-enterprise").get(url).content.decode()

    title = admin_page.split("<title>")[1].split("</title>")[0]
    assert "<section" not in title and enterprise.name in title
    for page in (admin_page, owner_page):
        assert f"/c/xiamen/assessments/{diagnosis.pk}/" in page
        assert f"{diagnosis.total_score}" in page
    assert f"assessments/new/?enterprise={enterprise.pk}&amp;kind=diagnosis" in admin_page
    assert "assessments/new/" not in owner_page  # enterprises don't order official ones
