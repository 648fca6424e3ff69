"""The ticket status state machine and priorities.

The workflow follows what agents know from Zendesk and Zammad: the active
statuses (``new`` to ``on_hold``) are working states an agent moves between
freely; ``resolved`` means "we think we are done" and a customer's answer
reopens it; ``closed`` is the archive, left only by an explicit reopen.
"""
from __future__ import annotations

from services.shared.contracts.tickets import STATUSES, WAITING_ON_CUSTOMER
from services.shared.errors import Conflict, InvalidInput

PRIORITIES = {1: "urgent", 2: "high", 3: "normal", 4: "low"}

_PRIORITY_HINT = "priority must be 1 (urgent), 2 (high), 3 (normal) or 4 (low)"


def check_status(status: str) -> str:
    """``status`` itself if it is a known status; else InvalidInput naming the value."""
    if status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}, not {str(status)[:50]!r}", "status")
    return status


def allowed_transitions(status: str) -> frozenset[str]:
    """Where a ticket may go from ``status``.

    Active statuses move freely among themselves and to resolved or closed; a
    resolved ticket is reopened or closed; a closed (archived) ticket can only
    be reopened. Nothing goes back to ``new``: it means "nobody has looked yet",
    which stops being true once anybody has.
    """
    check_status(status)
    if status == "closed":
        return frozenset({"open"})
    if status == "resolved":
        return frozenset({"open", "closed"})
    return frozenset(s for s in STATUSES if s not in ("new", status))


def check_transition(current: str, target: str) -> None:
    """Refuse a change the workflow does not allow (Conflict), saying from what to what.

    Setting the status a ticket already has is not a change and passes, so
    that a repeated request (a double click, a retried call) is harmless.
    """
    check_status(target)
    if target != check_status(current) and target not in allowed_transitions(current):
        raise Conflict(f"{_article(current)} {current} ticket cannot be set to {target}", "status")


def status_after_agent_reply(current: str) -> str:
    """A public reply to a new ticket opens it; every other status is left to the agent.

    Zendesk-style "a reply makes it pending" is deliberately not done: agents
    often reply "we are looking into it", and a pending ticket pauses the SLA
    clock. A reply to a resolved or closed ticket (a courtesy follow-up) does
    not reopen it either.
    """
    check_status(current)
    return "open" if current == "new" else current


def status_after_customer_message(current: str) -> str:
    """The customer wrote: a ticket waiting on them, or resolved, is open again.

    ``new``, ``open``, ``in_progress`` and ``on_hold`` (waiting on a third
    party) keep their status. A closed ticket stays closed here; the caller
    decides whether the message reopens it or opens a new linked ticket
    (see ``thread_matching.decide_thread``).
    """
    check_status(current)
    return "open" if current in (WAITING_ON_CUSTOMER, "resolved") else current


def check_priority(value) -> int:
    """A priority 1 (urgent) to 4 (low), from an int or a digit string; else InvalidInput naming it."""
    # bool is an int and 2.7 would truncate to 2: both are caller mistakes, not priorities.
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidInput(_PRIORITY_HINT, "priority")
    if isinstance(value, str) and not value.strip().isdecimal():
        raise InvalidInput(_PRIORITY_HINT, "priority")
    number = int(value)
    if number not in PRIORITIES:
        raise InvalidInput(_PRIORITY_HINT, "priority")
    return number


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
