"""An assessment's status as data (issue 6):

    draft ─submit─▶ submitted ─lock─▶ locked
      ▲                 │
      └─────return──────┘          draft ─lock─▶ locked (the city may lock a draft directly)

Submit is the assigned assessor's (diagnosis, acceptance) or the enterprise's (its own
self-assessment); return (with a comment) and lock are the city administrator's. Which of a
user's roles reach one assessment (assigned or not, own enterprise or not) and the kind rules
(a self-assessment is never locked) are `services.assessment_transition`'s.
"""

from assessments.models import AssessmentStatus as S
from pilot_portal.tenancy.models import Role
from pilot_portal.workflow import Transition

ASSESSMENT_TRANSITIONS = {
    t.action: t
    for t in [
        Transition(
            "submit",
            S.SUBMITTED,
            {Role.ASSESSOR: frozenset({S.DRAFT}), Role.ENTERPRISE: frozenset({S.DRAFT})},
        ),
        Transition(
            "return", S.DRAFT, {Role.CITY_ADMIN: frozenset({S.SUBMITTED})}, comment_required=True
        ),
        Transition("lock", S.LOCKED, {Role.CITY_ADMIN: frozenset({S.DRAFT, S.SUBMITTED})}),
    ]
}

# Transitions that need every question answered and every scene judged.
NEEDS_COMPLETE = frozenset({"submit", "lock"})
