"""Destinations in the database: which have mail due, what waits where, and what owners are shown."""
from __future__ import annotations

from sqlalchemy import ARRAY, Text, bindparam, text
from sqlalchemy.orm import Session

from services.notify.domain.destinations import channel_of
from services.notify.metrics import DESTINATIONS, WAITING
from services.shared.events import utcnow

ENSURE = text("INSERT INTO notify.destinations (key) SELECT unnest(:keys) ON CONFLICT DO NOTHING").bindparams(
    bindparam("keys", type_=ARRAY(Text)))
# One index probe per destination (ix_deliveries_destination_due), however long a failing one's queue is.
DUE = text("""
    SELECT t.key FROM notify.destinations AS t
    WHERE (t.next_attempt_at IS NULL OR t.next_attempt_at <= :now)
      AND EXISTS (SELECT 1 FROM notify.deliveries AS d
                  WHERE d.destination = t.key AND d.status = 'pending' AND d.next_attempt_at <= :now)""")
WAITING_BY_DESTINATION = text("""
    SELECT t.key, t.failures, t.failing_since, t.last_error, t.next_attempt_at, t.last_sent_at,
           coalesce(w.waiting, 0) AS waiting, w.sending, w.oldest_created_at, w.next_due_at
    FROM notify.destinations AS t
    LEFT JOIN (SELECT destination, count(*) AS waiting, count(*) FILTER (WHERE status = 'sending') AS sending,
                      min(created_at) AS oldest_created_at, min(next_attempt_at) AS next_due_at
               FROM notify.deliveries WHERE status IN ('pending', 'sending') GROUP BY destination) AS w
           ON w.destination = t.key
    ORDER BY t.failing_since IS NULL, coalesce(w.waiting, 0) DESC, t.key""")


def ensure_destinations(session: Session, keys: set[str]) -> None:
    """Make sure each destination has its row (the scheduler starts from them)."""
    session.execute(ENSURE, {"keys": sorted(keys)})


def due_destinations(connection) -> list[str]:
    """Destinations out of backoff with at least one delivery due now."""
    return list(connection.execute(DUE, {"now": utcnow()}).scalars())


def list_destinations(session: Session) -> list[dict]:
    """Every destination with its state and queue, failing ones first (owners' view, see the gateway)."""
    items = []
    for row in session.execute(WAITING_BY_DESTINATION):
        next_attempt = row.next_attempt_at if row.failing_since else row.next_due_at
        items.append({
            "destination": row.key, "channel": channel_of(row.key),
            "state": "failing" if row.failing_since else "healthy",
            "failing_since": _iso(row.failing_since), "failures_in_a_row": row.failures,
            "last_error": row.last_error, "deliveries_waiting": row.waiting,
            "deliveries_sending": row.sending or 0, "oldest_waiting_since": _iso(row.oldest_created_at),
            "next_attempt_at": _iso(next_attempt) if row.waiting else None, "last_sent_at": _iso(row.last_sent_at)})
    return items


def refresh_gauges(session: Session) -> list[dict]:
    """Set the waiting-deliveries and destinations gauges from the table; returns the destinations."""
    items = list_destinations(session)
    for state in ("healthy", "failing"):
        mine = [item for item in items if item["state"] == state]
        WAITING.labels(state).set(sum(item["deliveries_waiting"] for item in mine))
        DESTINATIONS.labels(state).set(sum(1 for item in mine if item["deliveries_waiting"]))
    return items


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None
