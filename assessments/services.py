"""Writes for assessments: create, answer, assign, submit / return / lock, revise, evidence.

Each names its actor and runs in one transaction; refusals are 400 (naming the field), 403
(the role, or not the assigned assessor), 404 (outside what the user sees) or 409 (the status,
named) and change nothing. Every save recomputes the scores with `rules.score` on the
assessment's own edition version and stores total, dimension scores, level and explanation.
A locked assessment never changes again: a correction is a new revision pointing to it.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from assessments import rules
from assessments.access import PURPOSE
from assessments.models import (
    Assessment,
    AssessmentEvidence,
    AssessmentKind,
    AssessmentStep,
    Edition,
)
from assessments.models import AssessmentStatus as S
from assessments.selectors import assessment_roles
from assessments.templates import current_edition, edition_problems, template_spec
from assessments.workflow import ASSESSMENT_TRANSITIONS, NEEDS_COMPLETE
from enterprises.models import Enterprise
from enterprises.projects.models import Project, ProjectStatus
from enterprises.projects.services import project_transition
from pilot_portal.audit.services import audit_record, with_actor
from pilot_portal.documents.services import document_upload
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Role
from pilot_portal.workflow import check_transition
from providers.models import Scenario

OFFICIAL = frozenset({AssessmentKind.DIAGNOSIS, AssessmentKind.ACCEPTANCE})
EDITORS = frozenset({Role.ASSESSOR, Role.ENTERPRISE})
# A scene judged below this level is a weak scene: a diagnosis turns it into demand.
WEAK_BELOW = 2


class AnswersInvalid(InvalidInput):
    """Several answer fields refused at once. `field`/`message` name the first; `errors` maps
    every field path ("answers.<code>", "scenes.<code>") to its message, for the API and page."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = dict(errors)


def _locked_conflict(assessment: Assessment) -> Conflict:
    return Conflict(
        "评测已锁定，不能修改；如需更正，请由市工信局发起修订 / the assessment is locked and "
        "cannot change: the city administrator may open a revision",
        status=assessment.status,
    )


def _for_update(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("city", "enterprise", "edition")
        .get(pk=assessment.pk)
    )


def _compute(assessment: Assessment, answers, scenes, *, complete: bool) -> None:
    """Validate the answers against the assessment's edition and store what they score."""
    template = template_spec(assessment.edition)
    try:
        rules.validate(template, answers, scenes, complete=complete)
    except rules.AnswerErrors as error:
        raise AnswersInvalid(error.errors) from None
    result = rules.score(template, answers, scenes)
    assessment.answers, assessment.scenes = answers, scenes
    assessment.total_score = result.total
    assessment.dimension_scores = {
        code: _score_text(value) for code, value in result.dimension_scores.items()
    }
    assessment.level = result.level
    assessment.explanation = result.explanation()


def _score_text(value: Decimal) -> str:
    """A score as the API shows it: two places, or the exact three when two would round."""
    cents = value.quantize(Decimal("0.01"))
    return f"{cents if cents == value else value:f}"


def _check_assessor(city, assessor) -> None:
    if assessor is None or policy.membership_in(assessor, city, Role.ASSESSOR) is None:
        raise InvalidInput(
            "所选用户不是本市的评测机构 / the user chosen is not an assessor in this city",
            field="assessor",
        )


def _project_of(enterprise: Enterprise, project) -> Project | None:
    if project is None or project == "":
        return None
    found = Project.objects.filter(
        city_id=enterprise.city_id, enterprise=enterprise, pk=getattr(project, "pk", project)
    ).first()
    if found is None:
        raise InvalidInput(
            "项目须为该企业的转型项目 / the project must be one of this enterprise's",
            field="project",
        )
    return found


def _step(assessment, action, actor, role, before, comment="") -> AssessmentStep:
    return AssessmentStep.objects.create(
        assessment=assessment, action=action, actor=actor, actor_role=role, comment=comment,
        from_status=before, to_status=assessment.status,
    )  # fmt: skip


