"""Set-based statements on the clocks, for batches of events.

Rows travel as one JSON document unpacked by PostgreSQL (``jsonb_to_recordset``):
the statement text is the same whatever the batch size, so it is compiled and
planned once, and a batch is one round trip instead of one per event.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, bindparam, text
from sqlalchemy.orm import Session

from services.shared.events import utcnow


@dataclass(slots=True)
class ClockState:
    """What the event handlers change of a clock, without an ORM object per clock."""
    id: int
    ticket_number: str
    kind: str
    calendar: str
    due_at: datetime
    paused_since: datetime | None
    stopped_at: datetime | None


# Claims the events (idempotency) and starts the clocks of the ones claimed now, in one statement.
_START_CLOCKS = text(
    "WITH r AS (SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(event_id uuid, ticket_number text, "
    "  priority smallint, started_at timestamptz, first_response_seconds integer, first_response_due timestamptz, "
    "  resolution_seconds integer, resolution_due timestamptz)), "
    "claimed AS (INSERT INTO sla.processed_events (event_id, handler, processed_at) "
    "  SELECT event_id, :handler, :now FROM r ON CONFLICT DO NOTHING RETURNING event_id) "
    "INSERT INTO sla.clocks (ticket_number, kind, priority, calendar, target_seconds, started_at, due_at) "
    "SELECT r.ticket_number, k.kind, r.priority, :calendar, k.target_seconds, r.started_at, k.due_at "
    "FROM r JOIN claimed USING (event_id) CROSS JOIN LATERAL (VALUES "
    "  ('first_response', r.first_response_seconds, r.first_response_due), "
    "  ('resolution', r.resolution_seconds, r.resolution_due)) AS k(kind, target_seconds, due_at) "
    "WHERE NOT EXISTS (SELECT FROM sla.deleted_tickets d WHERE d.ticket_number = r.ticket_number) "
    "ORDER BY r.ticket_number, k.kind "
    "ON CONFLICT DO NOTHING").bindparams(bindparam("rows", type_=Text))

_LOCK_CLOCKS = text(
    "SELECT id, ticket_number, kind, calendar, due_at, paused_since, stopped_at FROM sla.clocks "
    "WHERE ticket_number IN (SELECT jsonb_array_elements_text(CAST(:numbers AS jsonb))) "
    "ORDER BY id FOR UPDATE").bindparams(bindparam("numbers", type_=Text))

_UPDATE_CLOCKS = text(
    "UPDATE sla.clocks AS c SET due_at = r.due_at, paused_since = r.paused_since, stopped_at = r.stopped_at "
    "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(id bigint, due_at timestamptz, "
    "paused_since timestamptz, stopped_at timestamptz) WHERE c.id = r.id").bindparams(bindparam("rows", type_=Text))


def start_clocks(session: Session, rows: list[dict], *, calendar: str, handler: str) -> None:
    """Claim each new ticket's ``event_id`` for ``handler`` and start its two clocks, unless claimed before.

    ``rows``: ``ticket_number``, ``priority``, ISO ``started_at``, and per clock kind the target
    (``first_response_seconds``) and ISO deadline (``first_response_due``); a clock the ticket
    already has is left as it is, and a ticket already deleted gets none.
    """
    if rows:
        session.execute(_START_CLOCKS, {"rows": json.dumps(rows), "calendar": calendar, "handler": handler,
                                        "now": utcnow()})


def lock_clocks(session: Session, ticket_numbers: set[str]) -> dict[str, list[ClockState]]:
    """The clocks of these tickets, locked for this transaction, per ticket in the order they were made."""
    clocks: dict[str, list[ClockState]] = {}
    if ticket_numbers:
        # fetched all at once: a row at a time through the result costs more than the query
        for row in session.execute(_LOCK_CLOCKS, {"numbers": json.dumps(sorted(ticket_numbers))}).all():
            clocks.setdefault(row.ticket_number, []).append(ClockState(*row))
    return clocks


def save_clocks(session: Session, clocks: list[ClockState]) -> None:
    """Write back the deadline, pause and stop of each clock."""
    if clocks:
        session.execute(_UPDATE_CLOCKS, {"rows": json.dumps([
            {"id": c.id, "due_at": c.due_at.isoformat(), "paused_since": _iso(c.paused_since),
             "stopped_at": _iso(c.stopped_at)} for c in clocks])})


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
