"""A provider's standing in a city as data (API.md, DOMAIN.md step 3):

    applied ─start-review─▶ under_review ─publicise─▶ publicised ─select─▶ selected
    applied, under_review, publicised ─reject─▶ rejected
    selected ─suspend─▶ suspended ─reinstate─▶ selected
    selected, suspended ─remove─▶ removed

Experts' scores (`review`) are not steps: they are recorded while the application is under
review. `services.selection_transition` applies this table and its preconditions (a score
before publicity, the publicity period over before selection).
"""

from pilot_portal.tenancy.models import Role
from pilot_portal.workflow import Transition
from providers.models import SelectionStatus as S

ADMIN = Role.CITY_ADMIN

SELECTION_TRANSITIONS = {
    t.action: t
    for t in [
        Transition("start-review", S.UNDER_REVIEW, {ADMIN: frozenset({S.APPLIED})}),
        Transition("publicise", S.PUBLICISED, {ADMIN: frozenset({S.UNDER_REVIEW})}),
        Transition("select", S.SELECTED, {ADMIN: frozenset({S.PUBLICISED})}),
        Transition(
            "reject",
            S.REJECTED,
            {ADMIN: frozenset({S.APPLIED, S.UNDER_REVIEW, S.PUBLICISED})},
            comment_required=True,
        ),
        Transition("suspend", S.SUSPENDED, {ADMIN: frozenset({S.SELECTED})}, comment_required=True),
        Transition(
            "reinstate", S.SELECTED, {ADMIN: frozenset({S.SUSPENDED})}, comment_required=True
        ),
        Transition(
            "remove",
            S.REMOVED,
            {ADMIN: frozenset({S.SELECTED, S.SUSPENDED})},
            comment_required=True,
        ),
    ]
}
