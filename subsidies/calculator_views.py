"""The subsidy calculator page, /c/<city>/subsidies/calculator/: pick one of the city's rule
lines, enter the figures it needs, see the amount and how it was reached, in Chinese and
English. Every member of the city may use it (`subsidy.preview`).

A GET form: a calculation changes nothing, and its result can be bookmarked or sent on. The
arithmetic and the refusals are `subsidies.preview`'s, as for `subsidy-preview/` in the API.
"""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises.models import Enterprise
from pilot_portal.errors import Conflict, InvalidInput
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.views import CityPageMixin
from subsidies import preview
from subsidies.rulebook_versions import line_terms, may_read
from subsidies.rulebooks import rulebook_of

TEMPLATE = "subsidies/calculator.html"
# (label, help) of each input the calculator may ask for.
INPUT_TEXT = {
    "level": (gettext_lazy("Digital level"), gettext_lazy("After acceptance, 1–4")),
    "investment": (
        gettext_lazy("Eligible investment (CNY)"),
        gettext_lazy("Software, cloud, data-collection devices and consulting, as evidenced"),
    ),
    "fee": (gettext_lazy("Fee or actual cost (CNY)"), ""),
    "units": (
        gettext_lazy("Number"),
        gettext_lazy("Enterprises brought to completion, person-days, …"),
    ),
    "loan_interest": (gettext_lazy("Loan interest paid this year (CNY)"), ""),
    "requested": (
        gettext_lazy("Proposed award (CNY)"),
        gettext_lazy("Leave empty to see the most the rule allows"),
    ),
    "granted_elsewhere": (
        gettext_lazy("Granted by another policy for the same spending (CNY)"),
        gettext_lazy("Take the highest, never twice: only the difference is paid"),
    ),
    "batch_index": (
        gettext_lazy("Enrolment batch"),
        gettext_lazy("1 = the city's first batch; the rate falls for later batches"),
    ),
}
MONEY = ("investment", "fee", "loan_interest", "requested", "granted_elsewhere")


class CalculatorPage(CityPageMixin):
    action_required = "subsidy.preview"

    def get(self, request, city_code):
        city, query = request.city, request.GET
        context = {"query_version": query.get("version", "")}
        try:
            version = preview.preview_version(
                user=request.user, city=city, version_id=query.get("version") or None
            )
        except Conflict as error:
            return render(request, TEMPLATE, {**context, "error": error.message})
        rulebook = rulebook_of(version)
        context.update(version=version, may_read_versions=may_read(request.user, city))
        context["lines"] = [{"line": line, "terms": line_terms(line)} for line in rulebook.lines]
        line = None
        if query.get("kind"):
            try:
                line = preview.line_of(rulebook, query["kind"])
            except InvalidInput as error:
                context["error"] = error.message
        if line is None:
            return render(request, TEMPLATE, context)

        own = _own_enterprises(request.user, city)
        errors, result = {}, None
        if "compute" in query:
            try:
                enterprise = _chosen_enterprise(request.user, city, query, own)
            except Http404:
                enterprise = None
                errors["enterprise"] = _(
                    "No enterprise with this credit code among those you see in the city."
                )
            if not errors:
                try:
                    result = preview.subsidy_preview(
                        city=city, version=version, kind=line.code, raw_inputs=query,
                        enterprise=enterprise,
                    )  # fmt: skip
                except preview.InputsInvalid as error:
                    errors = error.errors
        wanted = preview.line_inputs(rulebook, line)
        context.update(
            line=line,
            terms=line_terms(line),
            fields=[_field(name, name in wanted.required, query, errors) for name in wanted.all],
            own_enterprises=own,
            chosen_enterprise=_chosen_pk(query, own),
            may_name_enterprise=not own and policy.can(request.user, "enterprise.view", city=city),
            enterprise_uscc=query.get("enterprise_uscc", ""),
            enterprise_error=errors.get("enterprise"),
            result=result,
        )
        return render(request, TEMPLATE, context)


def _own_enterprises(user, city) -> list[Enterprise]:
    ids = policy.enterprise_ids_in(user, city)
    return (
        list(Enterprise.objects.for_city(city).filter(pk__in=ids).order_by("name")) if ids else []
    )


def _chosen_pk(query, own) -> int | None:
    """The own enterprise the form applies: the one chosen, or the first before any choice."""
    if not own:
        return None
    if "compute" not in query:
        return own[0].pk
    value = query.get("enterprise", "")
    return int(value) if value.isdigit() else None


def _chosen_enterprise(user, city, query, own):
    if own:
        pk = _chosen_pk(query, own)
        return preview.preview_enterprise(user=user, city=city, pk=pk) if pk else None
    uscc = query.get("enterprise_uscc", "").strip()
    return preview.preview_enterprise(user=user, city=city, uscc=uscc) if uscc else None


def _field(name: str, required: bool, query, errors) -> dict:
    label, help_text = INPUT_TEXT[name]
    return {
        "name": name,
        "label": label,
        "help": help_text,
        "required": required,
        "value": query.get(name, ""),
        "error": errors.get(name),
        "money": name in MONEY,
    }
