"""The enrolment state machine as data: which role may move an application from where to where.

    draft ──submit──▶ submitted ──district-approve──▶ district_approved ──approve──▶ approved
      ▲                  │   ▲                              │   └──reject──▶ rejected
      └──── returned ◀───┴───┼──────────return──────────────┘
                 └──submit───┘

Pure data and lookups; `services.application_transition` applies it.
"""

from dataclasses import dataclass

from enterprises.models import ApplicationStatus as S
from enterprises.models import ChangeStatus as C
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from pilot_portal.tenancy.models import Role


@dataclass(frozen=True)
class Transition:
    action: str
    target: str
    # role -> the statuses that role may move the application from
    sources: dict[str, frozenset[str]]
    comment_required: bool = False


TRANSITIONS = {
    t.action: t
    for t in [
        Transition(
            "submit",
            S.SUBMITTED,
            {
                Role.ENTERPRISE: frozenset({S.DRAFT, S.RETURNED}),
                Role.CITY_ADMIN: frozenset({S.DRAFT, S.RETURNED}),
            },
        ),
        Transition(
            "district-approve",
            S.DISTRICT_APPROVED,
            {Role.DISTRICT_OFFICER: frozenset({S.SUBMITTED})},
        ),
        Transition(
            "return",
            S.RETURNED,
            {
                Role.DISTRICT_OFFICER: frozenset({S.SUBMITTED}),
                Role.CITY_ADMIN: frozenset({S.SUBMITTED, S.DISTRICT_APPROVED}),
            },
            comment_required=True,
        ),
        Transition("approve", S.APPROVED, {Role.CITY_ADMIN: frozenset({S.DISTRICT_APPROVED})}),
        Transition(
            "reject",
            S.REJECTED,
            {Role.CITY_ADMIN: frozenset({S.DISTRICT_APPROVED})},
            comment_required=True,
        ),
    ]
}

# Decisions go to the audit log as well as the application's history.
DECISIONS = frozenset({"district-approve", "return", "approve", "reject"})


def actions_from(status: str, roles, table=None) -> list[str]:
    """Actions the given roles may take on an object in `status` (the page's buttons)."""
    return [
        t.action
        for t in (table or TRANSITIONS).values()
        if any(status in t.sources.get(role, ()) for role in roles)
    ]


# Major changes (DOMAIN.md step 6): the enterprise requests, the district reviews, the city records.
CHANGE_TRANSITIONS = {
    t.action: t
    for t in [
        Transition("resubmit", C.REQUESTED, {Role.ENTERPRISE: frozenset({C.RETURNED})}),
        Transition(
            "district-approve",
            C.DISTRICT_APPROVED,
            {Role.DISTRICT_OFFICER: frozenset({C.REQUESTED})},
        ),
        Transition("record", C.RECORDED, {Role.CITY_ADMIN: frozenset({C.DISTRICT_APPROVED})}),
        Transition(
            "return",
            C.RETURNED,
            {
                Role.DISTRICT_OFFICER: frozenset({C.REQUESTED}),
                Role.CITY_ADMIN: frozenset({C.REQUESTED, C.DISTRICT_APPROVED}),
            },
            comment_required=True,
        ),
    ]
}


def check_transition(table: dict, action: str, status: str, roles, comment: str) -> tuple:
    """The transition and the acting role, or the refusal: 400 unknown action or missing
    comment, 403 wrong role, 409 wrong state (naming the current one)."""
    transition = table.get(action)
    if transition is None:
        raise InvalidInput(f"未知操作：{action} / unknown action: {action}", field="action")
    roles = set(roles) & set(transition.sources)
    if not roles:
        raise NotAllowed("您的角色不能执行此操作 / your role may not take this action")
    if not any(status in transition.sources[role] for role in roles):
        raise Conflict(
            f"当前状态不能执行此操作 / not allowed while the status is {status}", status=status
        )
    if transition.comment_required and not comment.strip():
        raise InvalidInput("请填写理由 / a comment is required", field="comment")
    acting = next(r for r in sorted(roles) if status in transition.sources[r])
    return transition, acting
