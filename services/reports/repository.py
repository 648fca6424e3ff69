"""Set-based statements on the ticket facts, for batches of events.

Rows travel as one JSON document unpacked by PostgreSQL (``jsonb_to_recordset``):
the statement text is the same whatever the batch size, so it is compiled and
planned once, and a batch is one round trip instead of one per event.
"""
from __future__ import annotations

import json

from sqlalchemy import Text, bindparam, text
from sqlalchemy.orm import Session

from services.reports.models import TicketFact, deleted_tickets, processed_events
from services.shared.consumers import claim_then_insert

ticket_facts = TicketFact.__table__

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
    claim_then_insert(session, processed_events, handler, ticket_facts, rows, unless_in=deleted_tickets)


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
