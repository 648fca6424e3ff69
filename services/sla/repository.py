"""The clocks in the database, read and written as :class:`~services.sla.domain.clocks.Clock` values.

Batches of events are read and written in set-based statements: rows travel as
one JSON document unpacked by PostgreSQL (``jsonb_to_recordset``), so the
statement text is the same whatever the batch size, compiled and planned once,
and a batch is one round trip instead of one per event.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Callable, Iterable

from sqlalchemy import Text, bindparam, delete, text
from sqlalchemy.orm import Session

from services.shared.consumers import claim_then_insert
from services.sla.domain.calendars import BusinessCalendar
from services.sla.domain.clocks import Clock
from services.sla.models import SlaClock, deleted_tickets, processed_events

_COLUMNS = ("ticket_number, kind, priority, calendar, target_seconds, started_at, due_at, paused_since, stopped_at, "
            "breached_at, warn_at, warned_at, pauses_on_hold, warn_share")

_ADD_CLOCK = text(
    "INSERT INTO sla.clocks (ticket_number, kind, priority, calendar, target_seconds, started_at, due_at, "
    "  paused_since, warn_at, pauses_on_hold, warn_share, next_due_at) "
    "VALUES (:ticket_number, :kind, :priority, :calendar, :target_seconds, :started_at, :due_at, :paused_since, "
    "  :warn_at, :pauses_on_hold, :warn_share, :next_due_at) ON CONFLICT DO NOTHING")

_LOCK_CLOCKS = text(
    f"SELECT {_COLUMNS} FROM sla.clocks "
    "WHERE ticket_number IN (SELECT jsonb_array_elements_text(CAST(:numbers AS jsonb))) "
    "ORDER BY id FOR UPDATE").bindparams(bindparam("numbers", type_=Text))

_CLOCKS_OF = text(f"SELECT {_COLUMNS} FROM sla.clocks WHERE ticket_number = :number ORDER BY id")

# The clocks whose next instant (Clock.next_due()) has come, earliest first, found through their partial
# index: the statement reads the due clocks and no others, however many run.
_LOCK_DUE = text(
    f"SELECT {_COLUMNS} FROM sla.clocks WHERE next_due_at <= :now "
    "ORDER BY next_due_at LIMIT :limit FOR UPDATE SKIP LOCKED")

_UPDATE_CLOCKS = text(
    "UPDATE sla.clocks AS c SET priority = r.priority, target_seconds = r.target_seconds, "
    "started_at = r.started_at, due_at = r.due_at, paused_since = r.paused_since, stopped_at = r.stopped_at, "
    "breached_at = r.breached_at, warn_at = r.warn_at, warned_at = r.warned_at, next_due_at = r.next_due_at "
    "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(ticket_number text, kind text, priority smallint, "
    "target_seconds integer, started_at timestamptz, due_at timestamptz, paused_since timestamptz, "
    "stopped_at timestamptz, breached_at timestamptz, warn_at timestamptz, warned_at timestamptz, "
    "next_due_at timestamptz) "
    "WHERE c.ticket_number = r.ticket_number AND c.kind = r.kind").bindparams(bindparam("rows", type_=Text))


def start_clocks(session: Session, clocks: Iterable[tuple[str, Clock]], *, handler: str) -> None:
    """Claim each ``(event_id, clock)``'s event for ``handler`` and start its clocks, unless claimed before.

    A clock the ticket already has is left as it is, and a ticket already deleted gets none.
    """
    rows = [{"event_id": event_id, "ticket_number": clock.ticket_number, "kind": clock.kind,
             "priority": clock.priority, "calendar": clock.calendar.name, "target_seconds": _seconds(clock.target),
             "started_at": clock.started_at.isoformat(), "due_at": clock.due_at.isoformat(),
             "warn_at": _iso(clock.warn_at), "pauses_on_hold": clock.pauses_on_hold, "warn_share": clock.warn_share,
             "next_due_at": _iso(clock.next_due())}
            for event_id, clock in clocks]
    claim_then_insert(session, processed_events, handler, SlaClock.__table__, rows, unless_in=deleted_tickets,
                      order_by=("ticket_number", "kind"))


Calendars = Callable[[str], BusinessCalendar]  # a clock's calendar by the name it stores (Rulebook.calendar_named)


def add_clocks(session: Session, clocks: Iterable[Clock]) -> None:
    """Clocks a running ticket gains (a clock of a kind it has already is left as it is)."""
    for clock in clocks:
        session.execute(_ADD_CLOCK, {
            "ticket_number": clock.ticket_number, "kind": clock.kind, "priority": clock.priority,
            "calendar": clock.calendar.name, "target_seconds": _seconds(clock.target), "started_at": clock.started_at,
            "due_at": clock.due_at, "paused_since": clock.paused_since, "warn_at": clock.warn_at,
            "pauses_on_hold": clock.pauses_on_hold, "warn_share": clock.warn_share, "next_due_at": clock.next_due()})


def lock_clocks(session: Session, ticket_numbers: set[str], calendars: Calendars) -> dict[str, tuple[Clock, ...]]:
    """The clocks of these tickets, locked for this transaction, per ticket in the order they were made."""
    clocks: dict[str, list[Clock]] = {}
    if ticket_numbers:
        # fetched all at once: a row at a time through the result costs more than the query
        for row in session.execute(_LOCK_CLOCKS, {"numbers": json.dumps(sorted(ticket_numbers))}).all():
            clocks.setdefault(row.ticket_number, []).append(_clock(row, calendars))
    return {number: tuple(found) for number, found in clocks.items()}


def clocks_of(session: Session, ticket_number: str, calendars: Calendars) -> tuple[Clock, ...]:
    """A ticket's clocks, in the order they were made."""
    return tuple(_clock(row, calendars) for row in session.execute(_CLOCKS_OF, {"number": ticket_number}))


