"""The claims pages: the list (filters, scope, export link, fixed queries), one claim (amount,
explanation, earlier computations, instalments, ledger, history, only the allowed buttons), its
actions through the services (refusals shown, nothing changed), a new award claim, a project's
transformation claim and the fund pools."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from enterprises.models import Enterprise
from subsidies import services
from subsidies.models import LedgerEntry, SubsidyClaim, SubsidyComputation
from tests.factories import EnterpriseFactory, MembershipFactory
from tests.subsidies.claim_helpers import accepted_project, publicised, subsidy_world

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def world():
    return subsidy_world("xiamen")


def _url(name, world, **kwargs):
    return reverse(name, kwargs={"city_code": world["city"].code, **kwargs})


def _claim(world, *, level=3, investment="1000000", enterprise=None):
    project = accepted_project(world, level=level, software=investment, enterprise=enterprise)
    claim, _ = services.claim_for_project(world["admin"], project)
    return claim


def _approved(world, **kwargs):
    return services.claim_approve(world["admin"], _claim(world, **kwargs), comment="核定")


def _award(world, kind="diagnosis", enterprise=None, **inputs):
    return services.claim_create(
        world["admin"], city=world["city"], kind=kind,
        enterprise=enterprise or world["enterprise"], inputs=inputs or {"fee": "50000"},
    )  # fmt: skip


def _as(client, user):
    client.force_login(user)
    return client


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _post(client, world, claim, action, **fields):
    data = {"action": action, **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(_url("subsidy-claim-action", world, pk=claim.pk), data)


def _snapshot(claim):
    claim.refresh_from_db()
    return (
        claim.status,
        claim.approved_amount,
        claim.paid_amount,
        claim.computation_id,
        claim.steps.count(),
        LedgerEntry.objects.filter(claim=claim).count(),
    )


# -- the list -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "finance", "auditor", "owner"])
def test_it_lists_claims_for_each_role_that_sees_them(client, world, role):
    claim = _claim(world)
    response = _as(client, world[role]).get(_url("subsidy-claim-list", world))
    assert response.status_code == 200
    row = re.search(rf'<tr data-claim="{claim.pk}">.*?</tr>', _text(response)).group(0)
    assert "沈北智造有限公司" in row
    assert "1,000,000.00" in row and "350,000.00" in row  # investment and amount
    assert 'data-status="computed"' in row


def test_an_enterprise_sees_only_its_own_claims(client, world):
    own = _claim(world)
    other = _award(world, enterprise=EnterpriseFactory(city=world["city"], name="别家企业"))
    body = _text(_as(client, world["owner"]).get(_url("subsidy-claim-list", world)))
    assert f'data-claim="{own.pk}"' in body
    assert f'data-claim="{other.pk}"' not in body and "别家企业" not in body
    assert 'data-testid="export"' not in body and 'data-testid="new-claim"' not in body


def test_roles_without_subsidies_get_403_and_another_city_404(client, world):
    assessor = MembershipFactory(city=world["city"], role="assessor").user
    assert _as(client, assessor).get(_url("subsidy-claim-list", world)).status_code == 403
    elsewhere = subsidy_world("xiamen")
    response = _as(client, elsewhere["admin"]).get(_url("subsidy-claim-list", world))
    assert response.status_code == 404


def test_filters_and_search_narrow_the_list_and_the_export_link_keeps_them(client, world):
    transformation = _claim(world)
    other = EnterpriseFactory(city=world["city"], name="厦门云帆科技", uscc="91350200MA8TEST01X")
    diagnosis = _award(world, enterprise=other)
    client = _as(client, world["admin"])

    body = _text(client.get(_url("subsidy-claim-list", world), {"kind": "diagnosis"}))
    assert f'data-claim="{diagnosis.pk}"' in body
    assert f'data-claim="{transformation.pk}"' not in body
    export = reverse("subsidy-claims-export", kwargs={"city_code": world["city"].code})
    assert f'href="{export}?kind=diagnosis"' in body

    body = _text(client.get(_url("subsidy-claim-list", world), {"q": "MA8TEST01"}))
    assert f'data-claim="{diagnosis.pk}"' in body
    assert f'data-claim="{transformation.pk}"' not in body

    services.claim_approve(world["admin"], transformation)
    body = _text(client.get(_url("subsidy-claim-list", world), {"status": "approved"}))
    assert f'data-claim="{transformation.pk}"' in body
    assert f'data-claim="{diagnosis.pk}"' not in body
    # the rule line filter offers the city's lines by name
    assert '<option value="cloud_first">首次上云服务补贴</option>' in body


def test_the_list_pages_by_50(client, world):
    for _ in range(51):
        SubsidyClaim.objects.create(
            city=world["city"], kind="diagnosis", enterprise=world["enterprise"]
        )
    client = _as(client, world["admin"])
    first = _text(client.get(_url("subsidy-claim-list", world)))
    assert first.count("<tr data-claim=") == 50 and "1 / 2" in first
    second = _text(client.get(_url("subsidy-claim-list", world), {"page": 2}))
    assert second.count("<tr data-claim=") == 1


def _many(world, n):
    for i in range(n):
        enterprise = EnterpriseFactory(city=world["city"], name=f"企业{i:03}")
        if i % 3 == 0:
            _claim(world, enterprise=enterprise, investment="500000", level=2)
        else:
            _award(world, enterprise=enterprise)


@pytest.mark.parametrize("n", [3, 30])
def test_the_list_costs_the_same_number_of_queries_for_3_and_30_claims(
    client, world, n, django_assert_max_num_queries
):
    _many(world, n)
    client = _as(client, world["admin"])
    # session, user, city, memberships, the rulebook in effect (for the lines' names), the
    # count, the page of rows (recipient, project and computation joined)
    with django_assert_max_num_queries(7):
        response = client.get(_url("subsidy-claim-list", world))
    assert _text(response).count("<tr data-claim=") == n


# -- one claim ------------------------------------------------------------------------------


def test_the_claim_shows_how_the_amount_was_reached(client, world):
    claim = _claim(world)
    body = _text(
        _as(client, world["auditor"]).get(_url("subsidy-claim-detail", world, pk=claim.pk))
    )
    assert 'data-testid="current-amount">350,000.00' in body
    assert "可补助投资 1,000,000.00 × 40% = 400,000.00；封顶 350,000.00" in body
    assert "eligible investment 1,000,000.00 × 40% = 400,000.00; cap 350,000.00" in body
    step = re.search(r'<tr data-step="rate">.*?</tr>', body).group(0)
    assert "补助比例" in step and "rate" in step and "40%" in step
    assert 'data-testid="rulebook-version">2024.1' in body
    assert 'data-testid="acceptance-level">' in body and "数字化改造" in body  # project link
    assert 'data-testid="actions"' not in body  # the auditor only reads


def test_the_buttons_are_only_the_allowed_ones(client, world):
    claim = _claim(world)
    body = _text(_as(client, world["admin"]).get(_url("subsidy-claim-detail", world, pk=claim.pk)))
    assert re.findall(r'data-action="(\w+)"', body) == ["recompute", "approve", "void"]
    body = _text(
        _as(client, world["finance"]).get(_url("subsidy-claim-detail", world, pk=claim.pk))
    )
    assert re.findall(r'data-action="(\w+)"', body) == []
    services.claim_approve(world["admin"], claim)
    body = _text(
        _as(client, world["finance"]).get(_url("subsidy-claim-detail", world, pk=claim.pk))
    )
    assert re.findall(r'data-action="(\w+)"', body) == ["disburse"]
    # the amount is the next instalment's, the payment waits for the publicity
    assert 'name="disburse-amount" value="175000.00"' in body
    assert 'data-code="never"' in body
    body = _text(_as(client, world["owner"]).get(_url("subsidy-claim-detail", world, pk=claim.pk)))
    assert re.findall(r'data-action="(\w+)"', body) == []


def test_another_citys_claim_and_another_enterprises_claim_are_404(client, world):
    elsewhere = subsidy_world("xiamen")
    foreign = _claim(elsewhere)
    client = _as(client, world["admin"])
    for name in ("subsidy-claim-detail", "subsidy-claim-action"):
        assert client.get(_url(name, world, pk=foreign.pk)).status_code == 404
    other = _award(world, enterprise=EnterpriseFactory(city=world["city"]))
    response = _as(client, world["owner"]).get(_url("subsidy-claim-detail", world, pk=other.pk))
    assert response.status_code == 404
    before = _snapshot(other)
    assert _post(_as(client, world["owner"]), world, other, "void", reason="x").status_code == 404
    assert _snapshot(other) == before


def test_the_detail_costs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    claim = _approved(world)
    publicised(claim, world["admin"])
    services.claim_disburse(world["finance"], claim, amount="175000.00", reference="B-1")
    client = _as(client, world["finance"])
    # session, user, city, memberships, the claim (recipient, project, acceptance, computation
    # and its rulebook joined), its computations, steps and ledger; its publicity items and
    # their objections (may it be paid?)
    with django_assert_max_num_queries(10):
        response = client.get(_url("subsidy-claim-detail", world, pk=claim.pk))
    assert response.status_code == 200


# -- actions --------------------------------------------------------------------------------


def test_the_city_admin_approves_and_finance_pays_in_two_instalments(client, world):
    claim = _claim(world)
    response = _post(_as(client, world["admin"]), world, claim, "approve", comment="同意")
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "approved" and claim.approved_amount == D("350000.00")
    publicised(claim, world["admin"])
    client = _as(client, world["finance"])
    for reference in ("BANK-1", "BANK-2"):
        response = _post(client, world, claim, "disburse", amount="175000.00",
                         reference=reference, paid_on="2026-03-01")  # fmt: skip
        assert response.status_code == 302
    page = client.get(response.url)
    body = _text(page)
    assert '<li class="success" role="status">' in body  # the message after the redirect
    assert 'data-status="paid"' in body
    assert body.count('data-testid="instalment-paid">175,000.00') == 2
    ledger = re.findall(r'<tr class="ledger-payment".*?</tr>', body)
    assert len(ledger) == 2 and "BANK-1" in ledger[0] and "2026-03-01" in ledger[0]
    assert re.findall(r'<li data-step="(\w+)"', body) == [
        "compute",
        "approve",
        "disburse",
        "disburse",
    ]


def test_paying_more_than_is_left_is_refused_on_the_page_and_changes_nothing(client, world):
    claim = _approved(world)
    publicised(claim, world["admin"])
    before = _snapshot(claim)
    response = _post(_as(client, world["finance"]), world, claim, "disburse",
                     amount="350000.01", reference="B")  # fmt: skip
    assert response.status_code == 409
    body = _text(response)
    assert "超过待付金额" in body and "more than is left to pay" in body
    assert 'name="disburse-amount" value="350000.01"' in body  # what was typed is kept
    assert _snapshot(claim) == before


def test_a_payment_before_the_publicity_closed_is_refused(client, world):
    claim = _approved(world)
    before = _snapshot(claim)
    response = _post(_as(client, world["finance"]), world, claim, "disburse",
                     amount="175000.00", reference="B")  # fmt: skip
    assert response.status_code == 409 and "never published" in _text(response)
    assert _snapshot(claim) == before


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"amount": "abc", "reference": "B"}, "disburse-amount"),
        ({"amount": "1.234", "reference": "B"}, "disburse-amount"),
        ({"amount": "100", "reference": ""}, "disburse-reference"),
    ],
)
def test_a_malformed_payment_shows_the_error_next_to_the_field(client, world, fields, field):
    claim = _approved(world)
    publicised(claim, world["admin"])
    before = _snapshot(claim)
    response = _post(_as(client, world["finance"]), world, claim, "disburse", **fields)
    assert response.status_code == 400
    assert f'data-testid="{field}-error"' in _text(response)
    assert _snapshot(claim) == before


def test_the_enterprise_cannot_approve_its_own_claim(client, world):
    claim = _claim(world)
    before = _snapshot(claim)
    response = _post(_as(client, world["owner"]), world, claim, "approve", comment="")
    assert response.status_code == 403
    assert _snapshot(claim) == before


def test_an_unknown_action_is_404_and_a_get_goes_back_to_the_claim(client, world):
    claim = _claim(world)
    client = _as(client, world["admin"])
    assert _post(client, world, claim, "delete").status_code == 404
    response = client.get(_url("subsidy-claim-action", world, pk=claim.pk))
    assert response.status_code == 302 and response.url.endswith(f"/claims/{claim.pk}/")


def test_voiding_needs_a_reason_and_fraud_claws_back_and_blacklists(client, world):
    claim = _approved(world)
    publicised(claim, world["admin"])
    services.claim_disburse(world["finance"], claim, amount="175000.00", reference="B-1")
    admin = _as(client, world["admin"])
    before = _snapshot(claim)
    response = _post(admin, world, claim, "void", reason="")
    assert response.status_code == 400 and 'data-testid="void-reason-error"' in _text(response)
    assert _snapshot(claim) == before

    response = _post(admin, world, claim, "void", reason="虚报投资", fraud="on")
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "void" and claim.clawed_back_amount == D("175000.00")
    enterprise = Enterprise.objects.get(pk=world["enterprise"].pk)
    assert enterprise.blacklisted_until is not None and enterprise.blacklist_reason == "虚报投资"

    finance = _as(client, world["finance"])
    body = _text(finance.get(_url("subsidy-claim-detail", world, pk=claim.pk)))
    assert '<tr class="ledger-clawback"' in body
    assert re.findall(r'data-action="(\w+)"', body) == ["refund"]
    assert 'name="refund-amount" value="175000.00"' in body
    response = _post(finance, world, claim, "refund", amount="175000.01", reference="R-0")
    assert response.status_code == 409 and "still owed back" in _text(response)
    response = _post(finance, world, claim, "refund", amount="100000.00", reference="R-1")
    assert response.status_code == 302
    body = _text(finance.get(response.url))
    assert '<tr class="ledger-refund"' in body and "75,000.00" in body  # still owed


def test_recomputing_an_award_with_corrected_inputs_keeps_the_earlier_figure(client, world):
    claim = _award(world, fee="50000")
    assert claim.amount == D("30000.00")
    client = _as(client, world["admin"])
    body = _text(client.get(_url("subsidy-claim-detail", world, pk=claim.pk)))
    assert 'name="recompute-fee" value="50000"' in body
    response = _post(client, world, claim, "recompute", fee="80000")
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.amount == D("48000.00") and claim.inputs == {"fee": "80000"}
    body = _text(client.get(response.url))
    assert 'data-testid="current-amount">48,000.00' in body
    earlier = re.search(r'data-testid="earlier-computations".*?</table>', body).group(0)
    assert "30,000.00" in earlier
    # the same inputs again: nothing new
    response = _post(client, world, claim, "recompute", fee="80000")
    assert SubsidyComputation.objects.filter(claim=claim).count() == 2


def test_a_refused_approval_names_the_reason_and_changes_nothing(client, world):
    world["enterprise"].central_fund_little_giant = True
    world["enterprise"].save()
    claim = _claim(world)
    before = _snapshot(claim)
    response = _post(_as(client, world["admin"]), world, claim, "approve", comment="")
    assert response.status_code == 409
    assert "not eligible" in _text(response)
    assert _snapshot(claim) == before


# -- a new award claim ----------------------------------------------------------------------


def _new(client, world, **data):
    return client.post(_url("subsidy-claim-new", world), data)


def test_the_city_admin_creates_an_award_claim_by_uscc(client, world):
    client = _as(client, world["admin"])
    body = _text(client.get(_url("subsidy-claim-new", world)))
    assert '<option value="diagnosis">' in body and 'value="transformation"' not in body
    response = _new(client, world, kind="diagnosis", enterprise=world["enterprise"].uscc.lower(),
                    fee="50000")  # fmt: skip
    assert response.status_code == 302
    claim = SubsidyClaim.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[1]))
    assert (claim.enterprise, claim.kind, claim.amount) == (
        world["enterprise"],
        "diagnosis",
        D("30000.00"),
    )


def test_a_providers_award_names_the_provider_and_a_wrong_recipient_is_refused(client):
    world = subsidy_world("shenyang")
    client = _as(client, world["admin"])
    # a product award is paid to a provider: an enterprise instead is refused by the service
    response = _new(client, world, kind="excellent_product", enterprise=world["enterprise"].uscc,
                    requested="300000")  # fmt: skip
    assert response.status_code == 400 and 'data-testid="provider-error"' in _text(response)
    response = _new(client, world, kind="excellent_product", provider=world["provider"].pk,
                    requested="300000")  # fmt: skip
    assert response.status_code == 302
    claim = SubsidyClaim.objects.get(city=world["city"], kind="excellent_product")
    assert claim.provider == world["provider"] and claim.amount == D("300000.00")


@pytest.mark.parametrize(
    "data, field",
    [
        ({"kind": "diagnosis", "enterprise": "91000000NOSUCH000", "fee": "50000"}, "enterprise"),
        ({"kind": "diagnosis", "enterprise": "", "fee": "50000"}, "enterprise"),
        ({"kind": "diagnosis", "enterprise": "沈北智造有限公司", "fee": "-1"}, "fee"),
        ({"kind": "diagnosis", "enterprise": "沈北智造有限公司", "fee": "abc"}, "fee"),
        ({"kind": "transformation", "enterprise": "沈北智造有限公司"}, "kind"),
        ({"kind": "nope", "enterprise": "沈北智造有限公司"}, "kind"),
    ],
)
def test_a_wrong_new_claim_shows_the_error_next_to_the_field_and_keeps_the_input(
    client, world, data, field
):
    count = SubsidyClaim.objects.count()
    response = _new(_as(client, world["admin"]), world, **data)
    assert response.status_code == 400
    body = _text(response)
    assert f'data-testid="{field}-error"' in body
    if data.get("fee"):
        assert f'value="{data["fee"]}"' in body
    assert SubsidyClaim.objects.count() == count


def test_an_enterprise_of_another_city_is_not_found_by_uscc(client, world):
    elsewhere = subsidy_world("xiamen")
    response = _new(_as(client, world["admin"]), world, kind="diagnosis",
                    enterprise=elsewhere["enterprise"].uscc, fee="50000")  # fmt: skip
    assert response.status_code == 400 and 'data-testid="enterprise-error"' in _text(response)


def test_only_the_city_admin_opens_the_new_claim_page(client, world):
    for role in ("finance", "auditor", "owner"):
        response = _as(client, world[role]).get(_url("subsidy-claim-new", world))
        assert response.status_code == 403


# -- a project's claim ----------------------------------------------------------------------


def test_computing_a_projects_claim_leads_to_it(client, world):
    project = accepted_project(world, level=3, software="1000000")
    client = _as(client, world["admin"])
    response = client.post(_url("subsidy-project-compute", world, pk=project.pk))
    claim = SubsidyClaim.objects.get(project=project)
    assert response.status_code == 302 and response.url.endswith(f"/claims/{claim.pk}/")
    assert claim.amount == D("350000.00")
    again = client.post(_url("subsidy-project-compute", world, pk=project.pk))
    assert again.url == response.url and SubsidyComputation.objects.filter(claim=claim).count() == 1


def test_a_project_not_accepted_is_refused_with_the_reason(client, world):
    project = accepted_project(world, level=None, software="1000000")
    project.status = "completed"
    project.save()
    client = _as(client, world["admin"])
    response = client.post(_url("subsidy-project-compute", world, pk=project.pk), follow=True)
    assert "not accepted" in _text(response)
    assert not SubsidyClaim.objects.filter(project=project).exists()


def test_computing_a_project_is_the_city_admins_and_within_the_city(client, world):
    project = accepted_project(world, level=3, software="1000000")
    for role in ("finance", "owner"):
        response = _as(client, world[role]).post(
            _url("subsidy-project-compute", world, pk=project.pk)
        )
        assert response.status_code == 403
    elsewhere = subsidy_world("xiamen")
    response = _as(client, elsewhere["admin"]).post(
        _url("subsidy-project-compute", elsewhere, pk=project.pk)
    )
    assert response.status_code == 404
    assert not SubsidyClaim.objects.filter(project=project).exists()


# -- fund pools -----------------------------------------------------------------------------


def test_the_funds_page_shows_the_pools_the_split_and_the_lines(
    client, world, django_assert_max_num_queries
):
    claim = _approved(world)
    publicised(claim, world["admin"])
    services.claim_disburse(world["finance"], claim, amount="175000.00", reference="B-1")
    _award(world, kind="diagnosis")
    client = _as(client, world["finance"])
    # session, user, city, memberships, the rulebook in effect, the pools, claims summed by
    # line and status, the ledger summed by line and kind
    with django_assert_max_num_queries(8):
        response = client.get(_url("subsidy-funds", world))
    body = _text(response)
    figure = dict(re.findall(r'data-figure="(\w+)"><span>([\d,.]+)</span>', body))
    assert figure == {
        "allocated": "337,500,000.00",
        "approved": "350,000.00",
        "paid": "175,000.00",
        "clawbacks": "0.00",
        "remaining": "337,150,000.00",
    }
    assert 'data-testid="ecosystem-cap">30,000,000.00' in body  # 20 % of 150,000,000
    assert ">100.0%</span>" in body  # all approved money went to enterprises
    line = re.search(r'<tr data-line="transformation">.*?</tr>', body).group(0)
    assert "数字化改造分级补贴" in line and "350,000.00" in line and "175,000.00" in line
    diagnosis = re.search(r'<tr data-line="diagnosis">.*?</tr>', body).group(0)
    assert "30,000.00" in diagnosis  # awaiting approval


@pytest.mark.parametrize("role, status", [("admin", 200), ("auditor", 200), ("owner", 403)])
def test_who_sees_the_funds(client, world, role, status):
    assert _as(client, world[role]).get(_url("subsidy-funds", world)).status_code == status


def test_a_city_without_a_rulebook_says_so(client, world):
    world["city"].rulebook_versions.all().delete()
    client = _as(client, world["admin"])
    assert "no subsidy rulebook in effect" in _text(client.get(_url("subsidy-funds", world)))
    assert client.get(_url("subsidy-claim-list", world)).status_code == 200
    body = _text(client.get(_url("subsidy-claim-new", world)))
    assert "no subsidy rulebook in effect" in body or 'role="alert"' in body


def test_an_accepted_projects_page_offers_the_subsidy_to_the_city_admin_only(client, world):
    project = accepted_project(world, level=3, software="1000000")
    page = reverse("project-detail", kwargs={"city_code": world["city"].code, "pk": project.pk})
    body = _text(_as(client, world["admin"]).get(page))
    assert 'data-testid="compute-subsidy"' in body and f"?project={project.pk}" in body
    client.post(_url("subsidy-project-compute", world, pk=project.pk))
    assert project.subsidy_claims.get().amount == Decimal("350000.00")
    owner_view = _text(_as(client, world["owner"]).get(page))
    assert 'data-testid="project-claims"' in owner_view
    assert 'data-testid="compute-subsidy"' not in owner_view
