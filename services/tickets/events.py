"""The events tickets publishes, recorded in its outbox in the caller's transaction.

Feature code builds each event as its contract dataclass
(``services/shared/contracts/events.py``); this is the one place they become
the envelope the outbox stores, so no event leaves tickets as a hand-made dict.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from services.shared.contracts.events import TicketsEvent
from services.shared.outbox import record_events as record_envelopes
from services.tickets.models import outbox


def record_events(session: Session, events: Iterable[TicketsEvent]) -> None:
    """Add the events to the outbox, each with its own ``event_id`` and ``occurred_at``."""
    record_envelopes(session, outbox, [(event.event_type, event.to_wire()) for event in events])
