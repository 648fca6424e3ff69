"""The ticket status state machine and priorities."""
from __future__ import annotations

STATUSES = ("new", "open", "in_progress", "pending", "on_hold", "resolved", "closed")
ACTIVE = ("new", "open", "in_progress", "pending", "on_hold")
PRIORITIES = {1: "urgent", 2: "high", 3: "normal", 4: "low"}


class TransitionRefused(ValueError):
    """A status change the workflow does not allow."""


def allowed_transitions(status: str) -> frozenset[str]:
    """Where a ticket may go from ``status``.

    Active statuses move freely among themselves and to resolved or closed; a
    resolved ticket is reopened or closed; a closed (archived) ticket can only
    be reopened; nothing goes back to ``new``.
    """
    _check_known(status)
    if status == "closed":
        return frozenset({"open"})
    if status == "resolved":
        return frozenset({"open", "closed"})
    return frozenset(s for s in STATUSES if s not in ("new", status))


def check_transition(current: str, target: str) -> None:
    """Refuse a change the workflow does not allow, saying which."""
    _check_known(target)
    if target not in allowed_transitions(current):
        raise TransitionRefused(f"a {current} ticket cannot be set to {target}")


def status_after_agent_reply(current: str) -> str:
    """A public reply to a new ticket opens it; other statuses are the agent's choice."""
    return "open" if current == "new" else current


def status_after_customer_message(current: str) -> str:
    """The customer wrote: a ticket waiting on them or resolved is open again.

    A closed ticket stays closed here; the caller decides whether the message
    reopens it or opens a new linked ticket.
    """
    return "open" if current in ("pending", "resolved") else current


def check_priority(value) -> int:
    """A priority 1 (urgent) to 4 (low), from an int or a digit string."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError("priority must be 1 (urgent), 2 (high), 3 (normal) or 4 (low)") from None
    if number not in PRIORITIES or isinstance(value, bool):
        raise ValueError("priority must be 1 (urgent), 2 (high), 3 (normal) or 4 (low)")
    return number


def _check_known(status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
