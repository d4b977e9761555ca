"""Exemplary projects: the city marks accepted ones; the public showcase shows only those."""

import pytest
from django.test import Client
from django.urls import reverse

from enterprises.models import Project
from enterprises.projects import showcase
from pilot_portal.audit.models import AuditEntry
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from tests.factories import (
    CityFactory,
    EnterpriseFactory,
    MembershipFactory,
    ProviderFactory,
    SectorFactory,
)
from tests.projects.test_monitoring import build_project

pytestmark = pytest.mark.django_db

RESULTS = "排产效率提升 30%，库存周转天数下降 12 天"


@pytest.fixture
def world():
    city = CityFactory()
    sector = SectorFactory(city=city, name="汽车零部件")
    enterprise = EnterpriseFactory(city=city, sector=sector, name="样板精工")
    provider = ProviderFactory(name="智造服务商")
    accepted = build_project(
        enterprise, provider, status="accepted", title="智能排产改造",
        scenarios=["scheduling", "warehouse"],
    )  # fmt: skip
    running = build_project(enterprise, provider, status="in_progress", title="在建项目")
    return {
        "city": city, "accepted": accepted, "running": running,
        "admin": MembershipFactory(city=city, role="city_admin").user,
        "auditor": MembershipFactory(city=city, role="auditor").user,
        "owner": MembershipFactory(city=city, role="enterprise", enterprise=enterprise).user,
    }  # fmt: skip


def _mark(world, project, **kwargs):
    return showcase.project_exemplary_set(
        project=project, actor=world["admin"], exemplary=True, results=RESULTS, **kwargs
    )


def test_the_city_marks_an_accepted_project_exemplary_and_it_is_audited(world):
    project = _mark(world, world["accepted"])

    project.refresh_from_db()
    assert project.exemplary and project.exemplary_results == RESULTS
    entry = AuditEntry.objects.get(action="project.exemplary", object_id=str(project.pk))
    assert entry.actor == world["admin"] and entry.data["results"] == RESULTS


def test_a_project_not_accepted_cannot_be_exemplary(world):
    with pytest.raises(Conflict):
        _mark(world, world["running"])

    world["running"].refresh_from_db()
    assert not world["running"].exemplary
    assert not AuditEntry.objects.filter(action="project.exemplary").exists()


def test_results_are_required_and_only_the_city_admin_decides(world):
    with pytest.raises(InvalidInput) as refused:
        showcase.project_exemplary_set(
            project=world["accepted"], actor=world["admin"], exemplary=True, results=" "
        )
    assert refused.value.field == "results"
    for who in ("auditor", "owner"):
        with pytest.raises(NotAllowed):
            showcase.project_exemplary_set(
                project=world["accepted"], actor=world[who], exemplary=True, results=RESULTS
            )
    assert not Project.objects.get(pk=world["accepted"].pk).exemplary


def test_the_city_unmarks_a_project(world):
    _mark(world, world["accepted"])

    showcase.project_exemplary_set(project=world["accepted"], actor=world["admin"], exemplary=False)

    assert not Project.objects.get(pk=world["accepted"].pk).exemplary
    assert AuditEntry.objects.filter(action="project.exemplary_removed").count() == 1


def test_the_page_marks_and_answers_409_when_not_accepted(world, client):
    client.force_login(world["admin"])
    code = world["city"].code

    def url(project):
        return reverse("project-exemplary", kwargs={"city_code": code, "pk": project.pk})

    shown = client.get(url(world["accepted"]))
    marked = client.post(url(world["accepted"]), {"exemplary": "on", "results": RESULTS})
    refused = client.post(url(world["running"]), {"exemplary": "on", "results": RESULTS})

    assert shown.status_code == 200 and "智能排产改造" in shown.content.decode()
    assert marked.status_code == 302
    assert Project.objects.get(pk=world["accepted"].pk).exemplary
    assert refused.status_code == 409
    assert "only an accepted project" in refused.content.decode()


def test_the_page_is_closed_to_enterprises_and_to_other_cities(world, client):
    code = world["city"].code
    url = reverse("project-exemplary", kwargs={"city_code": code, "pk": world["accepted"].pk})
    client.force_login(world["owner"])
    assert client.post(url, {"exemplary": "on", "results": RESULTS}).status_code == 403
    client.force_login(world["auditor"])  # reads, may not decide
    assert client.get(url).status_code == 200
    assert client.post(url, {"exemplary": "on", "results": RESULTS}).status_code == 403
    other = MembershipFactory(role="city_admin").user
    client.force_login(other)
    other_url = reverse(
        "project-exemplary",
        kwargs={"city_code": other.memberships.get().city.code, "pk": world["accepted"].pk},
    )
    assert client.post(other_url, {"exemplary": "on", "results": RESULTS}).status_code == 404
    assert not Project.objects.get(pk=world["accepted"].pk).exemplary


def test_the_public_showcase_shows_only_exemplary_accepted_projects(world):
    # given: one exemplary; one accepted not marked; one marked but no longer accepted (a
    # row changed behind the service's back); and another city's exemplary project
    _mark(world, world["accepted"])
    enterprise, provider = world["accepted"].enterprise, world["accepted"].provider
    build_project(enterprise, provider, status="accepted", title="未选样板")
    build_project(
        enterprise, provider, status="failed", title="失败样板", exemplary=True,
        exemplary_results="不应公开",
    )  # fmt: skip
    elsewhere = build_project(
        EnterpriseFactory(city=CityFactory()), ProviderFactory(), status="accepted",
        title="他市样板", exemplary=True, exemplary_results="他市成效",
    )  # fmt: skip

    # when: anyone, without logging in
    response = Client().get(reverse("public-showcase", kwargs={"city_code": world["city"].code}))

    # then
    body = response.content.decode()
    assert response.status_code == 200
    for shown in ("样板精工", "智能排产改造", "汽车零部件", "智造服务商", RESULTS):
        assert shown in body
    assert "计划排程" in body  # the scenario, in the page's language (zh-hans first)
    for hidden in ("未选样板", "失败样板", "不应公开", "在建项目", elsewhere.title, "他市成效"):
        assert hidden not in body


def test_the_public_showcase_takes_no_writes_and_unknown_cities_are_not_found(world):
    url = reverse("public-showcase", kwargs={"city_code": world["city"].code})
    assert Client().post(url).status_code == 405
    missing = reverse("public-showcase", kwargs={"city_code": "nowhere"})
    assert Client().get(missing).status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_the_showcase_runs_a_fixed_number_of_queries(world, size, django_assert_max_num_queries):
    enterprise, provider = world["accepted"].enterprise, world["accepted"].provider
    for i in range(size):
        build_project(
            enterprise, provider, status="accepted", title=f"样板{i}", exemplary=True,
            exemplary_results="成效",
        )  # fmt: skip
    client = Client()

    # the city, the count, the page's rows
    with django_assert_max_num_queries(3):
        response = client.get(reverse("public-showcase", kwargs={"city_code": world["city"].code}))

    assert response.status_code == 200
