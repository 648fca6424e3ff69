"""Set-based statements on the ticket facts, for batches of events.

Rows travel as one JSON document unpacked by PostgreSQL (``jsonb_to_recordset``):
the statement text is the same whatever the batch size, so it is compiled and
planned once, and a batch is one round trip instead of one per event.
"""
from __future__ import annotations

import json

from sqlalchemy import Text, bindparam, text
from sqlalchemy.orm import Session

from services.shared.events import utcnow

# Claims the events (idempotency) and adds the facts of the ones claimed now, in one statement.
_ADD_FACTS = text(
    "WITH r AS (SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(event_id uuid, ticket_number text, "
    "  department_id integer, priority smallint, channel text, status text, created_at timestamptz)), "
    "claimed AS (INSERT INTO reports.processed_events (event_id, handler, processed_at) "
    "  SELECT event_id, :handler, :now FROM r ON CONFLICT DO NOTHING RETURNING event_id) "
    "INSERT INTO reports.ticket_facts (ticket_number, department_id, priority, channel, status, created_at) "
    "SELECT ticket_number, department_id, priority, channel, status, created_at FROM r JOIN claimed USING (event_id) "
    "WHERE NOT EXISTS (SELECT FROM reports.deleted_tickets d WHERE d.ticket_number = r.ticket_number) "
    "ON CONFLICT DO NOTHING").bindparams(bindparam("rows", type_=Text))

_SET_FIRST_RESPONSES = text(
    "UPDATE reports.ticket_facts AS f SET first_response_at = r.at, "
    "first_response_seconds = CAST(trunc(extract(epoch FROM r.at - f.created_at)) AS integer) "
    "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(ticket_number text, at timestamptz) "
    "WHERE f.ticket_number = r.ticket_number RETURNING f.ticket_number").bindparams(bindparam("rows", type_=Text))

_SET_STATUSES = text(
    "UPDATE reports.ticket_facts AS f SET status = r.status, "
    "resolved_at = CASE WHEN r.resolved THEN r.resolved_at ELSE f.resolved_at END "
    "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(ticket_number text, status text, resolved boolean, "
    "resolved_at timestamptz) "
    "WHERE f.ticket_number = r.ticket_number RETURNING f.ticket_number").bindparams(bindparam("rows", type_=Text))


def add_facts(session: Session, rows: list[dict], *, handler: str) -> None:
    """Claim each new ticket's ``event_id`` for ``handler`` and add its fact, unless claimed before.

    A ticket already known is left as it is; one already deleted is not added.
    """
    if rows:
        session.execute(_ADD_FACTS, {"rows": json.dumps(rows), "handler": handler, "now": utcnow()})


def set_first_responses(session: Session, rows: list[dict]) -> set[str]:
    """Set ``at`` as the first response of each ``ticket_number``; returns the tickets that have a fact."""
    return _update(session, _SET_FIRST_RESPONSES, rows)


def set_statuses(session: Session, rows: list[dict]) -> set[str]:
    """Set each ticket's ``status`` (and ``resolved_at`` where ``resolved``); returns the tickets that have a fact."""
    return _update(session, _SET_STATUSES, rows)


def _update(session: Session, statement, rows: list[dict]) -> set[str]:
    if not rows:
        return set()
    return set(session.execute(statement, {"rows": json.dumps(rows)}).scalars().all())
