"""A project's status as data (API.md):

    planned ─start─▶ in_progress ─complete─▶ completed ─accept─▶ accepted
    in_progress, completed ─fail─▶ failed

Acceptance is the city's record of the acceptance assessment's outcome (the assessments
issue ties it to a locked assessment). `services.project_transition` applies this table.
"""

from enterprises.projects.models import ProjectStatus as S
from pilot_portal.tenancy.models import Role
from pilot_portal.workflow import Transition

PARTIES = (Role.ENTERPRISE, Role.PROVIDER, Role.CITY_ADMIN)

PROJECT_TRANSITIONS = {
    t.action: t
    for t in [
        Transition("start", S.IN_PROGRESS, {role: frozenset({S.PLANNED}) for role in PARTIES}),
        Transition(
            "complete",
            S.COMPLETED,
            {
                Role.ENTERPRISE: frozenset({S.IN_PROGRESS}),
                Role.CITY_ADMIN: frozenset({S.IN_PROGRESS}),
            },
        ),
        Transition("accept", S.ACCEPTED, {Role.CITY_ADMIN: frozenset({S.COMPLETED})}),
        Transition(
            "fail",
            S.FAILED,
            {Role.CITY_ADMIN: frozenset({S.IN_PROGRESS, S.COMPLETED})},
            comment_required=True,
        ),
    ]
}
