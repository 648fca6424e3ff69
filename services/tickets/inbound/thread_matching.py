"""Deciding which ticket an incoming message belongs to."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.tickets.domain.identity import turkish_safe_lower

APPEND, NEW_TICKET, NEW_LINKED_TICKET = "append", "new_ticket", "new_linked_ticket"
BY_HEADERS, BY_TRACKING_NUMBER = "headers", "tracking_number"


@dataclass(frozen=True)
class ThreadCandidate:
    """A ticket an incoming message may belong to, with what the decision needs to know of it."""
    ticket_number: str
    status: str
    closed_at: datetime | None
    customer_emails: frozenset[str]


@dataclass(frozen=True)
class ThreadDecision:
    """Where the message goes: appended to ``ticket_number``, or a new ticket (linked to ``linked_to``)."""
    action: str  # append | new_ticket | new_linked_ticket
    ticket_number: str | None = None
    linked_to: str | None = None
    reopen: bool = False
    new_participant: bool = False
    matched_by: str | None = None  # headers | tracking_number


def decide_thread(*, by_headers: ThreadCandidate | None, by_tracking: ThreadCandidate | None,
                  sender_email: str, now: datetime, reopen_window_days: int = 14) -> ThreadDecision:
    """Headers first, then the tracking number in the subject, else a new ticket.

    Headers win because a client writes them itself, while a tracking number
    may be quoted from another ticket. A ticket closed longer ago than the
    reopen window (or at an unknown time) is archived: the message opens a new
    ticket linked to it. A resolved ticket, or one closed within the window,
    is reopened. A sender who is not among the ticket's customers (a colleague
    in CC, a forward) still joins the ticket, flagged as a new participant.
    """
    candidate, matched_by = (by_headers, BY_HEADERS) if by_headers else (by_tracking, BY_TRACKING_NUMBER)
    if candidate is None:
        return ThreadDecision(action=NEW_TICKET)
    if _archived(candidate, now, timedelta(days=reopen_window_days)):
        return ThreadDecision(action=NEW_LINKED_TICKET, linked_to=candidate.ticket_number,
                              matched_by=matched_by)
    return ThreadDecision(
        action=APPEND, ticket_number=candidate.ticket_number, matched_by=matched_by,
        reopen=candidate.status in ("resolved", "closed"),
        new_participant=_is_new_participant(sender_email, candidate.customer_emails))


def _archived(candidate: ThreadCandidate, now: datetime, window: timedelta) -> bool:
    if candidate.status != "closed":
        return False
    # Without a closing time nobody can say the ticket is recent, and reopening archived work
    # is the worse mistake of the two.
    return candidate.closed_at is None or now - candidate.closed_at > window


def _is_new_participant(sender_email: str, customer_emails: frozenset[str]) -> bool:
    sender = turkish_safe_lower((sender_email or "").strip())
    return bool(sender) and sender not in {turkish_safe_lower(email) for email in customer_emails}
