"""Calls' rules: what a call record holds, and the figures a Kanban card shows from them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

OUTCOMES = ("success", "failed", "no_answer")
DIRECTIONS = ("inbound", "outbound")
MAX_DURATION_SECONDS = 24 * 3600


@dataclass(frozen=True)
class CardFigures:
    """What a ticket's card shows about its calls."""
    call_count: int
    last_call_at: datetime | None


def card_figures(call_times: list[datetime]) -> CardFigures:
    """Every linked call counts, answered or not; the last one is the latest start time."""
    return CardFigures(call_count=len(call_times), last_call_at=max(call_times, default=None))


def days_since_last_call(last_call_at: datetime | None, now: datetime) -> int | None:
    """Whole days since the last call, for the card; None when there has been no call."""
    if last_call_at is None:
        return None
    return max(0, (now - last_call_at).days)


def counts_as_contact(outcome: str) -> bool:
    """Only an answered call moves the customer's last contact time; a missed one is not a contact."""
    return outcome == "success"
