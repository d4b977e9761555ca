"""The enrolment state machine as data: which role may move an application from where to where.

    draft ──submit──▶ submitted ──district-approve──▶ district_approved ──approve──▶ approved
      ▲                  │   ▲                              │   └──reject──▶ rejected
      └──── returned ◀───┴───┼──────────return──────────────┘
                 └──submit───┘

Pure data and lookups; `services.application_transition` applies it.
"""

from enterprises.models import ApplicationStatus as S
from enterprises.models import ChangeStatus as C
from pilot_portal.tenancy.models import Role
from pilot_portal.workflow import Transition, actions_from, check_transition  # noqa: F401

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
