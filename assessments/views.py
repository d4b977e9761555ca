"""Pages of digital-level assessments under /c/<city>/assessments/: the list, a new assessment,
the questionnaire (the assigned assessor's, or the enterprise's for a self-assessment), the
read-only assessment with its explanation, steps and revisions, and the score preview the
questionnaire's script asks for as the user answers.

Writes go to `services`, reads to `selectors`, arithmetic to `rules` — the preview runs the very
`rules.score` the services store, so the page never scores anything itself. A refusal re-renders
the page with the message next to its field (or question) and the service's status, having
changed nothing.
"""

from itertools import groupby

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assessments import rules, selectors, services
from assessments.forms import (
    NO_LEVEL,
    ActionForm,
    AssessmentCreateForm,
    AssessmentFilterForm,
    AssignForm,
    ReviseForm,
    evidence_uploads,
    questionnaire_data,
)
from assessments.models import Assessment, AssessmentKind, AssessmentStatus
from assessments.templates import template_spec
from assessments.workflow import ASSESSMENT_TRANSITIONS
from enterprises.matching import services as matching
from enterprises.models import Demand, Enterprise, Project
from enterprises.projects.models import ProjectStatus
from pilot_portal.errors import PortalError
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Role
from pilot_portal.tenancy.views import CityPageMixin
from providers.models import Scenario

PAGE_SIZE = 50
# Kinds each role may start (the service decides; the page offers only these).
KINDS_BY_ROLE = {
    Role.CITY_ADMIN: (AssessmentKind.DIAGNOSIS, AssessmentKind.ACCEPTANCE),
    Role.ASSESSOR: (AssessmentKind.DIAGNOSIS, AssessmentKind.ACCEPTANCE),
    Role.ENTERPRISE: (AssessmentKind.SELF,),
}
# Projects an acceptance assessment may accept.
ACCEPTABLE_PROJECTS = (ProjectStatus.IN_PROGRESS, ProjectStatus.COMPLETED, ProjectStatus.ACCEPTED)
# Roles that see more than their own assessments, so filter by assessor.
CITY_WIDE = policy.OVERSEERS | {Role.DISTRICT_OFFICER, Role.FINANCE_OFFICER}


# -- who ------------------------------------------------------------------------------------


def _assessors(city) -> list:
    """The city's assessors (active memberships), by name."""
    return list(
        get_user_model()
        .objects.filter(
            memberships__city=city, memberships__role=Role.ASSESSOR, memberships__is_active=True
        )
        .distinct()
        .order_by("first_name", "username")
    )


def _own_enterprise_ids(user, city) -> set[int]:
    return policy.enterprise_ids_in(user, city)


def _editable(user, assessment) -> bool:
    """Does this user answer the questionnaire (the assigned assessor, or the enterprise for
    its self-assessment, while it is not locked)? Others get the read-only page."""
    return "edit" in selectors.assessment_actions(user, assessment)


def _assessment_for(request, pk) -> Assessment:
    """The assessment with its steps, evidence and revisions; 404 outside the user's scope."""
    return selectors.assessment_detail(request.user, request.city, pk)