@transaction.atomic
def assessment_create(
    actor, city, *, enterprise, kind, answers=None, scenes=None, project=None, assessor=None,
    edition=None, complete=False, findings="",
) -> Assessment:  # fmt: skip
    """Start an assessment of `enterprise` in `city`.

    The city admin creates diagnoses and acceptances (the assessor optional, and an assessor of
    the city); an assessor creates them assigned to themself; the enterprise's staff run a self-
    assessment of their own enterprise. `complete=False` saves a partial draft.
    """
    roles = policy.roles_for_enterprise(actor, enterprise) if enterprise is not None else ()
    if enterprise is None or enterprise.city_id != city.pk or not roles:
        raise Http404("企业不存在 / no such enterprise")
    if kind not in AssessmentKind.values:
        raise InvalidInput(
            "类型须为 diagnosis、acceptance 或 self / kind must be diagnosis, acceptance or self",
            field="kind",
        )
    if kind == AssessmentKind.SELF:
        if Role.ENTERPRISE not in roles:
            raise NotAllowed(
                "自评只能由企业本身发起 / only the enterprise runs its self-assessment"
            )
        if assessor is not None:
            raise InvalidInput("自评不指派评测机构 / a self-assessment has no assessor",
                               field="assessor")  # fmt: skip
    elif Role.CITY_ADMIN in roles:
        if assessor is not None:
            _check_assessor(city, assessor)
    elif Role.ASSESSOR in roles:
        if assessor is not None and assessor.pk != actor.pk:
            raise InvalidInput(
                "评测机构只能为自己创建评测 / an assessor creates assessments assigned to themself",
                field="assessor",
            )
        assessor = actor
    else:
        raise NotAllowed(
            "诊断和验收评测由市工信局或评测机构发起 / the city or an assessor starts a diagnosis "
            "or an acceptance assessment"
        )
    try:
        edition = edition or current_edition(city)
    except Edition.DoesNotExist:
        raise InvalidInput(
            "没有可用的评测版本 / there is no questionnaire edition to use", field="edition"
        ) from None
    problems = edition_problems(template_spec(edition))
    if problems:
        raise InvalidInput(
            f"问卷版本不完整，不能使用：{'；'.join(problems)} / the questionnaire edition is "
            "incomplete and cannot be used",
            field="edition",
        )
    assessment = Assessment(
        city=city, enterprise=enterprise, project=_project_of(enterprise, project), kind=kind,
        edition=edition, assessor=assessor, findings=(findings or "").strip(), created_by=actor,
    )  # fmt: skip
    _compute(assessment, answers or {}, scenes or {}, complete=complete)
    with_actor(assessment, actor).save()
    audit_record(actor=actor, action="assessment.create", city=city, obj=assessment,
                 data={"enterprise": enterprise.uscc, "kind": kind,
                       "edition": f"{edition.code} v{edition.version}"})  # fmt: skip
    if assessor is not None and assessor.pk != actor.pk:
        _assigned(assessment, actor, previous=None)
    return assessment


@transaction.atomic
def assessment_update(
    actor, assessment, *, answers=None, scenes=None, findings=None, complete=False
) -> Assessment:
    """The assigned assessor (the enterprise, for its self-assessment) saves answers, scene
    levels or findings; what is not given is kept. A submitted assessment stays complete."""
    assessment = _for_update(assessment)
    if assessment.status == S.LOCKED:
        raise _locked_conflict(assessment)
    if not assessment_roles(actor, assessment) & EDITORS:
        raise NotAllowed(
            "只有指派的评测机构可以填写此评测 / only the assigned assessor edits this assessment"
            if assessment.kind in OFFICIAL
            else "只有企业本身可以填写自评 / only the enterprise edits its self-assessment"
        )
    if findings is not None:
        assessment.findings = findings.strip()
    _compute(
        assessment,
        assessment.answers if answers is None else answers,
        assessment.scenes if scenes is None else scenes,
        complete=complete or assessment.status == S.SUBMITTED,
    )
    with_actor(assessment, actor).save()
    return assessment


@transaction.atomic
def assessment_assign(actor, assessment, assessor) -> Assessment:
    """The city admin assigns (or reassigns) the assessor; the assessor is told by e-mail."""
    if not policy.can(actor, "assessment.assign", city=assessment.city):
        raise NotAllowed("只有市工信局可以指派评测机构 / only the city administrator assigns")
    assessment = _for_update(assessment)
    if assessment.status == S.LOCKED:
        raise _locked_conflict(assessment)
    if assessment.kind == AssessmentKind.SELF:
        raise Conflict("自评不指派评测机构 / a self-assessment has no assessor",
                       status=assessment.status)  # fmt: skip
    _check_assessor(assessment.city, assessor)
    previous = assessment.assessor
    assessment.assessor = assessor
    with_actor(assessment, actor).save()
    _assigned(assessment, actor, previous=previous)
    return assessment


def _assigned(assessment: Assessment, actor, *, previous) -> None:
    assessor = assessment.assessor
    _step(assessment, "assign", actor, Role.CITY_ADMIN, assessment.status,
          comment=assessor.get_full_name() or assessor.username)  # fmt: skip
    audit_record(actor=actor, action="assessment.assign", city=assessment.city, obj=assessment,
                 data={"from": getattr(previous, "username", None),
                       "to": assessor.username})  # fmt: skip
    transaction.on_commit(lambda: _notify_assigned(assessment.pk))


