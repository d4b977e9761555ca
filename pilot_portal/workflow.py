"""Workflows as data: a transition table (action -> target, and the statuses each role may move
from), one checker that answers 400 / 403 / 409, and the abstract history step.

Each app declares its table (enterprises.workflow, providers.workflow) and applies it in one
service function that locks the row, writes the new status and a step.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pilot_portal.errors import Conflict, InvalidInput, NotAllowed


@dataclass(frozen=True)
class Transition:
    action: str
    target: str
    # role -> the statuses that role may move the object from
    sources: dict[str, frozenset[str]]
    comment_required: bool = False


def actions_from(status: str, roles, table) -> list[str]:
    """Actions the given roles may take on an object in `status` (the page's buttons)."""
    return [
        t.action for t in table.values() if any(status in t.sources.get(role, ()) for role in roles)
    ]


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


class WorkflowStep(models.Model):
    """One step of a workflow's history: who moved it, when, from where to where, why.

    Concrete steps add the object they belong to and the statuses' choices.
    """

    action = models.CharField(_("action"), max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(_("role"), max_length=24)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.action}: {self.from_status} → {self.to_status}"