def _show(form, error: PortalError) -> None:
    """Put a service's refusal next to the field it names (or above the form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _refusal_message(error: PortalError) -> str:
    """One line for a refusal; a list of unanswered questions is summed up, not listed."""
    errors = _answer_errors(error)
    if len(errors) <= 1:
        return error.message
    more = len(errors) - 1
    return f"{error.message}（另有 {more} 项 / and {more} more）"


def _answer_errors(error) -> dict[str, str]:
    """Per-field messages of a refused questionnaire ("answers.<code>" -> "中文 / English")."""
    errors = getattr(error, "errors", None) or getattr(error, "extra", {}).get("errors")
    if errors:
        return dict(errors)
    field = getattr(error, "field", None) or ""
    return {field: getattr(error, "message", str(error))}


# -- the list -------------------------------------------------------------------------------


class AssessmentListPage(CityPageMixin):
    action_required = "assessment.view"

    def get(self, request, city_code):
        city, user = request.city, request.user
        city_wide = bool(request.city_roles & CITY_WIDE)
        form = AssessmentFilterForm(
            request.GET or None, assessors=_assessors(city) if city_wide else ()
        )
        filters = form.filters()
        level = filters.get("level")
        rows = selectors.assessment_list(
            user, city,
            kind=filters.get("kind"), status=filters.get("status"),
            level=int(level) if level and level != NO_LEVEL else None,
            assessor=filters.get("assessor"),
        )  # fmt: skip
        if level == NO_LEVEL:
            rows = rows.filter(level__isnull=True)
        if filters.get("q"):
            term = filters["q"].strip()
            rows = rows.filter(Q(enterprise__name__icontains=term) | Q(enterprise__uscc=term))
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "assessments/assessment_list.html",
            {
                "form": form,
                "page": page,
                "query": query.urlencode(),
                "new_choices": _new_choices(user, city),
            },
        )


def _new_choices(user, city) -> list[tuple[str, str]]:
    """The "new assessment" buttons: (label, query string) per thing the user may start."""
    if not policy.can(user, "assessment.create", city=city):
        return []
    roles = policy.roles_in(user, city)
    choices = []
    if roles & {Role.CITY_ADMIN, Role.ASSESSOR}:
        choices.append((_("New assessment"), ""))
    if Role.ENTERPRISE in roles:
        own = [
            m.enterprise
            for m in policy.memberships(user)
            if m.city_id == city.pk and m.role == Role.ENTERPRISE and m.enterprise_id
        ]
        for enterprise in own:
            label = _("Self-assessment")
            if len(own) > 1:
                label = f"{label} · {enterprise.name}"
            choices.append((label, f"?kind=self&enterprise={enterprise.pk}"))
    return choices


# -- a new assessment -----------------------------------------------------------------------


class AssessmentCreatePage(CityPageMixin):
    """The city administrator (diagnosis or acceptance, with an assessor), an assessor (for
    themself) or an enterprise (its own self-assessment) starts an assessment."""

    action_required = "assessment.create"

    def _form(self, request, data=None):
        city, user = request.city, request.user
        roles = request.city_roles
        kinds = []
        for role, allowed in KINDS_BY_ROLE.items():
            if role in roles:
                kinds += [k for k in allowed if k not in kinds]
        enterprises = Enterprise.objects.for_city(city).order_by("name", "pk")
        if not roles & selectors.CITY_ASSESSING:  # the enterprise: its own
            enterprises = enterprises.filter(pk__in=_own_enterprise_ids(user, city))
        projects = []
        if AssessmentKind.ACCEPTANCE in kinds:
            projects = list(
                Project.objects.for_city(city)
                .filter(status__in=ACCEPTABLE_PROJECTS)
                .select_related("enterprise")
                .order_by("enterprise__name", "title", "pk")
            )
        assessors = _assessors(city) if Role.CITY_ADMIN in roles else None
        initial = {k: request.GET.get(k) for k in ("enterprise", "kind") if request.GET.get(k)}
        form = AssessmentCreateForm(
            data, initial=initial, enterprises=enterprises.values_list("pk", "name"),
            kinds=kinds, projects=projects, assessors=assessors,
        )  # fmt: skip
        form.assessors = {u.pk: u for u in assessors or ()}
        return form

    def _render(self, request, form, status=200):
        return render(request, "assessments/assessment_form.html", {"form": form}, status=status)

    def get(self, request, city_code):
        return self._render(request, self._form(request))

    def post(self, request, city_code):
        form = self._form(request, data=request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        data = form.cleaned_data
        enterprise = selectors.enterprise_for_assessment(
            request.user, request.city, data["enterprise"]
        )
        try:
            assessment = services.assessment_create(
                request.user, request.city, enterprise=enterprise, kind=data["kind"],
                project=data.get("project"), assessor=form.assessors.get(data.get("assessor")),
            )  # fmt: skip
        except PortalError as error:
            _show(form, error)
            return self._render(request, form, status=error.status_code)
        messages.success(request, _("Assessment created."))
        name = "assessment-edit" if _editable(request.user, assessment) else "assessment-detail"
        return redirect(name, city_code=city_code, pk=assessment.pk)


# -- the questionnaire and the summary -----------------------------------------------------


def _zh() -> bool:
    return (get_language() or "zh").startswith("zh")


def _unjudged(spec, scenes: dict) -> int:
    return sum(1 for scene in spec.scenes if not scenes.get(scene.code))


def _summary(spec, assessment, *, total, level, explanation, unanswered, unjudged) -> dict:
    """What the summary panel shows, from an explanation (`ScoreResult.explanation()`, live or
    stored): the total, the dimension scores, the level, each level's conditions held or
    failed and the one-sentence reason, what is still open, and the edition's note."""
    zh = _zh()
    return {
        "total": total,
        "level": level,
        "dimensions": explanation.get("dimensions", []),
        "levels": [
            {
                "level": row["level"],
                "held": row["held"],
                "conditions": [
                    {"text": c["zh"] if zh else c["en"], "held": c["held"]}
                    for c in row.get("conditions", [])
                ],
            }
            for row in explanation.get("levels", [])
        ],
        "reason": explanation.get("summary_zh" if zh else "summary_en", ""),
        "unanswered": unanswered,
        "unjudged": unjudged,
        "note": assessment.edition.note,
    }


