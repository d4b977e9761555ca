"""Pages of a city's provider selection: applicants and pool, one application with its steps,
rounds and their experts, an expert's review queue and the annual evaluation."""

from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import (
    Count,
)
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pilot_portal.errors import PortalError
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Role
from pilot_portal.tenancy.views import CityPageMixin
from pilot_portal.workflow import actions_from
from providers import selectors, services
from providers.forms import (
    ActionForm,
    ConflictForm,
    DocumentForm,
    EvaluationForm,
    ExpertsForm,
    RoundForm,
    ScoreForm,
    SelectionFilterForm,
)
from providers.models import (
    ExpertConflict,
    ProviderSelection,
    SelectionRound,
    SelectionStatus,
)
from providers.workflow import SELECTION_TRANSITIONS

PAGE_SIZE = 50

ACTION_LABELS = {
    "start-review": gettext_lazy("Start expert review"),
    "publicise": gettext_lazy("Publicise"),
    "select": gettext_lazy("Select into the pool"),
    "reject": gettext_lazy("Reject"),
    "suspend": gettext_lazy("Suspend"),
    "reinstate": gettext_lazy("Reinstate"),
    "remove": gettext_lazy("Remove from the pool"),
}


def _reads_everything(request) -> bool:
    """City staff and oversight see every application, every score and the averages."""
    return bool(request.city_roles & policy.SELECTION_READERS)


def _manages(request) -> bool:
    return policy.can(request.user, "provider.manage", city=request.city)


def _selection(request, pk) -> ProviderSelection:
    try:
        return selectors.selection_detail(city=request.city, user=request.user, pk=pk)
    except ProviderSelection.DoesNotExist:
        raise Http404("未找到该服务商申请 / no such provider application") from None


def _show(form, error: PortalError) -> None:
    """Put a service's refusal next to the field it names (or above the form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# -- applicants and pool ---------------------------------------------------------------


class SelectionListPage(CityPageMixin):
    action_required = "provider.view"

    def get(self, request, city_code):
        form = SelectionFilterForm(request.GET or None, city=request.city)
        rows = selectors.selection_list(city=request.city, user=request.user, **form.filters())
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "providers/selection_list.html",
            {
                "form": form,
                "page": page,
                "query": _query_without_page(request),
                "show_scores": _reads_everything(request),
                "manages": _manages(request),
                "year": timezone.localdate().year,
            },
        )


def _detail(request, selection, *, status=200, error="", bound=None):
    """The application page; `bound` holds the form a refused POST came from."""
    user, city, roles = request.user, request.city, request.city_roles
    bound = bound or {}
    reads_all = _reads_everything(request)
    own = selection.provider_id in policy.provider_ids_in(user, city)
    assigned = Role.EXPERT in roles and selection.round.experts.filter(pk=user.pk).exists()
    conflict = (
        assigned
        and ExpertConflict.objects.filter(
            city=city, expert=user, provider_id=selection.provider_id
        ).exists()
    )
    scores = [s for s in selection.scores.all() if reads_all or s.expert_id == user.pk]
    actions = [
        {
            "name": name,
            "label": ACTION_LABELS.get(name, name),
            "comment_required": SELECTION_TRANSITIONS[name].comment_required,
            "form": bound.get(name)
            or ActionForm(initial={"action": name}, auto_id=f"id_{name}_%s"),
        }
        for name in actions_from(selection.status, roles, SELECTION_TRANSITIONS)
    ]
    under_review = selection.status == SelectionStatus.UNDER_REVIEW
    own_score = next((s for s in selection.scores.all() if s.expert_id == user.pk), None)
    score_initial = {"score": own_score.score, "comment": own_score.comment} if own_score else {}
    context = {
        "selection": selection,
        "provider": selection.provider,
        "reads_all": reads_all,
        "insider": reads_all or own or assigned,
        "own": own,
        "assigned": assigned,
        "conflict": conflict,
        "scores": scores,
        "actions": actions,
        "error": error,
        "score_form": (
            bound.get("score") or ScoreForm(initial=score_initial)
            if assigned and under_review and not conflict
            else None
        ),
        "conflict_form": (
            bound.get("conflict") or ConflictForm()
            if assigned and under_review and not conflict and own_score is None
            else None
        ),
        "document_form": (
            bound.get("document") or DocumentForm()
            if own and selection.status not in ("rejected", "removed")
            else None
        ),
    }
    return render(request, "providers/selection_detail.html", context, status=status)


class SelectionDetailPage(CityPageMixin):
    action_required = "provider.view"

    def get(self, request, city_code, pk):
        return _detail(request, _selection(request, pk))


class _SelectionPost(CityPageMixin):
    """A form posted from the application page: the service decides; a refusal re-renders
    the page with its message and the refusal's status, a success redirects back."""

    action_required = "provider.view"
    form_class = None
    key = ""
    done = ""

    def form(self, request):
        return self.form_class(request.POST, request.FILES)

    def post(self, request, city_code, pk):
        selection = _selection(request, pk)
        form = self.form(request)
        key = self.key or form.data.get("action", "")
        if not form.is_valid():
            return _detail(
                request, selection, status=400, bound={key: form},
                error=_("Please correct the form below."),
            )  # fmt: skip
        try:
            self.perform(request, selection, form.cleaned_data)
        except PortalError as error:  # shown once, above the page
            return _detail(
                request, selection, status=error.status_code, error=error.message, bound={key: form}
            )
        messages.success(request, self.done)
        return redirect("provider-detail", city_code=city_code, pk=pk)


