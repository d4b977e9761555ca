"""Change requests: a major change (new legal entity, new main content) is requested by the
enterprise, reviewed by its district and recorded by the city (DOMAIN.md step 6)."""

from django.db import transaction
from django.http import Http404

from enterprises.models import ChangeKind, ChangeRequest, ChangeRequestStep, Enterprise
from enterprises.workflow import CHANGE_TRANSITIONS, check_transition
from pilot_portal.audit.services import audit_record, with_actor
from pilot_portal.errors import InvalidInput, NotAllowed
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Role


@transaction.atomic
def change_request_create(
    *, enterprise: Enterprise, kind: str, description: str, actor
) -> ChangeRequest:
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
    change = ChangeRequest(
        city=enterprise.city, enterprise=enterprise, kind=kind,
        description=description.strip(), created_by=actor,
    )  # fmt: skip
    with_actor(change, actor).save()
    ChangeRequestStep.objects.create(
        change_request=change, action="request", from_status=change.status,
        to_status=change.status, actor=actor, actor_role=Role.ENTERPRISE,
    )  # fmt: skip
    audit_record(actor=actor, action="change.request", city=enterprise.city, obj=change,
                 data={"kind": kind})  # fmt: skip
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
    return change


def change_request_list(*, city, user):
    return (
        ChangeRequest.objects.for_city(city)
        .filter(policy.enterprise_scope(user, city, prefix="enterprise__"))
        .select_related("enterprise__district")
        .prefetch_related("steps__actor")
    )


def get_change_request_for(user, city, change_id) -> ChangeRequest:
    change = change_request_list(city=city, user=user).filter(pk=change_id).first()
    if change is None:
        raise Http404("变更申请不存在 / no such change request")
    return change
