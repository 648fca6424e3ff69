"""Queries of the tickets schema, named for what they find."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ARRAY, Text, any_, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from services.shared.contracts.tickets import format_tracking_number, read_tracking_number
from services.tickets.models import Department, Membership, Ticket, TicketCounter, User

ISTANBUL = ZoneInfo("Europe/Istanbul")


def among(column, values, item_type=Text):
    """``column = ANY(:values)``: one parameter, so the statement's text is the same for any number of values."""
    return column == any_(literal(sorted(values), ARRAY(item_type)))


def departments_by_email(session: Session) -> dict[str, Department]:
    """Every department keyed by its lower-cased address."""
    return {d.email.lower(): d for d in session.scalars(select(Department))}


def ticket_by_number(session: Session, number, *, for_update: bool = False) -> Ticket | None:
    """The ticket with this tracking number (``2026-000123`` or ``#2026-000123``); None for anything else."""
    written = read_tracking_number(number)
    if written is None:
        return None
    query = select(Ticket).where(Ticket.number == written)
    # One statement finds and locks it: a ticket deleted in between is simply not found.
    return session.scalars(query.with_for_update() if for_update else query).first()


def new_ticket_numbers(session: Session, now: datetime, count: int) -> list[str]:
    """``count`` new ticket numbers of this year (Istanbul time), reserved in one short transaction.

    That transaction is the session's engine's, not the session's own: the caller's
    transaction may run on for a whole batch, and must not hold the counter meanwhile.
    """
    if count <= 0:
        return []
    year = now.astimezone(ISTANBUL).year
    return [format_tracking_number(year, n) for n in allocate_ticket_numbers(session.get_bind(), year, count)]


def allocate_ticket_numbers(engine: Engine, year: int, count: int = 1) -> list[int]:
    """Reserve ``count`` sequence numbers of ``year`` in their own short transaction.

    The counter row is locked only for this tiny statement, never for the whole
    ticket-creating transaction; numbers of a rolled-back transaction are
    skipped, which the numbering tolerates.
    """
    with engine.begin() as conn:
        conn.execute(insert(TicketCounter).values(year=year, last_value=0).on_conflict_do_nothing())
        last = conn.execute(update(TicketCounter).where(TicketCounter.year == year)
                            .values(last_value=TicketCounter.last_value + count)
                            .returning(TicketCounter.last_value)).scalar_one()
    return list(range(last - count + 1, last + 1))


def memberships_of(session: Session, user_id: int) -> dict[int, str]:
    """department id → role of one user."""
    return dict(session.execute(select(Membership.department_id, Membership.role)
                                .where(Membership.user_id == user_id)).all())


def user_emails_among(session: Session, emails: set[str]) -> set[str]:
    """Those of these (lower-case) addresses that belong to a Destek user."""
    if not emails:
        return set()
    return set(session.scalars(select(func.lower(User.email)).where(func.lower(User.email).in_(emails))))


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(func.lower(User.email) == email.lower())).first()