class SelectionActionPage(_SelectionPost):
    form_class = ActionForm
    done = gettext_lazy("Done.")

    def form(self, request):
        action = request.POST.get("action", "")
        return ActionForm(request.POST, auto_id=f"id_{action}_%s")

    def perform(self, request, selection, data):
        services.selection_transition(
            selection=selection, actor=request.user, action=data["action"],
            comment=data["comment"], publicity_start=data["publicity_start"],
            publicity_end=data["publicity_end"],
        )  # fmt: skip


class SelectionScorePage(_SelectionPost):
    action_required = "provider.score"
    form_class = ScoreForm
    key = "score"
    done = gettext_lazy("Score saved.")

    def perform(self, request, selection, data):
        services.score_submit(
            selection=selection, expert=request.user, score=data["score"], comment=data["comment"]
        )


class SelectionConflictPage(_SelectionPost):
    action_required = "provider.score"
    form_class = ConflictForm
    key = "conflict"
    done = gettext_lazy("Conflict of interest declared: you will not score this provider.")

    def perform(self, request, selection, data):
        services.conflict_declare(
            city=request.city, expert=request.user, provider=selection.provider,
            reason=data["reason"],
        )  # fmt: skip


class SelectionDocumentPage(_SelectionPost):
    form_class = DocumentForm
    key = "document"
    done = gettext_lazy("Document added.")

    def perform(self, request, selection, data):
        services.selection_document_add(
            selection=selection, actor=request.user, kind=data["kind"], upload=data["file"]
        )


# -- rounds ----------------------------------------------------------------------------


def _rounds(request):
    """The rounds this user may see: all for city staff and oversight, an expert's own."""
    rounds = SelectionRound.objects.for_city(request.city)
    if _reads_everything(request):
        return rounds
    if Role.EXPERT in request.city_roles:
        return rounds.filter(experts=request.user)
    raise PermissionDenied("您的角色无权查看遴选轮次 / your role may not see selection rounds")


class RoundListPage(CityPageMixin):
    action_required = "provider.view"

    def get(self, request, city_code, form=None, status=200):
        rounds = (
            _rounds(request)
            .annotate(
                applications=Count("selections", distinct=True),
                expert_count=Count("experts", distinct=True),
            )
            .order_by("-opens", "-pk")
        )
        manages = _manages(request)
        if manages and form is None:
            form = RoundForm(city=request.city)
        return render(
            request,
            "providers/round_list.html",
            {"rounds": rounds, "form": form if manages else None, "today": timezone.localdate()},
            status=status,
        )

    def post(self, request, city_code):
        if not _manages(request):
            raise PermissionDenied("只有市级管理员可以创建遴选 / only the city admin opens rounds")
        form = RoundForm(request.POST, city=request.city)
        if form.is_valid():
            try:
                selection_round = services.round_create(
                    city=request.city, actor=request.user, data=form.cleaned_data
                )
            except PortalError as error:
                _show(form, error)
                return self.get(request, city_code, form=form, status=error.status_code)
            messages.success(request, _("Selection round opened."))
            return redirect("round-detail", city_code=city_code, pk=selection_round.pk)
        return self.get(request, city_code, form=form, status=400)