def _live_summary(spec, assessment, result, scenes) -> dict:
    return _summary(
        spec, assessment, total=result.total, level=result.level,
        explanation=result.explanation(), unanswered=len(result.unanswered),
        unjudged=_unjudged(spec, scenes),
    )  # fmt: skip


def _questionnaire(spec, answers, scenes, *, result, errors, evidence) -> dict:
    """The questionnaire as the templates walk it: dimensions → indicators → questions with
    their options ticked as given and the points they score, and the scenes by group."""
    unanswered = set(result.unanswered)
    dimensions = []
    for dimension in spec.dimensions:
        indicators = []
        for indicator in dimension.indicators:
            questions = []
            for question in indicator.questions:
                given, name = answers.get(question.code), f"q.{question.code}"
                chosen = set(given) if isinstance(given, list) else {given} if given else set()
                options = [
                    {
                        "spec": option,
                        "checked": option.code in chosen,
                        "id": f"q-{question.code}-{option.code}",
                    }
                    for option in question.options
                ]
                questions.append(
                    {
                        "spec": question,
                        "name": name,
                        "options": options,
                        "chosen": [o["spec"] for o in options if o["checked"]],
                        "unanswered": question.code in unanswered,
                        "points": result.question_points.get(question.code),
                        "error": errors.get(f"answers.{question.code}"),
                    }
                )
            indicators.append(
                {
                    "spec": indicator,
                    "questions": questions,
                    "points": result.indicator_points.get(indicator.code),
                    "evidence": evidence.get(indicator.code, []),
                    "evidence_field": f"evidence.{indicator.code}",
                    "evidence_error": errors.get(f"evidence.{indicator.code}"),
                }
            )
        dimensions.append(
            {
                "spec": dimension,
                "indicators": indicators,
                "score": result.dimension_scores.get(dimension.code),
            }
        )
    scene_groups = [
        {
            "name": group,
            "scenes": [
                {
                    "spec": scene,
                    "name": f"s.{scene.code}",
                    "level": scenes.get(scene.code),
                    "error": errors.get(f"scenes.{scene.code}"),
                }
                for scene in members
            ],
        }
        for group, members in groupby(spec.scenes, key=lambda s: s.group)
    ]
    shown = (
        {f"answers.{code}" for code in spec.questions()}
        | {f"scenes.{scene.code}" for scene in spec.scenes}
        | {f"evidence.{i.code}" for d in spec.dimensions for i in d.indicators}
    )
    # The scenes are judged where the edition puts its unscored dimension (数字化经营, 2024).
    home = next((d.code for d in spec.dimensions if not d.scored and not d.indicators), None)
    return {
        "dimensions": dimensions,
        "scene_groups": scene_groups,
        "scenes_in": home,
        # Errors that no question, scene or file input shows (shape, unknown codes): on top.
        "other_errors": [message for field, message in errors.items() if field not in shown],
    }


