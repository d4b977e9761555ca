"""factory_boy factories for the platform's models."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from enterprises.models import Enterprise
from pilot_portal.demo.services import demo_uscc
from pilot_portal.jobs.models import Job
from pilot_portal.tenancy.models import Batch, City, District, Membership, Province, Sector
from providers.catalogue import provider_ratings_refresh
from providers.models import (
    ExpertScore,
    Product,
    Provider,
    ProviderSelection,
    SelectionRound,
)

PASSWORD = "Correct-Horse-Battery-9"
# The purposes of the documents the demo uploads (project evidence, indicator evidence): tests
# that count a test's own documents leave these out.
DEMO_DOCUMENTS = ("project_evidence", "indicator_evidence")


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"province{n}")
    name = factory.Sequence(lambda n: f"第{n}省")


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City

    code = factory.Sequence(lambda n: f"city{n}")
    name = factory.Sequence(lambda n: f"试点{n}市")
    province = factory.SubFactory(ProvinceFactory)
    division_code = factory.Sequence(lambda n: f"{110100 + n * 100}")
    region = "east"
    tier = "prefecture"
    batch_year = 2024
    award_cap = Decimal("100000000.00")
    period_start = date(2024, 10, 1)
    period_end = date(2026, 10, 31)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    city = factory.SubFactory(CityFactory)
    code = factory.Sequence(lambda n: f"{110101 + n}")
    name = factory.Sequence(lambda n: f"第{n}区")


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector

    city = factory.SubFactory(CityFactory)
    code = factory.Sequence(lambda n: f"T-{n}")  # never one of the seed cities' GB/T codes
    name = factory.Sequence(lambda n: f"细分行业{n}")


class BatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Batch

    city = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"第{n}批")
    year = 2025
    opens = date(2025, 1, 1)
    closes = date(2025, 6, 30)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    city = factory.SubFactory(CityFactory)
    uscc = factory.Sequence(lambda n: demo_uscc("110101", 1000 + n))
    name = factory.Sequence(lambda n: f"企业{n}有限公司")


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    uscc = factory.Sequence(lambda n: demo_uscc("110102", 5000 + n))
    name = factory.Sequence(lambda n: f"服务商{n}有限公司")
    kind = "integrator"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = "city_admin"
    city = factory.SubFactory(CityFactory)


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    city = factory.SubFactory(CityFactory)
    kind = "city_export"
    started_by = factory.SubFactory(UserFactory)


class SelectionRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SelectionRound

    city = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"第{n}轮服务商遴选")
    opens = factory.LazyFunction(lambda: date.today().replace(day=1))
    closes = factory.LazyFunction(lambda: date(date.today().year + 1, 12, 31))
    criteria = "技术能力 40，案例 30，服务 20，价格 10"
    created_by = factory.SubFactory(UserFactory)


class ProviderSelectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderSelection

    city = factory.SubFactory(CityFactory)
    provider = factory.SubFactory(ProviderFactory)
    round = factory.SubFactory(SelectionRoundFactory, city=factory.SelfAttribute("..city"))
    status = "applied"
    applied_by = factory.SubFactory(UserFactory)


class ExpertScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExpertScore

    selection = factory.SubFactory(ProviderSelectionFactory, status="under_review")
    city = factory.SelfAttribute("selection.city")
    expert = factory.SubFactory(UserFactory)
    score = Decimal("80.00")
    comment = "案例扎实 / solid cases"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    city = factory.SubFactory(CityFactory)
    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"轻量化方案{n}")
    scenario = "quality"
    price = Decimal("30000.00")
    deployment = "saas"
    description = "视觉质检 SaaS"
    status = "listed"
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def provider_rating(obj, create, extracted, **kwargs):
        # The catalogue keeps the provider's rating on each product (as product_create does).
        if create:
            provider_ratings_refresh(city_id=obj.city_id, provider_ids=[obj.provider_id])
            obj.refresh_from_db(fields=["provider_rating", "provider_ratings"])


def _current_edition():
    from django.apps import apps

    from assessments.data.loader import shipped_editions_load
    from assessments.templates import current_edition

    # A transactional test (browser, worker) flushes the editions the migration loaded.
    shipped_editions_load(apps)
    return current_edition()


class AssessmentFactory(factory.django.DjangoModelFactory):
    """A bare assessment row (no answers, no scores): for lists, scopes and isolation. Tests
    of scoring make theirs with `assessments.services.assessment_create`."""

    class Meta:
        model = "assessments.Assessment"

    city = factory.SubFactory(CityFactory)
    enterprise = factory.SubFactory(EnterpriseFactory, city=factory.SelfAttribute("..city"))
    kind = "diagnosis"
    edition = factory.LazyFunction(_current_edition)
    created_by = factory.SubFactory(UserFactory)


def acceptance_locked(project, **extra):
    """A locked acceptance assessment naming `project`: what the city needs to accept it."""
    return AssessmentFactory(
        city=project.city, enterprise=project.enterprise, project=project, kind="acceptance",
        status="locked", level=extra.pop("level", 2), **extra,
    )  # fmt: skip
