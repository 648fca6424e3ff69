"""Deciding which ticket an incoming message belongs to."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThreadCandidate:
    ticket_number: str
    status: str
    closed_at: datetime | None
    customer_emails: frozenset[str]


@dataclass(frozen=True)
class ThreadDecision:
    action: str  # append | new_ticket | new_linked_ticket
    ticket_number: str | None = None
    linked_to: str | None = None
    reopen: bool = False
    new_participant: bool = False
    matched_by: str | None = None  # headers | tracking_number


def decide_thread(*, by_headers: ThreadCandidate | None, by_tracking: ThreadCandidate | None,
                  sender_email: str, now: datetime, reopen_window_days: int = 14) -> ThreadDecision:
    """Headers first, then the tracking number in the subject, else a new ticket.

    A ticket closed longer ago than the reopen window is not reopened: the
    message opens a new ticket linked to it. A resolved ticket, or one closed
    within the window, is reopened.
    """
    candidate, matched_by = (by_headers, "headers") if by_headers else (by_tracking, "tracking_number")
    if candidate is None:
        return ThreadDecision(action="new_ticket")
    if candidate.status == "closed" and candidate.closed_at is not None \
            and now - candidate.closed_at > timedelta(days=reopen_window_days):
        return ThreadDecision(action="new_linked_ticket", linked_to=candidate.ticket_number,
                              matched_by=matched_by)
    return ThreadDecision(
        action="append", ticket_number=candidate.ticket_number, matched_by=matched_by,
        reopen=candidate.status in ("resolved", "closed"),
        new_participant=bool(sender_email) and sender_email not in candidate.customer_emails)
