"""Change requests: a major change (new legal entity, new main content) is requested by the
enterprise, reviewed by its district and recorded by the city (DOMAIN.md step 6).

A request may name one of the enterprise's transformation projects and carry its new
provider and/or main content: recording the request changes the project, in the same
transaction (`enterprises.projects.edits`). That is the only way a started project's provider
or main content changes."""

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from enterprises.models import (
    ChangeKind,
    ChangeRequest,
    ChangeRequestStep,
    ChangeStatus,
    Enterprise,
)
from enterprises.projects import edits
from enterprises.workflow import CHANGE_TRANSITIONS, check_transition
from pilot_portal.audit.services import audit_record, with_actor
from pilot_portal.errors import InvalidInput, NotAllowed
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Role
from providers.models import Provider, Scenario


@transaction.atomic
def change_request_create(
    *,
    enterprise: Enterprise,
    kind: str,
    description: str,
    actor,
    project=None,
    changes: dict | None = None,
) -> ChangeRequest:
    """The enterprise requests a major change; it may name one of its projects (`project`, an
    id) and what changes there (`changes`: a new pooled provider and/or title, scenarios,
    contract amount), which the project takes when the city records the request."""
    if Role.ENTERPRISE not in policy.roles_for_enterprise(actor, enterprise):
        raise NotAllowed("仅企业本身可提出变更 / only the enterprise requests a change")
    if kind not in ChangeKind.values:
        raise InvalidInput("请选择变更类型 / choose the kind of change", field="kind")
    if len(description.strip()) < 10:
        raise InvalidInput(
            "请说明变更内容和原因（至少 10 个字）/ describe the change and why (10 characters at "
            "least)",
            field="description",
        )
    target, cleaned = None, {}
    if project not in (None, ""):
        target, cleaned = edits.project_changes_clean(
            enterprise=enterprise, project_id=project, changes=changes or {}
        )
    elif any(value not in (None, "", []) for value in (changes or {}).values()):
        raise InvalidInput(
            "请选择这些变更所属的项目 / choose the project these changes are for", field="project"
        )
    change = ChangeRequest(
        city=enterprise.city, enterprise=enterprise, kind=kind,
        description=description.strip(), project=target, project_changes=cleaned,
        created_by=actor,
    )  # fmt: skip
    with_actor(change, actor).save()
    ChangeRequestStep.objects.create(
        change_request=change, action="request", from_status=change.status,
        to_status=change.status, actor=actor, actor_role=Role.ENTERPRISE,
    )  # fmt: skip
    audit_record(actor=actor, action="change.request", city=enterprise.city, obj=change,
                 data={"kind": kind, "project": target.pk if target else None,
                       "changes": cleaned})  # fmt: skip
    return change


@transaction.atomic
def change_request_transition(
    *, change: ChangeRequest, action: str, actor, comment: str = ""
) -> ChangeRequest:
    change = (
        ChangeRequest.objects.select_for_update(of=("self",))
        .select_related("enterprise__city", "enterprise__district")
        .get(pk=change.pk)
    )
    roles = policy.roles_for_enterprise(actor, change.enterprise)
    transition, role = check_transition(CHANGE_TRANSITIONS, action, change.status, roles, comment)
    source = change.status
    change.status = transition.target
    with_actor(change, actor).save(update_fields=["status", "updated_at"])
    ChangeRequestStep.objects.create(
        change_request=change, action=action, from_status=source, to_status=change.status,
        actor=actor, actor_role=role, comment=comment.strip(),
    )  # fmt: skip
    audit_record(actor=actor, action=f"change.{action}", city=change.city, obj=change,
                 reason=comment.strip(), data={"from": source, "to": change.status})  # fmt: skip
    if change.status == ChangeStatus.RECORDED and change.project_id:
        # Same transaction: a change that cannot apply (409) leaves the request unrecorded.
        edits.project_change_apply(change=change, actor=actor, role=role)
    return change


def change_request_list(*, city, user):
    return (
        ChangeRequest.objects.for_city(city)
        .filter(policy.enterprise_scope(user, city, prefix="enterprise__"))
        .select_related("enterprise__district", "project__provider")
        .prefetch_related("steps__actor")
    )


def get_change_request_for(user, city, change_id) -> ChangeRequest:
    change = change_request_list(city=city, user=user).filter(pk=change_id).first()
    if change is None:
        raise Http404("变更申请不存在 / no such change request")
    return change


def project_change_rows(change: ChangeRequest) -> list[tuple[str, str, str]]:
    """(what, the project's value now, the requested value) for the request's page."""
    if change.project is None:
        return []
    project, wanted = change.project, change.project_changes or {}

    def scenarios(values) -> str:
        return "、".join(Scenario(v).label for v in values if v in Scenario.values) or "–"

    rows = []
    if "provider" in wanted:
        provider = Provider.objects.filter(pk=wanted["provider"]).first()
        rows.append((_("Provider"), project.provider.name, provider.name if provider else "–"))
    if "title" in wanted:
        rows.append((_("Title"), project.title, wanted["title"]))
    if "scenarios" in wanted:
        rows.append((_("Scenarios"), scenarios(project.scenarios), scenarios(wanted["scenarios"])))
    if "contract_amount" in wanted:
        rows.append(
            (_("Contract amount (CNY)"), str(project.contract_amount), wanted["contract_amount"])
        )
    return rows
