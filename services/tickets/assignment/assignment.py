"""Automatic assignment in the transaction that creates (or reopens) a ticket, and its settings.

The department's assignment row is locked ``FOR UPDATE`` before its agents'
open tickets are counted, so concurrent creations of one department take turns:
each reads the cursor and the counts its predecessor committed (read committed
gives every statement a fresh snapshot), and no agent gets a burst or is
skipped. A department without a row, or set ``off``, locks nothing.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from services.shared.contracts.events import FieldChange, TicketUpdated
from services.shared.contracts.tickets import FINISHED_STATUSES
from services.tickets.assignment.rules import OFF, Agent, Policy, Turn, choose_many, is_available
from services.tickets.core.changes import assignee_label
from services.tickets.history import record_change
from services.tickets.models import DepartmentAssignment, Membership, Ticket, User

SYSTEM = "system"  # the actor history names for what assignment did


def assign_new_ticket(session: Session, ticket: Ticket, now: datetime) -> None:
    """Give a flushed, unassigned new ticket to the department's next agent, if any; history says ``system``."""
    if ticket.assignee_id is not None or ticket.assignee_ai_agent:
        return
    chosen = choose_for(session, ticket.department_id, 1, now)[0]
    if chosen is not None:
        ticket.assignee_id = chosen
        record_change(session, ticket, SYSTEM, "assignee", None, assignee_label(session, chosen, None), now)


def assign_new_tickets(session: Session, tickets: list, now: datetime) -> list[tuple[object, str]]:
    """Agents for the new tickets of an inbound batch (``NewTicket``), department by department in id order
    (so two batches lock the rows in one order); returns each assigned ticket with its agent's name."""
    assigned = []
    for department_id in sorted({t.department_id for t in tickets}):
        waiting = [t for t in tickets if t.department_id == department_id and t.assignee_id is None]
        for ticket, chosen in zip(waiting, choose_for(session, department_id, len(waiting), now)):
            if chosen is not None:
                ticket.assignee_id = chosen
                assigned.append((ticket, assignee_label(session, chosen, None)))
    return assigned


def choose_for(session: Session, department_id: int, count: int, now: datetime) -> list[int | None]:
    """Agents for ``count`` new tickets of a department, the cursor moved past them; None where nobody may take one."""
    setting = DepartmentAssignment.__table__
    row = session.execute(select(setting.c.mode, setting.c.max_open_per_agent, setting.c.last_assigned_user_id)
                          .where(setting.c.department_id == department_id, setting.c.mode != OFF)
                          .with_for_update()).first()
    if row is None:
        return [None] * count
    turn = Turn(agents=agents_of(session, department_id, now), last_assigned_user_id=row.last_assigned_user_id)
    chosen, after = choose_many(policy=Policy(row.mode, row.max_open_per_agent), turn=turn, count=count)
    if after.last_assigned_user_id != row.last_assigned_user_id:
        session.execute(update(setting).where(setting.c.department_id == department_id)
                        .values(last_assigned_user_id=after.last_assigned_user_id))
    return chosen


def agents_of(session: Session, department_id: int, now: datetime) -> tuple[Agent, ...]:
    """The department's active agents, whether each is available now, and their open tickets (all departments)."""
    open_ticket = and_(Ticket.assignee_id == User.id, Ticket.status.notin_(FINISHED_STATUSES))
    rows = session.execute(
        select(User.id, User.availability, User.away_until, func.count(Ticket.id))
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(Ticket, open_ticket)
        .where(Membership.department_id == department_id, Membership.role == "agent", User.is_active)
        .group_by(User.id)).all()
    return tuple(Agent(user_id=user_id, available=is_available(availability, until, now), open_tickets=count)
                 for user_id, availability, until, count in rows)


def reassign_if_away(session: Session, ticket: Ticket, now: datetime) -> list[TicketUpdated]:
    """A reopened ticket whose assignee is away goes to the department's next agent (or back to the pool)."""
    if ticket.assignee_id is None:
        return []
    assignee = session.get(User, ticket.assignee_id)
    if assignee is not None and is_available(assignee.availability, assignee.away_until, now):
        return []
    chosen = choose_for(session, ticket.department_id, 1, now)[0]
    old, new = assignee_label(session, ticket.assignee_id, None), assignee_label(session, chosen, None)
    ticket.assignee_id = chosen
    record_change(session, ticket, SYSTEM, "assignee", old, new, now)
    ticket.updated_at = now
    return [TicketUpdated(ticket_number=ticket.number,
                          changes=(FieldChange(field="assignee", old=old, new=new),),
                          department_id=ticket.department_id, priority=ticket.priority, updated_at=now,
                          assignee_id=chosen, updated_by_user_id=None)]  # None: the system did it


def reassign_reopened(session: Session, ticket_ids: list[int], now: datetime) -> list[TicketUpdated]:
    """``reassign_if_away`` for tickets a customer's mail reopened, once their rows are written."""
    events: list[TicketUpdated] = []
    for ticket_id in sorted(set(ticket_ids)):
        ticket = session.scalars(select(Ticket).where(Ticket.id == ticket_id).with_for_update()
                                 .execution_options(populate_existing=True)).one()
        events += reassign_if_away(session, ticket, now)
    return events

