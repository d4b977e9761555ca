"""Pages of subsidy claims under /c/<city>/subsidies/: the list (filters, search, export), one
claim (the amount and how it was reached, every earlier computation, instalments, the ledger,
the history and the buttons the user has), a new award claim, a project's transformation claim
computed from its acceptance, and the city's fund pools.

Writes go to `services`, reads to `selectors` and `funds`. A refusal re-renders the page with
the service's bilingual message, next to its field where it names one, with the service's
status (400/403/409), having changed nothing.
"""

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from enterprises.models import ChainCase, Project
from pilot_portal.errors import Conflict, PortalError
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.views import CityPageMixin
from providers.models import Provider
from subsidies import selectors, services
from subsidies.forms import (
    TRANSFORMATION,
    ApproveForm,
    ClaimCreateForm,
    ClaimFilterForm,
    DisburseForm,
    InputsForm,
    RefundForm,
    VoidForm,
    inputs_initial,
    line_label,
)
from subsidies.models import ClaimStatus
from subsidies.rulebooks import rulebook_in_effect, rulebook_of
from subsidies.rules import pct

PAGE_SIZE = 50
ACTION_FORMS = {
    "recompute": InputsForm,
    "approve": ApproveForm,
    "disburse": DisburseForm,
    "void": VoidForm,
    "refund": RefundForm,
}
ZERO = Decimal("0.00")


def _zh() -> bool:
    return (get_language() or "zh").startswith("zh")


def _city_line_names(city) -> dict[str, tuple[str, str]]:
    """The rule lines of the city's rulebook in effect ({} when it has none yet)."""
    try:
        return selectors.line_names(rulebook_of(rulebook_in_effect(city)))
    except Conflict:
        return {}


