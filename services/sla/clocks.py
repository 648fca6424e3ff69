"""Keeping SLA clocks in step with ticket events, and reading their state."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.shared.config import env
from services.sla.domain.calendars import BusinessCalendar, calendar_24_7, calendar_turkish_office_hours
from services.sla.domain.policies import DEFAULT_POLICY
from services.sla.models import SlaClock

CALENDARS = {"24x7": calendar_24_7, "office": calendar_turkish_office_hours}
WAITING_ON_CUSTOMER = "pending"
FINISHED = ("resolved", "closed")


def calendar_named(name: str) -> BusinessCalendar:
    return CALENDARS.get(name, calendar_turkish_office_hours)()


def default_calendar_name() -> str:
    """``SLA_CALENDAR``: ``office`` (Mon–Fri 09–18 Istanbul, Turkish holidays) or ``24x7``."""
    name = env("SLA_CALENDAR", "office")
    return name if name in CALENDARS else "office"


def start_clocks(session: Session, *, ticket_number: str, priority: int, started_at: datetime) -> None:
    """Start the first-response and resolution clocks of a new ticket (once, however often asked)."""
    targets = DEFAULT_POLICY.get(priority, DEFAULT_POLICY[3])
    name = default_calendar_name()
    calendar = calendar_named(name)
    for kind, target in (("first_response", targets.first_response), ("resolution", targets.resolution)):
        session.execute(insert(SlaClock).values(
            ticket_number=ticket_number, kind=kind, priority=priority, calendar=name,
            target_seconds=int(target.total_seconds()), started_at=started_at,
            due_at=calendar.add_business_time(started_at, target)).on_conflict_do_nothing())


def clock_of(session: Session, ticket_number: str, kind: str) -> SlaClock | None:
    return session.scalars(select(SlaClock).where(SlaClock.ticket_number == ticket_number,
                                                  SlaClock.kind == kind)).first()


def stop(session: Session, ticket_number: str, kind: str, at: datetime) -> None:
    """Stop a clock: the response was given, or the ticket resolved."""
    clock = clock_of(session, ticket_number, kind)
    if clock is None:
        # Handled before the ticket's ticket_created: retried once it is known.
        raise LookupError(f"ticket {ticket_number} has no {kind} clock yet")
    if clock.stopped_at is None:
        resume(clock, at)
        clock.stopped_at = at


def pause(clock: SlaClock, at: datetime) -> None:
    """Waiting on the customer: business time stops counting."""
    if clock.stopped_at is None and clock.paused_since is None:
        clock.paused_since = at


def resume(clock: SlaClock, at: datetime) -> None:
    """The customer answered: the deadline moves by the business time spent paused."""
    if clock.paused_since is None:
        return
    if clock.paused_since >= clock.due_at:
        clock.paused_since = None  # already late when it paused: waiting cannot undo the breach
        return
    calendar = calendar_named(clock.calendar)
    paused = calendar.business_time_between(clock.paused_since, at)
    clock.due_at = calendar.add_business_time(clock.due_at, paused) if paused else clock.due_at
    clock.paused_since = None


def status_changed(session: Session, ticket_number: str, new_status: str, at: datetime) -> None:
    """Pause while pending, resume after, stop the resolution clock once resolved."""
    clocks = session.scalars(select(SlaClock).where(SlaClock.ticket_number == ticket_number)).all()
    for clock in clocks:
        if new_status == WAITING_ON_CUSTOMER:
            pause(clock, at)
        else:
            resume(clock, at)
    if new_status in FINISHED:
        stop(session, ticket_number, "resolution", at)


def overdue_clocks(session: Session, now: datetime, limit: int = 500) -> list[SlaClock]:
    """Running clocks past their deadline that are not yet marked breached."""
    return list(session.scalars(select(SlaClock).where(
        SlaClock.stopped_at.is_(None), SlaClock.paused_since.is_(None), SlaClock.breached_at.is_(None),
        SlaClock.due_at <= now).limit(limit).with_for_update(skip_locked=True)))


def state_of(clock: SlaClock, now: datetime) -> str:
    """``running``, ``paused``, ``met``, ``breached`` (running late) or ``missed`` (stopped late)."""
    if clock.stopped_at is not None:
        return "met" if clock.stopped_at <= clock.due_at else "missed"
    if clock.paused_since is not None:
        return "paused"
    return "breached" if now >= clock.due_at else "running"


def ticket_sla(session: Session, ticket_number: str, now: datetime) -> dict:
    """Every clock of a ticket with its deadline and state."""
    clocks = session.scalars(select(SlaClock).where(SlaClock.ticket_number == ticket_number)
                             .order_by(SlaClock.id)).all()
    return {"ticket_number": ticket_number, "clocks": [{
        "kind": c.kind, "state": state_of(c, now), "calendar": c.calendar, "priority": c.priority,
        "target_seconds": c.target_seconds, "started_at": c.started_at.isoformat(),
        "due_at": c.due_at.isoformat(), "stopped_at": c.stopped_at.isoformat() if c.stopped_at else None,
        "paused": c.paused_since is not None,
        "remaining_seconds": int((c.due_at - now) / timedelta(seconds=1)) if c.stopped_at is None else None,
    } for c in clocks]}