def _evidence_by_indicator(assessment) -> dict[str, list]:
    evidence = {}
    for item in assessment.evidence.all():
        evidence.setdefault(item.indicator_code, []).append(item)
    return evidence


class AssessmentEditPage(CityPageMixin):
    """The questionnaire: save (a draft may be partial) or submit (every answer needed).

    Only its editor gets the form (the assigned assessor; the enterprise for its
    self-assessment); anyone else who sees the assessment is sent to the read-only page, and
    a POST from them is refused by the service (403) and changes nothing.
    """

    action_required = "assessment.view"

    def get(self, request, city_code, pk):
        assessment = _assessment_for(request, pk)
        if not _editable(request.user, assessment):
            return redirect("assessment-detail", city_code=city_code, pk=pk)
        return self.show(request, assessment, assessment.answers, assessment.scenes)

    def show(self, request, assessment, answers, scenes, *, errors=None, status=200, findings=None):
        spec = template_spec(assessment.edition)
        try:
            result = rules.score(spec, answers, scenes)
        except rules.AnswerErrors:  # what was sent does not score: the saved state's score
            result = rules.score(spec, assessment.answers, assessment.scenes)
            scenes_scored = assessment.scenes
        else:
            scenes_scored = scenes
        actions = selectors.assessment_actions(request.user, assessment)
        context = {
            "assessment": assessment,
            "summary": _live_summary(spec, assessment, result, scenes_scored),
            "questionnaire": _questionnaire(
                spec,
                answers,
                scenes,
                result=result,
                errors=errors or {},
                evidence=_evidence_by_indicator(assessment),
            ),
            "findings": assessment.findings if findings is None else findings,
            "can_submit": "submit" in actions,
            # A submitted assessment stays complete: saving it checks every answer.
            "must_be_complete": assessment.status == AssessmentStatus.SUBMITTED,
        }
        return render(request, "assessments/questionnaire.html", context, status=status)

    def post(self, request, city_code, pk):
        assessment = _assessment_for(request, pk)
        spec = template_spec(assessment.edition)
        answers, scenes = questionnaire_data(request.POST, spec.questions())
        findings = request.POST.get("findings")
        submit = request.POST.get("intent") == "submit"
        try:
            with transaction.atomic():  # a refusal anywhere leaves everything as it was
                _save(request.user, assessment, answers, scenes, findings, submit=submit,
                      uploads=evidence_uploads(request.FILES))  # fmt: skip
        except _Refused as refused:
            assessment = _assessment_for(request, pk)
            if not _editable(request.user, assessment):
                # Not theirs (403) or locked (409): the read-only page, saying why.
                return AssessmentDetailPage().show(
                    request, assessment, status=refused.status, error=refused.message
                )
            return self.show(
                request, assessment, answers, scenes, errors=refused.errors,
                status=refused.status, findings=findings,
            )  # fmt: skip
        if submit:
            messages.success(request, _("Assessment submitted."))
            return redirect("assessment-detail", city_code=city_code, pk=pk)
        messages.success(request, _("Saved."))
        return redirect("assessment-edit", city_code=city_code, pk=pk)


class _Refused(Exception):
    """A service's refusal of the questionnaire, as messages per field and one status."""

    def __init__(self, errors: dict[str, str], status: int):
        super().__init__(errors)
        self.errors, self.status = errors, status
        self.message = " ".join(dict.fromkeys(errors.values()))


def _save(user, assessment, answers, scenes, findings, *, submit, uploads) -> None:
    """Answers, then evidence files, then the submission; the first refusal stops them all."""
    try:
        assessment = services.assessment_update(
            user, assessment, answers=answers, scenes=scenes, findings=findings, complete=submit
        )
        for indicator_code, upload in uploads:
            try:
                services.evidence_add(
                    user, assessment, indicator_code=indicator_code, upload=upload
                )
            except PortalError as error:  # shown next to the indicator's file input
                field = f"evidence.{indicator_code}"
                raise _Refused({field: error.message}, error.status_code) from None
        if submit:
            services.assessment_transition(user, assessment, "submit")
    except PortalError as error:
        raise _Refused(_answer_errors(error), error.status_code) from None


