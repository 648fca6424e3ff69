"""Notify's copy of each ticket's department, assignee and subject, kept from tickets' events.

Events of one ticket come on several queues and may overtake each other: a
``ticket_created`` that comes after an update of the same ticket changes
nothing, and a deleted ticket stays deleted.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import literal_column, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from services.notify.models import TicketCopy as Row
from services.notify.notifications.rules import TicketCopy
from services.shared.contracts.events import TicketCreated, TicketDeleted, TicketUpdated


def remember_created(session: Session, event: TicketCreated) -> bool:
    """Keep a new ticket; False if notify knew it already (a late or repeated event).

    An update that came first left the ticket without its subject: it gets it now.
    """
    statement = pg_insert(Row).values(number=event.ticket_number, department_id=event.department_id,
                                      assignee_id=event.assignee_id, subject=event.subject)
    inserted = session.execute(statement.on_conflict_do_update(
        index_elements=[Row.number], set_={"subject": statement.excluded.subject}, where=Row.subject == "")
        .returning(literal_column("xmax = 0"))).first()  # xmax 0: a new row, not one updated
    return bool(inserted and inserted[0])


def remember_updated(session: Session, event: TicketUpdated) -> TicketCopy | None:
    """Apply a ticket's changes of department, assignee and subject; the ticket after them, unless deleted."""
    values = {"number": event.ticket_number, "department_id": event.department_id}
    if any(change.field == "assignee" for change in event.changes):
        values["assignee_id"] = event.assignee_id
    subject = event.new_value("subject")
    if subject is not None:
        values["subject"] = subject
    statement = pg_insert(Row).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=[Row.number], set_={name: statement.excluded[name] for name in values if name != "number"},
        where=Row.deleted_at.is_(None)))
    return ticket_copy(session, event.ticket_number)


def remember_deleted(session: Session, event: TicketDeleted, now: datetime) -> None:
    """Remember that the ticket is gone, so that what comes after it about it tells nobody."""
    statement = pg_insert(Row).values(number=event.ticket_number, department_id=event.department_id,
                                      deleted_at=now)
    session.execute(statement.on_conflict_do_update(index_elements=[Row.number], set_={"deleted_at": now}))


def ticket_copy(session: Session, number: str) -> TicketCopy | None:
    """The ticket as notify knows it; None if it never heard of it or it was deleted."""
    row = session.scalar(select(Row).where(Row.number == number, Row.deleted_at.is_(None)))
    if row is None:
        return None
    return TicketCopy(number=row.number, department_id=row.department_id, assignee_id=row.assignee_id,
                      subject=row.subject)


def is_deleted(session: Session, number: str) -> bool:
    """Whether tickets deleted this ticket."""
    return session.scalar(select(Row.deleted_at).where(Row.number == number)) is not None


def subjects_of(session: Session, numbers: set[str]) -> dict[str, str]:
    """The tickets' subjects now (a notification shows the ticket as it is called today)."""
    return dict(session.execute(select(Row.number, Row.subject)
                                .where(Row.number.in_(numbers), Row.subject != "")).tuples().all())