def lock_due(session: Session, now: datetime, limit: int, calendars: Calendars) -> list[Clock]:
    """Clocks with a warning or a breach to publish by ``now``, earliest first, that no one else is handling."""
    return [_clock(row, calendars) for row in session.execute(_LOCK_DUE, {"now": now, "limit": limit})]


def save_clocks(session: Session, clocks: Iterable[Clock]) -> None:
    """Write back what can change of each clock: priority, target, episode, deadline, pause, stop, alerts."""
    rows = [{"ticket_number": c.ticket_number, "kind": c.kind, "priority": c.priority,
             "target_seconds": _seconds(c.target), "started_at": c.started_at.isoformat(),
             "due_at": c.due_at.isoformat(), "paused_since": _iso(c.paused_since), "stopped_at": _iso(c.stopped_at),
             "breached_at": _iso(c.breached_at), "warn_at": _iso(c.warn_at), "warned_at": _iso(c.warned_at),
             "next_due_at": _iso(c.next_due())} for c in clocks]
    if rows:
        session.execute(_UPDATE_CLOCKS, {"rows": json.dumps(rows)})


def delete_clocks(session: Session, ticket_number: str) -> None:
    """Every clock of the ticket goes."""
    session.execute(delete(SlaClock).where(SlaClock.ticket_number == ticket_number))


def _clock(row, calendars: Calendars) -> Clock:
    return Clock(ticket_number=row.ticket_number, kind=row.kind, priority=row.priority,
                 calendar=calendars(row.calendar), target=timedelta(seconds=row.target_seconds),
                 started_at=row.started_at, due_at=row.due_at, paused_since=row.paused_since,
                 stopped_at=row.stopped_at, breached_at=row.breached_at, warn_at=row.warn_at,
                 warned_at=row.warned_at, pauses_on_hold=row.pauses_on_hold, warn_share=row.warn_share)


def _seconds(duration: timedelta) -> int:
    return int(duration.total_seconds())


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