@transaction.atomic
def assessment_transition(actor, assessment, action: str, comment: str = "") -> Assessment:
    """Submit (the assigned assessor; the enterprise for its self-assessment), return with a
    comment or lock (the city admin). Submitting and locking need every answer."""
    assessment = _for_update(assessment)
    transition, role = check_transition(
        ASSESSMENT_TRANSITIONS, action, assessment.status,
        assessment_roles(actor, assessment), comment or "",
    )  # fmt: skip
    if action == "lock" and assessment.kind == AssessmentKind.SELF:
        raise Conflict(
            "自评仅供企业自查，不能锁定；正式评级请申请诊断或验收评测 / a self-assessment is "
            "unofficial and is never locked: the official level comes from a diagnosis or an "
            "acceptance assessment",
            status=assessment.status,
        )
    if action == "lock":
        _check_project_completed(assessment)
    _compute(assessment, assessment.answers, assessment.scenes,
             complete=action in NEEDS_COMPLETE)  # fmt: skip
    before = assessment.status
    assessment.status = transition.target
    now = timezone.now()
    if action == "submit":
        assessment.submitted_at = now
    elif action == "lock":
        assessment.locked_at, assessment.locked_by = now, actor
    assessment._change_reason = (comment or "")[:100]  # the history column holds 100
    with_actor(assessment, actor).save()
    _step(assessment, action, actor, role, before, comment=comment or "")
    audit_record(actor=actor, action=f"assessment.{action}", city=assessment.city,
                 obj=assessment, reason=comment or "",
                 data={"from": before, "to": assessment.status, "level": assessment.level,
                       "total_score": assessment.total_score})  # fmt: skip
    if action == "lock":
        _record_level(assessment, actor)
        _accept_project(assessment, actor)
        transaction.on_commit(lambda: _notify_locked(assessment.pk))
    return assessment


def _check_project_completed(assessment: Assessment) -> None:
    """An acceptance assessment accepts a completed project: locking it earlier is refused."""
    project = assessment.project
    if assessment.kind != AssessmentKind.ACCEPTANCE or project is None:
        return
    if project.status not in (ProjectStatus.COMPLETED, ProjectStatus.ACCEPTED):
        raise Conflict(
            f"项目「{project.title}」尚未完工（{project.get_status_display()}），"
            f"不能锁定验收评测 / the project is {project.status}, not completed: the "
            "acceptance cannot be locked yet",
            status=project.status,
        )


def _accept_project(assessment: Assessment, actor) -> None:
    """Locking the acceptance assessment is the project's acceptance (DOMAIN.md step 7): the
    project moves completed → accepted, its step naming the assessment and the level."""
    project = assessment.project
    if assessment.kind != AssessmentKind.ACCEPTANCE or project is None:
        return
    if project.status != ProjectStatus.COMPLETED:  # a revision of an accepted project's
        return
    level = (
        f"{assessment.level} 级 / level {assessment.level}"
        if assessment.level
        else "无等级 / no level"
    )
    project_transition(
        project=project, actor=actor, action="accept",
        comment=f"验收评测 #{assessment.pk} 已锁定，{level} / acceptance assessment "
        f"#{assessment.pk} locked",
    )  # fmt: skip


def _record_level(assessment: Assessment, actor) -> None:
    """A locked official assessment is the enterprise's digital level from now on."""
    enterprise = Enterprise.objects.select_for_update().get(pk=assessment.enterprise_id)
    enterprise.current_level = assessment.level
    enterprise._change_reason = f"assessment #{assessment.pk} locked"
    with_actor(enterprise, actor).save(update_fields=["current_level"])


@transaction.atomic
def assessment_revise(actor, assessment, reason: str) -> Assessment:
    """Correct a locked assessment: a new draft copying its answers, pointing to it, with the
    same assessor. The locked one stays as it was, and visible."""
    if not policy.can(actor, "assessment.assign", city=assessment.city):
        raise NotAllowed("只有市工信局可以发起修订 / only the city administrator opens a revision")
    reason = (reason or "").strip()
    old = _for_update(assessment)
    if old.status != S.LOCKED:
        raise Conflict(
            f"只有已锁定的评测可以修订，当前状态：{old.get_status_display()} / only a locked "
            f"assessment is revised; it is {old.status}",
            status=old.status,
        )
    later = old.revisions.order_by("pk").first()
    if later is not None:
        raise Conflict(
            f"该评测已有修订 #{later.pk}，请修订最新版本 / revision #{later.pk} already exists: "
            "revise that one",
            status=old.status,
        )
    if not reason:
        raise InvalidInput("请填写修订理由 / a reason is required", field="reason")
    new = Assessment(
        city=old.city, enterprise=old.enterprise, project=old.project, kind=old.kind,
        edition=old.edition, assessor=old.assessor, findings=old.findings, revision_of=old,
        created_by=actor,
    )  # fmt: skip
    _compute(new, dict(old.answers), dict(old.scenes), complete=False)
    new._change_reason = reason[:100]
    with_actor(new, actor).save()
    _step(new, "revise", actor, Role.CITY_ADMIN, S.DRAFT, comment=reason)
    audit_record(actor=actor, action="assessment.revise", city=old.city, obj=new, reason=reason,
                 data={"revision_of": old.pk})  # fmt: skip
    if new.assessor_id:
        transaction.on_commit(lambda: _notify_assigned(new.pk))
    return new


