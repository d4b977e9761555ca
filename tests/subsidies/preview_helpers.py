"""Builders for the calculator, rulebook-version and simulation tests: a test city with a shipped
rulebook installed, members of each role, an API client."""

import copy

from rest_framework.test import APIClient

from subsidies.models import RulebookVersion
from subsidies.rulebooks import rulebook_install_shipped
from tests.factories import CityFactory, DistrictFactory, MembershipFactory, UserFactory


def city_with_rulebook(source: str = "shenyang", **extra):
    """A new city with `source`'s shipped rulebook in effect (it started years ago)."""
    city = CityFactory(**extra)
    rulebook_install_shipped(city, source=source)
    return city


def member(city, role: str, **extra):
    """A user holding `role` in `city` (extra: enterprise, provider, district)."""
    if role == "district_officer" and "district" not in extra:
        extra["district"] = DistrictFactory(city=city)
    return MembershipFactory(city=city, role=role, user=UserFactory(email=""), **extra).user


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def version_from(base: RulebookVersion, *, version: str, effective_from, mutate=None, **extra):
    """A stored version built from `base`'s data (changed by `mutate(data)`), bypassing the
    services: for simulation and read-only tests that need a version in a given state."""
    data = copy.deepcopy(base.data)
    if mutate:
        mutate(data)
    data["version"] = version
    data["effective_from"] = effective_from.isoformat()
    data["effective_to"] = None
    return RulebookVersion.objects.create(
        city=base.city,
        version=version,
        effective_from=effective_from,
        effective_to=None,
        data=data,
        supersedes=base,
        **extra,
    )


def line(data: dict, code: str) -> dict:
    return next(item for item in data["lines"] if item["code"] == code)
