"""Applying ticket events to the read model, and the summary figures read from it."""
from __future__ import annotations

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from services.reports import repository
from services.reports.models import TicketFact, deleted_tickets
from services.shared.contracts.events import (Event, ReplyPosted, TicketCreated, TicketDeleted, TicketStatusChanged,
                                              TicketUpdated)
from services.shared.contracts.tickets import OPEN_STATUSES, RESOLVED
from services.shared.deleted_tickets import deleted_among, remember_deleted


Refused = list[tuple[Event, Exception]]


def tickets_created(session: Session, events: list[TicketCreated], handler: str) -> None:
    """Each new ticket gets its fact, once per event for ``handler``, in one statement."""
    rows = {event.event_id: {
        "event_id": event.event_id, "ticket_number": event.ticket_number, "department_id": event.department_id,
        "priority": event.priority, "channel": event.channel, "status": event.status,
        "created_at": event.created_at.isoformat(),
    } for event in events}  # the same event twice in a batch is claimed once
    repository.add_facts(session, list(rows.values()), handler=handler)


def replies_posted(session: Session, events: list[ReplyPosted]) -> Refused:
    """The first reply of a ticket (as tickets decided it) fixes its first-response time.

    Events are handled concurrently, so a later reply may be seen first: trust the
    event's ``first_response`` flag, not arrival order. Returns the events whose
    ticket is not known yet.
    """
    firsts = [event for event in events if event.first_response]
    known = repository.set_first_responses(session, list({
        event.ticket_number: {"ticket_number": event.ticket_number, "at": event.created_at.isoformat()}
        for event in firsts}.values()))
    return _unknown(session, firsts, known)


def statuses_changed(session: Session, events: list[TicketStatusChanged]) -> Refused:
    """Each ticket takes its last status of the batch, and the time it was last resolved."""
    rows: dict[str, dict] = {}
    for event in events:
        row = rows.setdefault(event.ticket_number, {"ticket_number": event.ticket_number, "resolved": False,
                                                    "resolved_at": None})
        row["status"] = event.new_status
        if row["status"] == RESOLVED:
            row["resolved"], row["resolved_at"] = True, event.changed_at.isoformat()
    return _unknown(session, events, repository.set_statuses(session, list(rows.values())))


def _unknown(session: Session, events: list[Event], known: set[str]) -> Refused:
    # Handled before its ticket_created (events run concurrently): refused, so that the
    # event is retried once the ticket is known; about a ticket deleted since, settled.
    missing = [event for event in events if event.ticket_number not in known]
    gone = deleted_among(session, deleted_tickets, (event.ticket_number for event in missing))
    return [(event, _not_known_yet(event)) for event in missing if event.ticket_number not in gone]


def ticket_updated(session: Session, event: TicketUpdated) -> None:
    """A transfer or a new priority: the ticket counts under its new department and priority."""
    fact = session.get(TicketFact, event.ticket_number)
    if fact is None:
        if deleted_among(session, deleted_tickets, [event.ticket_number]):
            return  # a change that lost the race with the ticket's deletion
        raise _not_known_yet(event)
    fact.department_id, fact.priority = event.department_id, event.priority


def ticket_deleted(session: Session, event: TicketDeleted) -> None:
    """A deleted ticket leaves the figures, and is remembered so that late events about it change nothing."""
    session.execute(delete(TicketFact).where(TicketFact.ticket_number == event.ticket_number))
    remember_deleted(session, deleted_tickets, event.ticket_number, event.deleted_at)


def _not_known_yet(event: Event) -> LookupError:
    return LookupError(f"ticket {event.ticket_number} is not known to reports yet")


def summary(session: Session, department_ids: tuple[int, ...] | None) -> dict:
    """Totals and averages over the tickets of the given departments (None: all)."""
    query = select(
        func.count(),
        func.count().filter(TicketFact.status.in_(OPEN_STATUSES)),
        func.count(TicketFact.first_response_seconds),
        func.avg(TicketFact.first_response_seconds),
        func.avg(case((TicketFact.resolved_at.isnot(None),
                       func.extract("epoch", TicketFact.resolved_at - TicketFact.created_at)))))
    if department_ids is not None:
        query = query.where(TicketFact.department_id.in_(department_ids))
    total, open_, responded, avg_first, avg_resolution = session.execute(query).one()
    return {
        "total_tickets": total, "open_tickets": open_, "responded_tickets": responded,
        "avg_first_response_seconds": round(float(avg_first), 1) if avg_first is not None else None,
        "avg_resolution_seconds": round(float(avg_resolution), 1) if avg_resolution is not None else None,
    }
