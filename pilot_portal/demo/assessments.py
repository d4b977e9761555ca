"""Demo assessments, made through the services: diagnoses before the projects, the accepted
projects' locked acceptances, and work waiting for the demo assessor and city admin.

Answers are chosen by a share of each question's range (0: the lowest option, 1: the best),
so the demo's levels follow from the real 2024 questionnaire rather than being typed in.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments import services
from assessments.models import Assessment
from assessments.rules import MULTIPLE, TemplateSpec
from assessments.templates import current_edition, template_spec

# (share of each question's range, level of constraint scenes, level of the others)
BEFORE = (0.3, 1, 1)  # a diagnosis: level 1, every scene weak
AFTER = (0.75, 3, 2)  # an acceptance: level 3
PARTIAL_QUESTIONS = 5  # the assessor's draft: the first questions answered, the rest open

DIAGNOSIS_FINDINGS = (
    "设备联网率低，生产数据靠人工抄录；质检依赖目检，缺陷无追溯；"
    "计划排程凭经验，插单后交期难以承诺。"
)


def _answers(template: TemplateSpec, share: float) -> dict:
    answers = {}
    for code, question in template.questions().items():
        if question.kind == MULTIPLE:
            plain = [o.code for o in question.options if not o.exclusive]
            ticked = plain[: round(share * len(plain))]
            none = [o.code for o in question.options if o.exclusive]
            answers[code] = ticked or none[:1] or plain[:1]
        else:
            ranked = sorted(question.options, key=lambda o: o.points)
            answers[code] = ranked[round(share * (len(ranked) - 1))].code
    return answers


def _scenes(template: TemplateSpec, constraint_level: int, other_level: int) -> dict:
    return {s.code: constraint_level if s.constraint else other_level for s in template.scenes}


def _filled(template, profile) -> dict:
    share, constraint_level, other_level = profile
    return {
        "answers": _answers(template, share),
        "scenes": _scenes(template, constraint_level, other_level),
    }


def _dated(assessment: Assessment, days_ago: int) -> None:
    """Date a demo assessment back (the services stamp 'now')."""
    when = timezone.now() - timedelta(days=days_ago)
    fields = {"created_at": when}
    if assessment.submitted_at:
        fields["submitted_at"] = when
    if assessment.locked_at:
        fields["locked_at"] = when
    Assessment.objects.filter(pk=assessment.pk).update(**fields)


def _official(city, enterprise, kind, profile, *, project=None, lock_by=None, days_ago=0):
    assessor = get_user_model().objects.get(username=f"{city.code}-assessor")
    template = template_spec(current_edition())
    assessment = services.assessment_create(
        assessor, city, enterprise=enterprise, kind=kind, project=project, complete=True,
        findings=DIAGNOSIS_FINDINGS if kind == "diagnosis" else "", **_filled(template, profile),
    )  # fmt: skip
    assessment = services.assessment_transition(assessor, assessment, "submit")
    if lock_by is not None:
        assessment = services.assessment_transition(lock_by, assessment, "lock", "演示 / demo")
    if days_ago:
        _dated(assessment, days_ago)
    return assessment


def demo_accept(project, admin, *, diagnosed_days_ago: int) -> None:
    """A completed project accepted the real way: a locked diagnosis before it started, then
    the acceptance assessment, whose locking accepts the project."""
    city, enterprise = project.city, project.enterprise
    if not enterprise.assessments.filter(kind="diagnosis", status="locked").exists():
        _official(city, enterprise, "diagnosis", BEFORE, lock_by=admin,
                  days_ago=diagnosed_days_ago)  # fmt: skip
    _official(city, enterprise, "acceptance", AFTER, project=project, lock_by=admin)


def demo_assessments(city, admin, *, demo_enterprise, completed_project, waiting) -> None:
    """Work in progress: the demo enterprise's locked diagnosis (its weak scenes can become
    demand) and a self-assessment; the completed project's acceptance submitted, for the city
    admin to lock; a diagnosis half answered by the assessor."""
    if Assessment.objects.filter(city=city, enterprise=demo_enterprise).exists():
        return  # seeded before
    template = template_spec(current_edition())
    _official(city, demo_enterprise, "diagnosis", BEFORE, lock_by=admin, days_ago=30)
    owner = get_user_model().objects.get(username=f"{city.code}-enterprise")
    services.assessment_create(
        owner, city, enterprise=demo_enterprise, kind="self", **_filled(template, (0.5, 2, 1))
    )
    if completed_project is not None and not completed_project.assessments.exists():
        _official(city, completed_project.enterprise, "acceptance", AFTER,
                  project=completed_project)  # fmt: skip
    assessor = get_user_model().objects.get(username=f"{city.code}-assessor")
    answers = _answers(template, 0.5)
    services.assessment_create(
        assessor, city, enterprise=waiting, kind="diagnosis",
        answers=dict(list(answers.items())[:PARTIAL_QUESTIONS]), scenes={},
    )  # fmt: skip
