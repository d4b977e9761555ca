"""The enrolment state machine as data: which role may move an application from where to where.

    draft ──submit──▶ submitted ──district-approve──▶ district_approved ──approve──▶ approved
      ▲                  │   ▲                              │   └──reject──▶ rejected
      └──── returned ◀───┴───┼──────────return──────────────┘
                 └──submit───┘

Pure data and lookups; `services.application_transition` applies it.
"""

from dataclasses import dataclass

from enterprises.models import ApplicationStatus as S
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


def actions_from(status: str, roles) -> list[str]:
    """Actions the given roles may take on an application in `status` (the page's buttons)."""
    return [
        t.action
        for t in TRANSITIONS.values()
        if any(status in t.sources.get(role, ()) for role in roles)
    ]
