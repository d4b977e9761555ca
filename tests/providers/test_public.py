"""The public pages, without login: what a city publishes, and never what it keeps inside."""

from datetime import date

import pytest

from tests.factories import (
    CityFactory,
    ExpertScoreFactory,
    ProductFactory,
    ProviderFactory,
    ProviderSelectionFactory,
    SectorFactory,
)

pytestmark = pytest.mark.django_db


def selection(city, name, status, **kwargs):
    return ProviderSelectionFactory(
        city=city, provider=ProviderFactory(name=name), status=status, **kwargs
    )


@pytest.fixture
def world():
    city = CityFactory()
    sector = SectorFactory(city=city, code="C33", name="汽车零部件")
    pooled = selection(city, "Pooled Co", "selected")
    pooled.sectors.set([sector])
    publicised = selection(
        city, "Publicised Co", "publicised",
        publicity_start=date(2026, 3, 1), publicity_end=date(2026, 3, 10),
    )  # fmt: skip
    ExpertScoreFactory(selection=publicised, city=city, score="87.25")
    for name, status in [("Applied Co", "applied"), ("Reviewed Co", "under_review"),
                         ("Rejected Co", "rejected"), ("Suspended Co", "suspended"),
                         ("Removed Co", "removed")]:  # fmt: skip
        selection(city, name, status)
    suspended = ProviderSelectionFactory._meta.model.objects.get(provider__name="Suspended Co")
    for name, provider, status in [
        ("Listed tool", pooled.provider, "listed"),
        ("Submitted tool", pooled.provider, "submitted"),
        ("Unlisted tool", pooled.provider, "unlisted"),
        ("Suspended tool", suspended.provider, "listed"),
    ]:
        ProductFactory(city=city, provider=provider, name=name, status=status)
    other_city = CityFactory()
    ProductFactory(
        city=other_city, name="Other city tool",
        provider=selection(other_city, "Other Co", "selected").provider,
    )  # fmt: skip
    return {"city": city, "pooled": pooled}


def page(client, world, tail=""):
    response = client.get(f"/public/{world['city'].code}/{tail}")
    assert response.status_code == 200
    return response.content.decode()


HIDDEN_PROVIDERS = ["Applied Co", "Reviewed Co", "Rejected Co", "Suspended Co", "Removed Co"]


def test_the_city_page_links_the_public_pages_without_login(world, client):
    html = page(client, world)

    for tail in ("publicity/", "providers/", "catalogue/"):
        assert f"/public/{world['city'].code}/{tail}" in html


def test_an_unknown_city_is_not_found(client):
    assert client.get("/public/nowhere/").status_code == 404
    assert client.get("/public/nowhere/catalogue/").status_code == 404


def test_the_publicity_page_shows_dates_but_not_scores(world, client):
    html = page(client, world, "publicity/")

    assert "Publicised Co" in html
    assert "2026-03-01" in html and "2026-03-10" in html
    assert "87.25" not in html and "87" not in html.split("publicity-table")[1]
    for name in [*HIDDEN_PROVIDERS, "Pooled Co"]:
        assert name not in html


def test_the_pool_page_shows_selected_providers_only(world, client):
    html = page(client, world, "providers/")

    assert "Pooled Co" in html and "汽车零部件" in html
    for name in [*HIDDEN_PROVIDERS, "Publicised Co", "Other Co"]:
        assert name not in html


def test_the_catalogue_shows_listed_solutions_of_pooled_providers_only(world, client):
    html = page(client, world, "catalogue/")

    assert "Listed tool" in html
    for name in ["Submitted tool", "Unlisted tool", "Suspended tool", "Other city tool"]:
        assert name not in html


def test_the_public_catalogue_filters_and_explains_a_bad_filter(world, client):
    ProductFactory(
        city=world["city"], provider=world["pooled"].provider, name="Energy tool",
        scenario="energy",
    )  # fmt: skip

    energy = page(client, world, "catalogue/?scenario=energy")
    bad = page(client, world, "catalogue/?price_min=abc")

    assert "Energy tool" in energy and "Listed tool" not in energy
    assert 'data-testid="filter-errors"' in bad and "Listed tool" not in bad


def test_public_pages_take_no_writes(world, client):
    assert client.post(f"/public/{world['city'].code}/catalogue/").status_code == 405


@pytest.mark.parametrize("extra", [3, 30])
def test_the_public_lists_run_a_fixed_number_of_queries(
    world, client, extra, django_assert_max_num_queries
):
    for n in range(extra):
        pooled = selection(world["city"], f"Extra Co {n}", "selected")
        ProductFactory(city=world["city"], provider=pooled.provider, name=f"Extra tool {n}")
        selection(world["city"], f"Publicised {n}", "publicised")

    # city, sector choices, count, page of products, their sectors
    with django_assert_max_num_queries(5):
        page(client, world, "catalogue/")
    # city, count, page of selections, their sectors
    with django_assert_max_num_queries(4):
        page(client, world, "providers/")
    # city, selections, their sectors
    with django_assert_max_num_queries(3):
        page(client, world, "publicity/")


def test_another_city_s_rows_never_show(world, client):
    other = CityFactory()
    selection(other, "Foreign Co", "selected")

    for tail in ("publicity/", "providers/", "catalogue/"):
        assert "Foreign Co" not in page(client, world, tail)
