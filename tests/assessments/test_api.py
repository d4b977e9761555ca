"""assessment-templates/ and assessments/ API (API.md "Assessments"): the questionnaire, exact
scores from the real 2024 template, 400 naming each field, 403 / 404 / 409, the workflow,
evidence, filters, and a list at a fixed number of queries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from assessments import services
from assessments.models import Assessment
from tests.factories import AssessmentFactory, EnterpriseFactory, MembershipFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def url(city, tail="") -> str:
    return f"/api/v1/cities/{city.code}/assessments/{tail}"


def body(enterprise, answers, scenes, **extra) -> dict:
    return {"enterprise": enterprise.pk, "kind": "diagnosis", "answers": answers,
            "scenes": scenes, **extra}  # fmt: skip


@pytest.fixture
def locked(make_assessment, city_admin, answers_all_max, scenes_all_4):
    assessment = make_assessment(answers=answers_all_max, scenes=scenes_all_4, complete=True)
    return services.assessment_transition(city_admin, assessment, "lock")


# -- the questionnaire -------------------------------------------------------------------------


def test_the_current_template_is_the_2024_edition(city, assessor):
    response = api(assessor).get(f"/api/v1/cities/{city.code}/assessment-templates/current/")

    assert response.status_code == 200
    template = response.json()
    assert (template["edition"], template["usable"]) == ("2024", True)
    assert [d["code"] for d in template["dimensions"]] == [
        "foundation", "operations", "management", "effectiveness"
    ]  # fmt: skip
    network = template["dimensions"][0]["indicators"][0]["questions"][0]
    assert network["kind"] == "multiple"
    assert network["options"][0] == {"code": "a", "text": "无", "points": "0", "exclusive": True}
    assert len(template["scenes"]) == 16
    assert sum(s["constraint"] for s in template["scenes"]) == 10
    assert template["levels"][0] == {
        "level": 4, "min_score": "80.00", "min_scenes": 10, "min_constraint_scenes": 6
    }  # fmt: skip


def test_another_edition_is_asked_for_by_code(city, owner):
    client = api(owner)
    template_url = f"/api/v1/cities/{city.code}/assessment-templates/current/"

    response = client.get(template_url, {"edition": "2022"})
    assert response.status_code == 200
    assert response.json()["edition"] == "2022" and response.json()["usable"] is False
    assert client.get(template_url, {"edition": "1999"}).status_code == 404
    assert client.get(template_url, {"edition": "2024", "version": 99}).status_code == 404


# -- creating ----------------------------------------------------------------------------------


def test_all_max_answers_score_100_and_level_4(city, enterprise, assessor, answers_all_max,
                                               scenes_all_4):  # fmt: skip
    response = api(assessor).post(
        url(city), body(enterprise, answers_all_max, scenes_all_4), format="json"
    )

    assert response.status_code == 201, response.content
    created = response.json()
    assert created["total_score"] == "100.00"
    assert created["level"] == 4
    assert created["status"] == "draft"
    assert created["edition"] == "2024"
    assert created["dimension_scores"] == {
        "foundation": "50.00", "management": "30.00", "effectiveness": "20.00"
    }  # fmt: skip
    assert created["explanation"]["summary_en"].endswith("level 4")
    assert created["allowed_actions"] == ["edit", "submit"]
    assert Assessment.objects.get(pk=created["id"]).assessor == assessor


def test_a_draft_saves_partial_answers(city, enterprise, assessor):
    response = api(assessor).post(
        url(city),
        body(enterprise, {"network": ["b", "c"]}, {"quality": 2}, draft=True),
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["total_score"] == "4.00"
    assert response.json()["level"] is None
    unanswered = response.json()["explanation"]["unanswered"]
    assert len(unanswered) == 14 and "network" not in unanswered


def test_unanswered_questions_are_each_named(city, enterprise, assessor, answers_all_max,
                                             scenes_all_4):  # fmt: skip
    answers = dict(answers_all_max)
    missing = sorted(answers)[:3]
    for code in missing:
        del answers[code]
    count = Assessment.objects.count()

    response = api(assessor).post(url(city), body(enterprise, answers, scenes_all_4),
                                  format="json")  # fmt: skip

    assert response.status_code == 400
    assert set(response.json()) == {f"answers.{code}" for code in missing}
    assert "not answered" in response.json()[f"answers.{missing[0]}"][0]
    assert Assessment.objects.count() == count


@pytest.mark.parametrize(
    "answers, scenes, field",
    [
        ({"no_such_question": "a"}, {}, "answers.no_such_question"),
        ({"network": ["zz"]}, {}, "answers.network"),
        ({"network": ["a", "b"]}, {}, "answers.network"),  # "none" ticked with others
        ({"network": "b"}, {}, "answers.network"),  # a multiple-choice question takes a list
        ({}, {"quality": 5}, "scenes.quality"),
        ({}, {"quality": 0}, "scenes.quality"),
        ({}, {"no_such_scene": 2}, "scenes.no_such_scene"),
        ("all of them", {}, "answers"),
    ],
)
def test_bad_answers_are_refused_naming_the_field(
    city, enterprise, assessor, answers_all_max, scenes_all_4, answers, scenes, field
):
    given_answers = {**answers_all_max, **answers} if isinstance(answers, dict) else answers
    count = Assessment.objects.count()

    response = api(assessor).post(
        url(city), body(enterprise, given_answers, {**scenes_all_4, **scenes}), format="json"
    )

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert " / " in response.json()[field][0]  # 中文 / English
    assert Assessment.objects.count() == count


def test_an_enterprise_outside_the_scope_is_404_and_a_stranger_is_403(
    city, enterprise, neighbour, officer, owner, answers_all_max, scenes_all_4
):
    payload = body(neighbour, answers_all_max, scenes_all_4, kind="self")
    assert api(owner).post(url(city), payload, format="json").status_code == 404

    provider = MembershipFactory(city=city, role="provider").user
    payload = body(enterprise, answers_all_max, scenes_all_4)
    assert api(provider).post(url(city), payload, format="json").status_code == 403
    assert api(officer).post(url(city), payload, format="json").status_code == 403


def test_the_city_admin_assigns_only_assessors(city, enterprise, city_admin, owner, assessor):
    payload = {"enterprise": enterprise.pk, "kind": "acceptance", "draft": True}

    refused = api(city_admin).post(url(city), {**payload, "assessor": owner.pk}, format="json")
    assert refused.status_code == 400 and "assessor" in refused.json()
    unknown = api(city_admin).post(url(city), {**payload, "assessor": 999999}, format="json")
    assert unknown.json() == refused.json()  # an unknown id reads the same

    created = api(city_admin).post(url(city), {**payload, "assessor": assessor.pk}, format="json")
    assert created.status_code == 201
    assert created.json()["assessor"] == assessor.pk
    assert created.json()["allowed_actions"] == ["lock", "assign"]


# -- reading -----------------------------------------------------------------------------------


def test_another_citys_assessment_is_404(make_assessment, city, other_city_admin):
    assessment = make_assessment()
    other = api(other_city_admin)
    own_city = other_city_admin.memberships.get().city

    assert other.get(url(city, f"{assessment.pk}/")).status_code == 404
    assert other.get(url(own_city, f"{assessment.pk}/")).status_code == 404
    assert other.patch(url(own_city, f"{assessment.pk}/"), {}, format="json").status_code == 404
    assert other.post(url(own_city, f"{assessment.pk}/lock/")).status_code == 404


def test_each_role_sees_its_own_assessments(
    make_assessment, city, enterprise, neighbour, city_admin, assessor, other_assessor, owner,
    officer, auditor,
):  # fmt: skip
    mine = make_assessment()
    theirs = make_assessment(enterprise=neighbour, actor=other_assessor)

    def ids(user):
        response = api(user).get(url(city))
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids(city_admin) == ids(auditor) == {mine.pk, theirs.pk}
    assert ids(assessor) == {mine.pk}
    assert ids(owner) == ids(officer) == {mine.pk}  # the enterprise's, the district's
    assert api(assessor).get(url(city, f"{theirs.pk}/")).status_code == 404


def test_the_list_filters(make_assessment, city, city_admin, neighbour, answers_all_max,
                          scenes_all_4):  # fmt: skip
    full = make_assessment(answers=answers_all_max, scenes=scenes_all_4, complete=True)
    other = make_assessment(enterprise=neighbour, kind="acceptance")
    client = api(city_admin)

    def ids(**query):
        response = client.get(url(city), query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(level=4) == [full.pk]
    assert ids(kind="acceptance") == [other.pk]
    assert ids(enterprise=neighbour.pk) == [other.pk]
    assert set(ids(status="draft")) == {full.pk, other.pk}
    assert ids(status="locked") == []
    assert client.get(url(city), {"level": 7}).status_code == 400
    assert client.get(url(city), {"kind": "guess"}).status_code == 400


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_runs_a_fixed_number_of_queries(
    city, city_admin, assessor, size, django_assert_max_num_queries
):
    for _ in range(size):
        AssessmentFactory(city=city, assessor=assessor)
    client = api(city_admin)

    # session, user, city, memberships, count, the page (with enterprise, assessor, edition)
    with django_assert_max_num_queries(6):
        response = client.get(url(city))

    assert response.json()["count"] == size
    assert {row["assessor_name"] for row in response.json()["results"]} == {"评测 一"}


# -- changing ----------------------------------------------------------------------------------


def test_the_assessor_patches_answers_and_the_score_follows(
    make_assessment, city, assessor, answers_all_max, scenes_all_4
):
    assessment = make_assessment()

    response = api(assessor).patch(
        url(city, f"{assessment.pk}/"),
        {"answers": answers_all_max, "scenes": scenes_all_4, "findings": "整体较好"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert (response.json()["total_score"], response.json()["level"]) == ("100.00", 4)
    assert response.json()["findings"] == "整体较好"


def test_patch_names_gaps_unless_a_draft(make_assessment, city, assessor):
    assessment = make_assessment()
    client = api(assessor)

    refused = client.patch(url(city, f"{assessment.pk}/"), {"answers": {"network": ["b"]}},
                           format="json")  # fmt: skip
    assert refused.status_code == 400 and len(refused.json()) == 14 + 16
    saved = client.patch(url(city, f"{assessment.pk}/"),
                         {"answers": {"network": ["b"]}, "draft": True}, format="json")  # fmt: skip
    assert saved.status_code == 200 and saved.json()["total_score"] == "2.00"


def test_another_assessor_may_not_patch(make_assessment, city, other_assessor, answers_all_max):
    assessment = make_assessment()
    client = api(other_assessor)

    response = client.patch(
        url(city, f"{assessment.pk}/"), {"answers": answers_all_max, "draft": True}, format="json"
    )

    assert response.status_code == 403
    assert "assigned assessor" in response.json()["detail"]
    assert client.post(url(city, f"{assessment.pk}/submit/")).status_code == 403
    assert Assessment.objects.get(pk=assessment.pk).answers == {}
    # Reading stays theirs alone: another assessor's assessment is not even listed.
    assert client.get(url(city, f"{assessment.pk}/")).status_code == 404
    assert client.get(url(city)).json()["count"] == 0


def test_a_locked_assessment_is_409_to_patch(locked, city, assessor, answers_all_min):
    response = api(assessor).patch(
        url(city, f"{locked.pk}/"), {"answers": answers_all_min, "draft": True}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["status"] == "locked"
    assert Assessment.objects.get(pk=locked.pk).total_score == 100


def test_the_workflow_over_the_api(make_assessment, city, city_admin, assessor, answers_all_max,
                                   scenes_all_4):  # fmt: skip
    assessment = make_assessment(answers=answers_all_max, scenes=scenes_all_4, complete=True)

    submitted = api(assessor).post(url(city, f"{assessment.pk}/submit/"))
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert submitted.json()["allowed_actions"] == ["edit"]
    assert api(city_admin).post(url(city, f"{assessment.pk}/return/")).status_code == 400
    assert api(assessor).post(url(city, f"{assessment.pk}/lock/")).status_code == 403
    locked = api(city_admin).post(url(city, f"{assessment.pk}/lock/"))
    assert locked.status_code == 200 and locked.json()["status"] == "locked"
    assert locked.json()["locked_by"] == city_admin.username
    assert [s["action"] for s in locked.json()["steps"]] == ["submit", "lock"]
    again = api(city_admin).post(url(city, f"{assessment.pk}/lock/"))
    assert again.status_code == 409 and again.json()["status"] == "locked"


def test_locking_names_the_gaps(make_assessment, city, city_admin):
    assessment = make_assessment(answers={"network": ["b"]})

    response = api(city_admin).post(url(city, f"{assessment.pk}/lock/"))

    assert response.status_code == 400
    assert len(response.json()) == 14 + 16  # each unanswered question and unjudged scene
    assert "answers.equipment_networking" in response.json()
    assert "scenes.quality" in response.json()
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"


def test_a_self_assessment_lock_is_409(city, enterprise, owner, city_admin, answers_all_max,
                                       scenes_all_4):  # fmt: skip
    created = api(owner).post(
        url(city), body(enterprise, answers_all_max, scenes_all_4, kind="self"), format="json"
    )
    assert created.status_code == 201
    assert created.json()["allowed_actions"] == ["edit", "submit"]

    response = api(city_admin).post(url(city, f"{created.json()['id']}/lock/"))

    assert response.status_code == 409
    assert "self-assessment" in response.json()["detail"]


def test_assign_over_the_api(make_assessment, city, city_admin, assessor, other_assessor, owner):
    assessment = make_assessment()
    assign = url(city, f"{assessment.pk}/assign/")

    assert api(assessor).post(assign, {"assessor": other_assessor.pk}).status_code == 403
    refused = api(city_admin).post(assign, {"assessor": owner.pk})
    assert refused.status_code == 400 and "assessor" in refused.json()
    done = api(city_admin).post(assign, {"assessor": other_assessor.pk})
    assert done.status_code == 200 and done.json()["assessor"] == other_assessor.pk


def test_revise_answers_201_with_the_new_revision(locked, city, city_admin):
    response = api(city_admin).post(url(city, f"{locked.pk}/revise/"), {"reason": "场景有误"})

    assert response.status_code == 201, response.content
    revision = response.json()
    assert revision["revision_of"] == locked.pk and revision["status"] == "draft"
    assert revision["total_score"] == "100.00"
    old = api(city_admin).get(url(city, f"{locked.pk}/")).json()
    assert old["status"] == "locked" and old["revisions"] == [revision["id"]]
    assert "revise" not in old["allowed_actions"]
    again = api(city_admin).post(url(city, f"{locked.pk}/revise/"), {"reason": "再改"})
    assert again.status_code == 409


# -- evidence ----------------------------------------------------------------------------------


def test_evidence_is_uploaded_listed_and_read_by_those_who_see_the_assessment(
    make_assessment, city, enterprise, assessor, owner
):
    assessment = make_assessment()
    evidence_url = url(city, f"{assessment.pk}/evidence/")
    upload = SimpleUploadedFile("网络拓扑.pdf", PDF, content_type="application/pdf")

    response = api(assessor).post(
        evidence_url, {"indicator": "equipment_systems", "file": upload}, format="multipart"
    )

    assert response.status_code == 201, response.content
    assert response.json()["indicator"] == "equipment_systems"
    listed = api(owner).get(evidence_url).json()
    assert [row["name"] for row in listed["results"]] == ["网络拓扑.pdf"]
    download = listed["results"][0]["download_url"]
    assert api(owner).get(download).status_code == 200  # the enterprise sees its assessment
    stranger = MembershipFactory(
        city=city, role="enterprise", enterprise=EnterpriseFactory(city=city)
    ).user
    assert api(stranger).get(download).status_code == 404
    assert api(stranger).get(evidence_url).status_code == 404


def test_evidence_names_an_unknown_indicator(make_assessment, city, assessor):
    assessment = make_assessment()
    upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")

    response = api(assessor).post(
        url(city, f"{assessment.pk}/evidence/"), {"indicator": "nope", "file": upload},
        format="multipart",
    )  # fmt: skip

    assert response.status_code == 400 and "indicator" in response.json()
    assert assessment.evidence.count() == 0