class ScorePreviewView(CityPageMixin):
    """POST the questionnaire, get the score, the level and why as JSON, with the summary
    panel's HTML: the questionnaire's script calls this as the user answers. It runs
    `rules.score` — the code the services store the score with — and saves nothing."""

    action_required = "assessment.view"

    def post(self, request, city_code, pk):
        assessment = _assessment_for(request, pk)
        spec = template_spec(assessment.edition)
        answers, scenes = questionnaire_data(request.POST, spec.questions())
        try:
            result = rules.score(spec, answers, scenes)
        except rules.AnswerErrors as error:
            return JsonResponse({"errors": error.errors}, status=400)
        summary = _live_summary(spec, assessment, result, scenes)
        return JsonResponse(
            {
                "total": str(result.total),
                "level": result.level,
                "dimensions": {code: str(v) for code, v in result.dimension_scores.items()},
                "unanswered": list(result.unanswered),
                "unjudged": [s.code for s in spec.scenes if not scenes.get(s.code)],
                "explanation": result.explanation(),
                "html": render_to_string(
                    "assessments/_summary.html", {"summary": summary}, request=request
                ),
            }
        )


# -- one assessment, read-only --------------------------------------------------------------


class AssessmentDetailPage(CityPageMixin):
    """Answers with their points, scores, the level and why, scenes, evidence, steps and
    revisions, and the buttons the user has (`selectors.assessment_actions`)."""

    action_required = "assessment.view"
    template = "assessments/assessment_detail.html"

    def get(self, request, city_code, pk):
        return self.show(request, _assessment_for(request, pk))

    def show(self, request, assessment, *, status=200, error=None, **forms):
        user, city = request.user, assessment.city
        spec = template_spec(assessment.edition)
        result = rules.score(spec, assessment.answers, assessment.scenes)
        # The stored figures are the official ones (a locked assessment's never change).
        summary = _summary(
            spec, assessment, total=assessment.total_score, level=assessment.level,
            explanation=assessment.explanation or result.explanation(),
            unanswered=len(result.unanswered), unjudged=_unjudged(spec, assessment.scenes),
        )  # fmt: skip
        actions = selectors.assessment_actions(user, assessment)
        assessors = _assessors(city) if "assign" in actions else ()
        context = {
            "assessment": assessment,
            "summary": summary,
            "questionnaire": _questionnaire(
                spec,
                assessment.answers,
                assessment.scenes,
                result=result,
                errors={},
                evidence={},
            ),
            "evidence": _with_indicator_names(spec, assessment.evidence.all()),
            "steps": list(assessment.steps.all()),
            "revisions": list(assessment.revisions.all()),
            "editable": "edit" in actions,
            "transitions": [a for a in actions if a in ASSESSMENT_TRANSITIONS],
            "action_form": forms.get("action_form") or ActionForm(),
            "assign_form": (
                forms.get("assign_form")
                or AssignForm(assessors=assessors, initial={"assessor": assessment.assessor_id})
                if "assign" in actions
                else None
            ),
            "revise_form": (
                forms.get("revise_form") or ReviseForm() if "revise" in actions else None
            ),
            "weak_scenes": _weak_scenes(assessment),
            "may_add_demand": (
                assessment.kind == AssessmentKind.DIAGNOSIS
                and assessment.enterprise_id in _own_enterprise_ids(user, city)
                and policy.can(user, "demand.edit", city=city)
            ),
            "may_see_demand": policy.can(user, "demand.overview", city=city),
            "may_report": assessment.kind != AssessmentKind.SELF
            and policy.can(user, "assessment.report", city=city),
            "error": getattr(error, "message", error),
        }
        return render(request, self.template, context, status=status)


