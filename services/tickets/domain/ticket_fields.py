"""Rules for a ticket's own fields: who it is assigned to, where it came from, its status dates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.shared.errors import InvalidInput

CHANNELS = ("email", "whatsapp", "chat", "web_form", "phone", "manual")
MAX_SUBJECT = 500
MAX_DESCRIPTION = 100_000
MAX_AI_AGENT = 100


@dataclass(frozen=True)
class Assignee:
    """A ticket's assignee: a user, an AI agent, or nobody — never both."""
    user_id: int | None = None
    ai_agent: str | None = None

    def __post_init__(self):
        if self.user_id is not None and self.ai_agent is not None:
            raise InvalidInput("assign a ticket to a user or to an AI agent, not both", "assignee_ai_agent")


def assignee_after(current: Assignee, changes: dict) -> Assignee:
    """The assignee once ``changes`` (``assignee_id`` and/or ``assignee_ai_agent``) apply."""
    # Naming one kind replaces the other ({"assignee_id": 5} takes a ticket from its AI agent);
    # naming both, non-null, is refused by Assignee itself.
    user_id, ai_agent = current.user_id, current.ai_agent
    if "assignee_id" in changes:
        user_id = changes["assignee_id"]
        if user_id is not None and "assignee_ai_agent" not in changes:
            ai_agent = None
    if "assignee_ai_agent" in changes:
        ai_agent = changes["assignee_ai_agent"]
        if ai_agent is not None and "assignee_id" not in changes:
            user_id = None
    return Assignee(user_id=user_id, ai_agent=ai_agent)


@dataclass(frozen=True)
class StatusDates:
    resolved_at: datetime | None
    closed_at: datetime | None


def dates_after_status_change(new_status: str, dates: StatusDates, now: datetime) -> StatusDates:
    """Resolving stamps the resolution time, closing the archive time; reopening clears both."""
    if new_status == "resolved":
        return StatusDates(resolved_at=now, closed_at=None)
    if new_status == "closed":
        return StatusDates(resolved_at=dates.resolved_at or now, closed_at=now)
    return StatusDates(resolved_at=None, closed_at=None)