def _show(form, error: PortalError) -> None:
    """Put a service's refusal next to the field it names (or above the form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _export_url(city, query: str) -> str | None:
    try:
        url = reverse("subsidy-claims-export", kwargs={"city_code": city.code})
    except NoReverseMatch:  # the export is wired separately
        return None
    return f"{url}?{query}" if query else url


# -- the list -------------------------------------------------------------------------------


class ClaimListPage(CityPageMixin):
    """Claims the user sees (an enterprise its own), 50 a page, at a fixed number of queries."""

    action_required = "subsidy.view"

    def get(self, request, city_code):
        city, user = request.city, request.user
        names, zh = _city_line_names(city), _zh()
        form = ClaimFilterForm(request.GET or None, names=names, zh=zh)
        form.is_valid()  # to show what was chosen; the selector ignores what it can't use
        rows = selectors.claim_list(user, city, request.GET)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        for claim in page:
            facts = claim.computation.facts if claim.computation_id else {}
            claim.line_name = line_label(names, claim.kind, zh)
            claim.level = facts.get("level")
            investment = Decimal(str(facts.get("eligible_investment") or 0))
            claim.eligible_investment = investment if investment > 0 else None
        query = request.GET.copy()
        query.pop("page", None)
        query = query.urlencode()
        return render(
            request,
            "subsidies/claim_list.html",
            {
                "form": form,
                "page": page,
                "query": query,
                "export_url": _export_url(city, query)
                if policy.can(user, "subsidy.export", city=city)
                else None,
                "may_create": policy.can(user, "subsidy.compute", city=city) and names,
                "may_see_funds": policy.can(user, "subsidy.funds", city=city),
            },
        )


# -- one claim ------------------------------------------------------------------------------


def _next_instalment_left(instalments: list[dict]) -> Decimal | None:
    """What is left of the first instalment not yet fully paid (the disbursement's default)."""
    for row in instalments:
        left = Decimal(row["amount"]) - Decimal(row["paid"])
        if left > 0:
            return left
    return None


def _clearance(claim):
    """Whether publicity (公示) lets the claim be paid, where the publicity module offers it."""
    if claim.status not in (ClaimStatus.APPROVED, ClaimStatus.PARTIALLY_PAID):
        return None
    try:
        from subsidies.publicity import claim_clearance
    except ImportError:  # pragma: no cover - the publicity module is wired separately
        return None
    return claim_clearance(claim)


def _outstanding(claim) -> Decimal | None:
    if claim.status != ClaimStatus.VOID or claim.clawed_back_amount <= 0:
        return None
    from subsidies.ledger import claim_outstanding

    return claim_outstanding(claim)


def _action_forms(claim, actions: list[str], instalments, bound: dict) -> dict:
    """One form per action the user has; `bound` holds the one just posted (with its errors)."""
    result = {}
    for action in actions:
        if action not in ACTION_FORMS:
            continue
        if action in bound:
            result[action] = bound[action]
            continue
        initial = {}
        if action == "recompute":
            if claim.project_id:  # a project's claim reads its facts from the project
                result[action] = None
                continue
            initial = inputs_initial(claim.inputs)
        elif action == "disburse":
            left = _next_instalment_left(instalments)
            if left is not None:
                initial["amount"] = left
        elif action == "refund":
            left = _outstanding(claim)
            if left:
                initial["amount"] = left
        result[action] = ACTION_FORMS[action](prefix=action, initial=initial)
    return result


class ClaimDetailPage(CityPageMixin):
    action_required = "subsidy.view"
    template = "subsidies/claim_detail.html"

    def get(self, request, city_code, pk):
        return self.show(request, selectors.claim_detail(request.user, request.city, pk))

    def show(self, request, claim, *, status=200, error=None, bound=None):
        user = request.user
        computations = list(claim.computations.all())
        current = claim.computation
        names = rulebook_of(current.rulebook).lines if current else ()
        names = {line.code: (line.name_zh, line.name_en) for line in names}
        actions = selectors.claim_actions(user, claim)
        instalments = selectors.instalments_view(claim)
        for row in instalments:
            row["share_pct"] = pct(Decimal(row["share"]))
        forms = _action_forms(claim, actions, instalments, bound or {})
        context = {
            "claim": claim,
            "line_name": line_label(names, claim.kind, _zh()),
            "line_names": names.get(claim.kind, (claim.kind, claim.kind)),
            "current": current,
            "earlier": [c for c in computations if c.pk != claim.computation_id][::-1],
            "instalments": instalments,
            "ledger": list(claim.ledger.all()),
            "steps": list(claim.steps.all()),
            "actions": actions,
            "forms": forms,
            "clearance": _clearance(claim),
            "outstanding": _outstanding(claim),
            "left_to_pay": (claim.approved_amount - claim.paid_amount)
            if claim.approved_amount is not None
            else None,
            "error": error,
            "may_see_project": claim.project_id
            and policy.can(user, "project.view", city=claim.city),
            "may_see_enterprise": claim.enterprise_id
            and policy.can(user, "enterprise.view", city=claim.city),
        }
        return render(request, self.template, context, status=status)


class ClaimActionPage(ClaimDetailPage):
    """POST one action (`action` = recompute | approve | disburse | void | refund) with its form
    (fields prefixed by the action's name); the service decides."""

    def get(self, request, city_code, pk):
        selectors.claim_detail(request.user, request.city, pk)  # 404 outside the user's scope
        return redirect("subsidy-claim-detail", city_code=city_code, pk=pk)

    def post(self, request, city_code, pk):
        claim = selectors.claim_detail(request.user, request.city, pk)
        action = request.POST.get("action", "")
        form_class = ACTION_FORMS.get(action)
        if form_class is None:
            raise Http404(_("No such action."))
        form = form_class(request.POST, prefix=action)
        if not form.is_valid():
            return self.show(request, claim, status=400, bound={action: form})
        try:
            message = self._act(request.user, claim, action, form)
        except PortalError as error:
            _show(form, error)
            claim = selectors.claim_detail(request.user, request.city, pk)
            return self.show(
                request, claim, status=error.status_code, error=error.message,
                bound={action: form},
            )  # fmt: skip
        messages.success(request, message)
        return redirect("subsidy-claim-detail", city_code=city_code, pk=pk)

    @staticmethod
    def _act(user, claim, action: str, form) -> str:
        data = form.cleaned_data
        if action == "recompute":
            inputs = None if claim.project_id else form.inputs()
            _claim, changed = services.claim_recompute(user, claim, inputs=inputs)
            if changed:
                return _("Recomputed: a new computation was added; the earlier one stays.")
            return _("Recomputed: nothing changed.")
        if action == "approve":
            services.claim_approve(user, claim, comment=data["comment"])
            return _("Claim approved.")
        if action == "disburse":
            services.claim_disburse(
                user, claim, amount=data["amount"], reference=data["reference"],
                paid_on=data["paid_on"],
            )  # fmt: skip
            return _("Disbursement recorded.")
        if action == "void":
            services.claim_void(user, claim, reason=data["reason"], fraud=data["fraud"])
            return _("Claim voided.")
        services.clawback_refund(
            user, claim, amount=data["amount"], reference=data["reference"],
            paid_on=data["paid_on"],
        )  # fmt: skip
        return _("Repayment recorded.")


# -- a new award claim ----------------------------------------------------------------------


class ClaimCreatePage(CityPageMixin):
    """An award claim under any line but the transformation subsidy (which comes from a
    project): the city administrator names the line, the recipient and the inputs."""

    action_required = "subsidy.compute"

    def _form(self, request, data=None):
        city = request.city
        names, zh = _city_line_names(city), _zh()
        lines = [(code, line_label(names, code, zh)) for code in names if code != TRANSFORMATION]
        providers = list(
            Provider.objects.filter(selections__city=city).distinct().order_by("name", "pk")
        )
        chain_cases = list(ChainCase.objects.for_city(city).order_by("title", "pk"))
        initial = {k: request.GET[k] for k in ("kind",) if request.GET.get(k)}
        return ClaimCreateForm(
            data, initial=initial, city=city, lines=lines, providers=providers,
            chain_cases=chain_cases,
        )  # fmt: skip

    def _render(self, request, form, status=200, error=None):
        context = {"form": form, "error": error, "no_rulebook": not form.fields["kind"].choices[1:]}
        return render(request, "subsidies/claim_form.html", context, status=status)

    def get(self, request, city_code):
        return self._render(request, self._form(request))

    def post(self, request, city_code):
        form = self._form(request, data=request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        data = form.cleaned_data
        try:
            claim = services.claim_create(
                request.user, city=request.city, kind=data["kind"],
                enterprise=data["enterprise"], provider=form.providers.get(data["provider"]),
                chain_case=form.chain_cases.get(data.get("chain_case")), year=data["year"],
                inputs=form.inputs(),
            )  # fmt: skip
        except PortalError as error:
            _show(form, error)
            return self._render(request, form, status=error.status_code, error=error.message)
        messages.success(request, _("Claim computed."))
        return redirect("subsidy-claim-detail", city_code=city_code, pk=claim.pk)


# -- a project's transformation claim -------------------------------------------------------


class ProjectComputePage(CityPageMixin):
    """POST: compute (or recompute) the transformation claim of an accepted project from its
    locked acceptance and eligible investment, then show the claim."""

    action_required = "subsidy.compute"
    http_method_names = ["post"]

    def post(self, request, city_code, pk):
        city, user = request.city, request.user
        project = (
            Project.objects.for_city(city)
            .filter(policy.project_scope(user, city))
            .select_related("city", "enterprise")
            .filter(pk=pk)
            .first()
        )
        if project is None:
            raise Http404(_("No such project."))
        try:
            claim, changed = services.claim_for_project(user, project)
        except PortalError as error:
            messages.error(request, error.message)
            return redirect("project-detail", city_code=city_code, pk=pk)
        if changed:
            messages.success(request, _("Subsidy computed from the acceptance assessment."))
        else:
            messages.info(request, _("The subsidy was already computed: nothing changed."))
        return redirect("subsidy-claim-detail", city_code=city_code, pk=claim.pk)


# -- fund pools -----------------------------------------------------------------------------


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part / whole * 100).quantize(Decimal("0.1")) if whole else None


class FundsPage(CityPageMixin):
    """Allocated, approved, paid, owed back and remaining; by fund use with the 80 / 20 split of
    the central award; by rule line. Sums from the database (`funds.fund_status`)."""

    action_required = "subsidy.funds"

    def get(self, request, city_code):
        from subsidies.funds import fund_status
        from subsidies.models import FundSource

        city = request.city
        try:
            version = rulebook_in_effect(city)
        except Conflict as error:
            return render(request, "subsidies/funds.html", {"error": error.message})
        rulebook = rulebook_of(version)
        status = fund_status(city, rulebook)
        zh = _zh()
        names = selectors.line_names(rulebook)
        sources = [
            {"code": code, "label": label, "amount": status.pools.get(code)}
            for code, label in FundSource.choices
        ]
        uses = [
            {"code": use, "totals": status.by_use[use]}
            for use in ("enterprise", "ecosystem", "none")
            if use in status.by_use
        ]
        codes = [c for c in names if c in status.by_line]  # the rulebook's order, then others
        codes += sorted(c for c in status.by_line if c not in names)
        lines = [
            {"code": code, "name": line_label(names, code, zh), "totals": status.by_line[code]}
            for code in codes
        ]
        programme = rulebook.programme
        share = status.enterprise_share
        context = {
            "status": status,
            "version": version,
            "sources": sources,
            "uses": uses,
            "lines": lines,
            "ecosystem_left": max(status.ecosystem_cap - status.ecosystem_approved, ZERO),
            "ecosystem_pct": _share(status.ecosystem_approved, status.ecosystem_cap),
            "enterprise_share_pct": (share * 100).quantize(Decimal("0.1"))
            if share is not None
            else None,
            "enterprise_share_min_pct": (programme.enterprise_share_min * 100).normalize(),
            "ecosystem_share_max_pct": (programme.ecosystem_share_max * 100).normalize(),
            "enterprise_share_ok": share is None or share >= programme.enterprise_share_min,
            "paid_pct": _share(status.paid, status.allocated),
        }
        return render(request, "subsidies/funds.html", context)
