"""Fixtures for the assessments tests: the shipped editions, a city with each role that
touches assessments, and complete answer sets built from the real 2024 questionnaire."""

import pytest
from django.apps import apps

from assessments import services
from assessments.data.loader import shipped_editions_load
from assessments.models import Edition
from assessments.rules import MULTIPLE, TemplateSpec
from assessments.templates import template_spec
from tests.factories import (
    CityFactory,
    DistrictFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
)


def latest(code: str) -> Edition:
    # A transactional test (browser, worker) flushes the editions the migration loaded.
    shipped_editions_load(apps)
    return Edition.objects.filter(code=code).order_by("-version").first()


@pytest.fixture
def edition_2024(db) -> Edition:
    """The 2024 edition as the data migration ships it (the default for pilot cities)."""
    return latest("2024")


@pytest.fixture
def edition_2022(db) -> Edition:
    return latest("2022")


@pytest.fixture
def template_2024(edition_2024) -> TemplateSpec:
    return template_spec(edition_2024)


def best_answers(template: TemplateSpec) -> dict:
    """Every question at full marks: the best option, or every non-exclusive option ticked."""
    answers = {}
    for code, question in template.questions().items():
        if question.kind == MULTIPLE:
            answers[code] = [o.code for o in question.options if not o.exclusive]
        else:
            answers[code] = max(question.options, key=lambda o: o.points).code
    return answers


def worst_answers(template: TemplateSpec) -> dict:
    """Every question at zero: the "none" option, or the lowest-scoring one."""
    answers = {}
    for code, question in template.questions().items():
        worst = min(question.options, key=lambda o: (o.points, not o.exclusive))
        answers[code] = [worst.code] if question.kind == MULTIPLE else worst.code
    return answers


def scenes_at(template: TemplateSpec, level: int) -> dict:
    return {scene.code: level for scene in template.scenes}


@pytest.fixture
def answers_all_max(template_2024) -> dict:
    return best_answers(template_2024)


@pytest.fixture
def answers_all_min(template_2024) -> dict:
    return worst_answers(template_2024)


@pytest.fixture
def scenes_all_4(template_2024) -> dict:
    return scenes_at(template_2024, 4)


@pytest.fixture
def scenes_all_1(template_2024) -> dict:
    return scenes_at(template_2024, 1)


@pytest.fixture
def city(db):
    return CityFactory()


@pytest.fixture
def district(city):
    return DistrictFactory(city=city)


@pytest.fixture
def enterprise(city, district):
    return EnterpriseFactory(city=city, district=district, name="沈阳精密机械有限公司")


@pytest.fixture
def neighbour(city):
    """Another enterprise of the city, in another district."""
    return EnterpriseFactory(city=city, district=DistrictFactory(city=city))


@pytest.fixture
def city_admin(city):
    return MembershipFactory(city=city, role="city_admin", user=UserFactory(email="")).user


@pytest.fixture
def assessor(city):
    """A third-party assessor of the city (with an e-mail address, for the notifications)."""
    user = UserFactory(first_name="评测", last_name="一", email="assessor@example.com")
    return MembershipFactory(city=city, role="assessor", user=user).user


@pytest.fixture
def other_assessor(city):
    user = UserFactory(email="other-assessor@example.com")
    return MembershipFactory(city=city, role="assessor", user=user).user


@pytest.fixture
def owner(enterprise):
    """The enterprise's staff (with an e-mail address)."""
    user = UserFactory(email="owner@example.com")
    return MembershipFactory(
        city=enterprise.city, role="enterprise", enterprise=enterprise, user=user
    ).user


@pytest.fixture
def officer(city, district):
    return MembershipFactory(city=city, role="district_officer", district=district).user


@pytest.fixture
def auditor(city):
    return MembershipFactory(city=city, role="auditor").user


@pytest.fixture
def other_city_admin(db):
    """A city administrator of another city: everything of `city` is 404 to them."""
    return MembershipFactory(city=CityFactory(), role="city_admin").user


@pytest.fixture
def make_assessment(city, enterprise, city_admin, assessor):
    """An assessment made the way users make it (`services.assessment_create`): a diagnosis of
    `enterprise` by `assessor` unless told otherwise, partial answers allowed."""

    def make(**kwargs):
        kwargs.setdefault("enterprise", enterprise)
        kwargs.setdefault("kind", "diagnosis")
        actor = kwargs.pop("actor", None)
        if actor is None:
            actor = city_admin if kwargs.get("assessor") else assessor
        return services.assessment_create(actor, kwargs.pop("city", city), **kwargs)

    return make
