"""The claims export (xlsx): exactly what the claims list's filters show, with the explanations
in both languages, only the claims the user sees, at a fixed number of queries."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.subsidies.publicity_helpers import (
    DIAGNOSIS_ZH,
    TRANSFORMATION_ZH,
    build_world,
    make_claim,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


D = Decimal


def export(user, world, city=None, **params):
    client = Client()
    client.force_login(user)
    code = (city or world["city"]).code
    return client.get(reverse("subsidy-claims-export", kwargs={"city_code": code}), params)


def rows_of(response) -> list[list]:
    assert response.status_code == 200, response.content[:300]
    content = b"".join(response.streaming_content)
    sheet = load_workbook(BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_it_exports_each_claim_with_its_explanation(world):
    # given
    claim = make_claim(
        world["city"], enterprise=world["enterprise"], amount="500000.00", level=2,
        investment="1200000.00", status="partially_paid", paid=[("300000.00", "R-1")],
        explanation_zh="合规投资额 1200000.00 元，二级 50%，封顶 500000.00 元",
        explanation_en="eligible investment 1200000.00, level 2 at 50 %, capped at 500000.00",
    )  # fmt: skip

    # when
    rows = rows_of(export(world["auditor"], world))

    # then
    assert rows[0][:4] == ["编号 / ID", "受益单位 / Recipient", "统一社会信用代码 / USCC",
                           "补助项目 / Rule line"]  # fmt: skip
    assert rows[1] == [
        claim.pk, "沈阳精密机械有限公司", world["enterprise"].uscc, TRANSFORMATION_ZH, 2,
        1200000, 500000, 500000, 300000, "部分拨付",
        "合规投资额 1200000.00 元，二级 50%，封顶 500000.00 元",
        "eligible investment 1200000.00, level 2 at 50 %, capped at 500000.00",
    ]  # fmt: skip
    assert len(rows) == 2


def test_it_exports_exactly_what_the_filters_show(world):
    wanted = make_claim(world["city"], enterprise=world["enterprise"], amount="500000.00")
    make_claim(world["city"], enterprise=world["enterprise"], status="computed")
    make_claim(world["city"], enterprise=world["neighbour"])
    diagnosis = make_claim(
        world["city"], provider=world["provider"], kind="diagnosis", amount="30000.00"
    )

    by_status_and_enterprise = rows_of(
        export(world["admin"], world, status="approved", enterprise=world["enterprise"].pk)
    )
    by_kind = rows_of(export(world["admin"], world, kind="diagnosis"))
    response = export(world["admin"], world, kind="diagnosis", status="approved")

    assert [r[0] for r in by_status_and_enterprise[1:]] == [wanted.pk]
    assert [(r[0], r[1], r[3]) for r in by_kind[1:]] == [
        (diagnosis.pk, "新松数字科技有限公司", DIAGNOSIS_ZH)
    ]
    assert "status-approved" in response["Content-Disposition"]
    assert "kind-diagnosis" in response["Content-Disposition"]


def test_a_district_officer_exports_the_district_and_nobody_another_city(world):
    own = make_claim(world["city"], enterprise=world["enterprise"])
    make_claim(world["city"], enterprise=world["neighbour"])
    make_claim(world["other_city"], enterprise=world["other_enterprise"])

    district = rows_of(export(world["officer"], world))
    whole_city = rows_of(export(world["finance"], world))

    assert [r[0] for r in district[1:]] == [own.pk]
    assert "厦门远方科技有限公司" not in {r[1] for r in whole_city}
    assert len(whole_city) == 3
    assert export(world["owner"], world).status_code == 403  # enterprises see, don't export
    assert export(world["other_admin"], world).status_code == 404


@pytest.mark.parametrize("size", [2, 20])
def test_the_export_runs_a_fixed_number_of_queries(world, size, django_assert_max_num_queries):
    for n in range(size):
        make_claim(world["city"], enterprise=world["enterprise"], amount=f"{1000 + n}.00")
    client = Client()
    client.force_login(world["admin"])
    url = reverse("subsidy-claims-export", kwargs={"city_code": world["city"].code})

    # session, user, memberships, city; rule line names; the claims with what a row shows
    with django_assert_max_num_queries(6):
        response = client.get(url)

    assert len(rows_of(response)) == size + 1
