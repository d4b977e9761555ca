"""The findings export (xlsx): exactly what the findings table's filters show, most serious first,
with the check's title and what to fix, only what the user sees, at a fixed number of queries."""

from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.verification.pages_helpers import make_run, many_findings, pages_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return pages_world()


def export(user, world, run, *, client=None, **params):
    if client is None:
        client = Client()
        client.force_login(user)
    url = reverse("verification-run-export", kwargs={"city_code": world["city"].code, "pk": run.pk})
    return client.get(url, params)


def rows_of(response) -> list[list]:
    assert response.status_code == 200, response.content[:300]
    content = b"".join(response.streaming_content)
    sheet = load_workbook(BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def run(world):
    return make_run(
        world["city"], actor=world["admin"],
        findings=[("exclusion_overridden", "info", world["beta"]),
                  ("uscc_check_digit", "error", world["alpha"]),
                  ("district_missing", "warning", world["gamma"]),
                  ("uscc_check_digit", "error", world["gamma"])],
    )  # fmt: skip


def test_it_exports_each_finding_most_serious_first_with_what_to_fix(world, run):
    rows = rows_of(export(world["auditor"], world, run))

    assert rows[0][:4] == ["编号 / ID", "严重程度 / Severity", "代码 / Code", "检查项 / Check"]
    alpha = world["alpha"]
    first = next(row for row in rows if row[4] == "甲智造有限公司")
    assert first[1:10] == [
        "错误 / error", "uscc_check_digit", "统一社会信用代码校验位错误", "甲智造有限公司",
        alpha.uscc, "北区", "甲智造有限公司：uscc_check_digit 的问题",
        "甲智造有限公司: a uscc_check_digit problem",
        "按营业执照更正统一社会信用代码 / Correct the code from the business licence",
    ]  # fmt: skip
    assert first[10:] == ["enterprises.enterprise", alpha.pk]
    assert [row[2] for row in rows[1:]] == [
        "uscc_check_digit", "uscc_check_digit", "district_missing", "exclusion_overridden",
    ]  # fmt: skip


def test_it_exports_exactly_what_the_filters_show(world, run):
    response = export(world["admin"], world, run, severity="error", district=world["south"].pk)

    rows = rows_of(response)
    assert [(row[2], row[4]) for row in rows[1:]] == [("uscc_check_digit", "丙精工有限公司")]
    disposition = response["Content-Disposition"]
    assert f"{world['city'].code}-verification-{run.pk}-" in disposition
    assert f"-severity-error-district-{world['south'].pk}.xlsx" in disposition


def test_a_search_by_credit_code_exports_that_enterprise_only(world, run):
    rows = rows_of(export(world["admin"], world, run, q=world["gamma"].uscc))

    assert {row[4] for row in rows[1:]} == {"丙精工有限公司"}
    assert len(rows) == 3


def test_a_district_officer_exports_only_the_district_s_findings(world, run):
    rows = rows_of(export(world["district"], world, run))

    assert [row[4] for row in rows[1:]] == ["甲智造有限公司", "乙科技有限公司"]  # the north's
    rows = rows_of(export(world["district"], world, run, severity="info"))
    assert [row[4] for row in rows[1:]] == ["乙科技有限公司"]


def test_another_city_s_run_and_other_roles_get_no_file(world, run):
    theirs = make_run(world["other_city"], actor=world["other_admin"])

    assert export(world["admin"], world, theirs).status_code == 404
    assert export(world["owner"], world, run).status_code == 403


@pytest.mark.parametrize("n", [3, 60])
def test_the_export_costs_the_same_number_of_queries_for_3_and_60_findings(
    world, n, django_assert_max_num_queries
):
    run = make_run(world["city"], actor=world["admin"], findings=many_findings(world, n))
    client = Client()
    client.force_login(world["finance"])
    # session, user, city, memberships, the run, the findings (enterprise and district joined)
    with django_assert_max_num_queries(6):
        rows = rows_of(export(world["finance"], world, run, client=client))
    assert len(rows) == n + 1
