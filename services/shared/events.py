"""The event envelope. Every event carries ``event_id`` and ``occurred_at``.

The events themselves (names and payloads) are documented in docs/events.md.
Events are facts in the past tense, published on the ``<service>.events``
topic exchange with the event type as routing key (nameko's convention).
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def new_event(event_type: str, payload: dict, *, occurred_at: datetime | None = None) -> dict:
    """Wrap a payload in the envelope every consumer relies on."""
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "occurred_at": (occurred_at or utcnow()).isoformat(),
        **payload,
    }


def event_exchange_name(service_name: str) -> str:
    """The exchange a service publishes its events on."""
    return f"{service_name}.events"
