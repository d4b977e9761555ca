"""A subsidy claim's status as data (issue 7):

    computed ─approve─▶ approved ─disburse─▶ partially_paid ─disburse─▶ paid
       │                   │                      │                      │
       └───────────────────┴──────── void ────────┴──────────────────────┘─▶ void

Approve and void are the city administrator's (void needs a reason; voiding a paid claim claws
the money back), disburse is the finance officer's. A disbursement lands in partially_paid or
paid depending on what is left, which `services.claim_disburse` decides.
"""

from pilot_portal.tenancy.models import Role
from pilot_portal.workflow import Transition
from subsidies.models import ClaimStatus as S

PAYABLE = frozenset({S.APPROVED, S.PARTIALLY_PAID})

CLAIM_TRANSITIONS = {
    t.action: t
    for t in [
        Transition("recompute", S.COMPUTED, {Role.CITY_ADMIN: frozenset({S.COMPUTED})}),
        Transition("approve", S.APPROVED, {Role.CITY_ADMIN: frozenset({S.COMPUTED})}),
        Transition("disburse", S.PARTIALLY_PAID, {Role.FINANCE_OFFICER: PAYABLE}),
        Transition(
            "void",
            S.VOID,
            {Role.CITY_ADMIN: frozenset({S.COMPUTED, S.APPROVED, S.PARTIALLY_PAID, S.PAID})},
            comment_required=True,
        ),
    ]
}