def _with_indicator_names(spec, evidence) -> list:
    names = {i.code: i.name for d in spec.dimensions for i in d.indicators}
    for item in evidence:
        item.indicator_name = names.get(item.indicator_code, item.indicator_code)
    return list(evidence)


def _weak_scenes(assessment) -> list[tuple[str, str]]:
    """A diagnosis's weak scenes as (scenario code, label): what its enterprise should ask for."""
    if assessment.kind != AssessmentKind.DIAGNOSIS:
        return []
    return [
        (code, Scenario(code).label if code in Scenario.values else code)
        for code in services.diagnosis_weak_scenes(assessment)
    ]


class _DetailPost(AssessmentDetailPage):
    def get(self, request, city_code, pk):
        return redirect("assessment-detail", city_code=city_code, pk=pk)


class AssessmentActionPage(_DetailPost):
    """A status step: submit, return (with a comment) or lock."""

    def post(self, request, city_code, pk):
        assessment = _assessment_for(request, pk)
        form = ActionForm(request.POST)
        if not form.is_valid():
            return self.show(request, assessment, status=400, action_form=form)
        try:
            services.assessment_transition(
                request.user, assessment, form.cleaned_data["action"],
                comment=form.cleaned_data["comment"],
            )  # fmt: skip
        except PortalError as error:
            message = _refusal_message(error)
            form.add_error(None, message)
            return self.show(
                request, assessment, status=error.status_code, error=message, action_form=form
            )
        messages.success(request, _("Done."))
        return redirect("assessment-detail", city_code=city_code, pk=pk)


class AssessmentAssignPage(_DetailPost):
    def post(self, request, city_code, pk):
        assessment = _assessment_for(request, pk)
        assessors = _assessors(request.city)
        form = AssignForm(request.POST, assessors=assessors)
        if not form.is_valid():
            return self.show(request, assessment, status=400, assign_form=form)
        assessor = next(u for u in assessors if u.pk == form.cleaned_data["assessor"])
        try:
            services.assessment_assign(request.user, assessment, assessor)
        except PortalError as error:
            _show(form, error)
            return self.show(
                request, assessment, status=error.status_code, error=error, assign_form=form
            )
        messages.success(request, _("Assessor assigned."))
        return redirect("assessment-detail", city_code=city_code, pk=pk)


class AssessmentRevisePage(_DetailPost):
    """A correction of a locked assessment: a new draft pointing to it."""

    def post(self, request, city_code, pk):
        assessment = _assessment_for(request, pk)
        form = ReviseForm(request.POST)
        if not form.is_valid():
            return self.show(request, assessment, status=400, revise_form=form)
        try:
            revision = services.assessment_revise(
                request.user, assessment, form.cleaned_data["reason"]
            )
        except PortalError as error:
            _show(form, error)
            return self.show(
                request, assessment, status=error.status_code, error=error, revise_form=form
            )
        messages.success(request, _("Revision created."))
        return redirect("assessment-detail", city_code=city_code, pk=revision.pk)


class DemandFromDiagnosisPage(_DetailPost):
    """The enterprise adds its diagnosis's weak scenes to the scenarios it asks solutions for."""

    def post(self, request, city_code, pk):
        assessment = _assessment_for(request, pk)
        weak = [code for code, _label in _weak_scenes(assessment)]
        if not weak:
            messages.info(request, _("This assessment has no weak scenes to add."))
            return redirect("assessment-detail", city_code=city_code, pk=pk)
        entered = list(
            Demand.objects.filter(
                enterprise_id=assessment.enterprise_id, source=Demand.Source.ENTERPRISE
            ).values_list("scenario", "note")
        )
        try:
            matching.demand_set(
                enterprise=assessment.enterprise, actor=request.user,
                scenarios=[*(s for s, _note in entered), *weak],
                note=next((note for _s, note in entered if note), ""),  # kept as it was
            )  # fmt: skip
        except PortalError as error:
            return self.show(request, assessment, status=error.status_code, error=error)
        messages.success(request, _("The weak scenes were added to your demand."))
        return redirect("matching", city_code=city_code)
