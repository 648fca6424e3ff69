"""sla's outbox relay: the shared one, looking into the outbox less often.

The shared relay looks for new rows twenty times a second, which suits a
service that publishes with every request. sla publishes only what its breach
timer records every ten seconds, and those twenty queries a second cost it
more CPU than applying the ticket events of a thousand mails a second. Its
relay looks once a second (``SLA_RELAY_IDLE_SECONDS``) while there is
nothing to publish, and goes on without pause while there is.
"""
from __future__ import annotations

import eventlet

from services.shared.config import env
from services.shared.outbox import OutboxRelay

IDLE_SECONDS = 1.0


class PacedOutboxRelay(OutboxRelay):
    """An :class:`OutboxRelay` that waits ``SLA_RELAY_IDLE_SECONDS`` after finding the outbox empty."""

    def setup(self):
        super().setup()
        self.publisher = _Paced(self.publisher, idle_seconds())


def idle_seconds() -> float:
    """``SLA_RELAY_IDLE_SECONDS``; a malformed value is a startup error naming the variable."""
    raw = env("SLA_RELAY_IDLE_SECONDS", str(IDLE_SECONDS))
    try:
        return float(raw)
    except ValueError:
        raise SystemExit(f"SLA_RELAY_IDLE_SECONDS must be a number of seconds, got {raw!r}") from None


class _Paced:
    """Wraps an outbox publisher: a look that finds nothing is followed by a rest."""

    def __init__(self, publisher, idle_seconds: float):
        self._publisher, self._idle_seconds = publisher, idle_seconds

    def publish_pending(self) -> int:
        published = self._publisher.publish_pending()
        if not published:
            eventlet.sleep(self._idle_seconds)
        return published

    def __getattr__(self, name):
        return getattr(self._publisher, name)