@transaction.atomic
def evidence_add(actor, assessment, *, indicator_code: str, upload) -> AssessmentEvidence:
    """The assessment's editor attaches a file backing one indicator's answer."""
    assessment = _for_update(assessment)
    if assessment.status == S.LOCKED:
        raise _locked_conflict(assessment)
    if not assessment_roles(actor, assessment) & EDITORS:
        raise NotAllowed(
            "只有评测的填写人可以上传佐证 / only the assessment's editor adds evidence"
        )
    indicators = {
        indicator.code
        for dimension in template_spec(assessment.edition).dimensions
        for indicator in dimension.indicators
    }
    if indicator_code not in indicators:
        raise InvalidInput(f"未知指标：{indicator_code} / unknown indicator", field="indicator")
    if upload is None:
        raise InvalidInput("请选择文件 / choose a file", field="file")
    document = document_upload(city=assessment.city, upload=upload, actor=actor, purpose=PURPOSE)
    return AssessmentEvidence.objects.create(
        city=assessment.city, assessment=assessment, indicator_code=indicator_code,
        document=document, created_by=actor,
    )  # fmt: skip


def diagnosis_weak_scenes(assessment: Assessment) -> list[str]:
    """Scenes judged below level 2, in the questionnaire's order: the enterprise's demand
    scenarios (a scene code is a `providers.models.Scenario`)."""
    scenarios = set(Scenario.values)
    return [
        scene.code
        for scene in template_spec(assessment.edition).scenes
        if scene.code in scenarios
        and isinstance(assessment.scenes.get(scene.code), int)
        and assessment.scenes[scene.code] < WEAK_BELOW
    ]


# -- e-mail (after commit) ------------------------------------------------------------------


def _notify_assigned(assessment_id: int) -> None:
    """Tell the assessor what they are to assess."""
    assessment = Assessment.objects.select_related("city", "enterprise", "assessor").get(
        pk=assessment_id
    )
    assessor = assessment.assessor
    if assessor is None or not assessor.email:
        return
    revision = f"（修订 #{assessment.revision_of_id}）" if assessment.revision_of_id else ""
    send_mail(
        subject=(
            f"【试点通】评测任务：{assessment.enterprise.name}{assessment.get_kind_display()}"
            f" / assessment assigned: {assessment.kind} #{assessment.pk}"
        ),
        message=(
            f"{assessor.get_full_name() or assessor.username}：\n\n"
            f"{assessment.city.name}请您对{assessment.enterprise.name}开展"
            f"{assessment.get_kind_display()}评测（#{assessment.pk}）{revision}。\n\n"
            f"{assessment.city.code} assigned you the {assessment.kind} assessment "
            f"#{assessment.pk} of {assessment.enterprise.name}."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[assessor.email],
    )


def _notify_locked(assessment_id: int) -> None:
    """Tell the enterprise's staff and the assessor the level that now stands."""
    assessment = Assessment.objects.select_related("city", "enterprise", "assessor").get(
        pk=assessment_id
    )
    recipients = set(
        get_user_model()
        .objects.filter(
            memberships__enterprise=assessment.enterprise,
            memberships__role=Role.ENTERPRISE,
            memberships__is_active=True,
        )
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if assessment.assessor is not None and assessment.assessor.email:
        recipients.add(assessment.assessor.email)
    if not recipients:
        return
    level = f"{assessment.level} 级" if assessment.level else "未达一级"
    level_en = f"level {assessment.level}" if assessment.level else "no level"
    send_mail(
        subject=(
            f"【试点通】{assessment.enterprise.name}{assessment.get_kind_display()}已锁定：{level}"
            f" / assessment locked: {level_en}"
        ),
        message=(
            f"{assessment.enterprise.name}的{assessment.get_kind_display()}评测（#{assessment.pk}）"
            f"已由{assessment.city.name}锁定。\n总分：{assessment.total_score}\n"
            f"数字化水平：{level}\n\n"
            f"The {assessment.kind} assessment #{assessment.pk} of {assessment.enterprise.name} "
            f"is locked: total score {assessment.total_score}, {level_en}."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=sorted(recipients),
    )