class RoundDetailPage(CityPageMixin):
    action_required = "provider.view"

    def get(self, request, city_code, pk, form=None, status=200):
        selection_round = get_object_or_404(_rounds(request), pk=pk)
        reads_all = _reads_everything(request)
        experts = sorted(selection_round.experts.all(), key=lambda u: u.username)
        columns = experts if reads_all else [e for e in experts if e.pk == request.user.pk]
        rows = []
        applications = selectors.selection_list(
            city=request.city, user=request.user, round_id=selection_round.pk
        ).prefetch_related("scores")
        for selection in applications:
            by_expert = {s.expert_id: s for s in selection.scores.all()}
            rows.append((selection, [by_expert.get(e.pk) for e in columns]))
        manages = _manages(request)
        if manages and form is None:
            form = ExpertsForm(city=request.city, initial={"experts": [str(e.pk) for e in experts]})
        return render(
            request,
            "providers/round_detail.html",
            {
                "round": selection_round,
                "experts": experts,
                "columns": columns,
                "rows": rows,
                "reads_all": reads_all,
                "form": form if manages else None,
            },
            status=status,
        )

    def post(self, request, city_code, pk):
        if not _manages(request):
            raise PermissionDenied(
                "只有市级管理员可以指派专家 / only the city admin assigns experts"
            )
        selection_round = get_object_or_404(SelectionRound.objects.for_city(request.city), pk=pk)
        form = ExpertsForm(request.POST, city=request.city)
        if form.is_valid():
            try:
                services.round_assign_experts(
                    selection_round=selection_round, actor=request.user,
                    experts=form.cleaned_data["experts"],
                )  # fmt: skip
            except PortalError as error:
                _show(form, error)
                return self.get(request, city_code, pk, form=form, status=error.status_code)
            messages.success(request, _("Experts assigned."))
            return redirect("round-detail", city_code=city_code, pk=pk)
        return self.get(request, city_code, pk, form=form, status=400)


# -- an expert's queue -----------------------------------------------------------------


class ReviewQueuePage(CityPageMixin):
    action_required = "provider.score"

    def get(self, request, city_code):
        rows = list(selectors.review_queue(request.city, request.user))
        return render(
            request,
            "providers/review_queue.html",
            {
                "rows": rows,
                "to_score": sum(1 for r in rows if r.my_score is None and not r.conflicted),
            },
        )


# -- the annual evaluation -------------------------------------------------------------


class EvaluationPage(CityPageMixin):
    action_required = "provider.manage"

    def get(self, request, city_code, year, bound=None, error="", status=200):
        rows = []
        for selection in selectors.evaluation_rows(request.city, year):
            average = selection.year_average
            if average is not None:
                average = Decimal(average).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            evaluation = selection.year_evaluations[0] if selection.year_evaluations else None
            form = None
            if evaluation is None:
                if bound is not None and bound.data.get("selection") == str(selection.pk):
                    form = bound
                else:
                    form = EvaluationForm(
                        initial={"selection": selection.pk}, auto_id=f"id_{selection.pk}_%s"
                    )
            rows.append(
                {"selection": selection, "average": average, "evaluation": evaluation, "form": form}
            )
        return render(
            request,
            "providers/evaluation.html",
            {"year": year, "rows": rows, "error": error},
            status=status,
        )

    def post(self, request, city_code, year):
        form = EvaluationForm(request.POST, auto_id=f"id_{request.POST.get('selection')}_%s")
        if not form.is_valid():
            return self.get(
                request, city_code, year, bound=form, status=400,
                error=_("Please correct the form below."),
            )  # fmt: skip
        selection = get_object_or_404(
            ProviderSelection.objects.for_city(request.city), pk=form.cleaned_data["selection"]
        )
        try:
            services.evaluation_record(
                selection=selection, actor=request.user, year=year,
                outcome=form.cleaned_data["outcome"], reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except PortalError as error:
            return self.get(
                request, city_code, year, bound=form, error=error.message,
                status=error.status_code,
            )  # fmt: skip
        messages.success(request, _("Evaluation recorded."))
        return redirect("provider-evaluation", city_code=city_code, year=year)
