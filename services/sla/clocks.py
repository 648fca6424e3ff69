"""Keeping SLA clocks in step with ticket events, and reading their state."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.shared.config import env
from services.sla.domain.calendars import BusinessCalendar, calendar_24_7, calendar_turkish_office_hours
from services.sla.domain.policies import DEFAULT_POLICY
from services.sla.models import SlaClock

CALENDARS = {"24x7": calendar_24_7, "office": calendar_turkish_office_hours}
WAITING_ON_CUSTOMER = "pending"
FINISHED = ("resolved", "closed")
ZERO = timedelta(0)


def calendar_named(name: str) -> BusinessCalendar:
    return CALENDARS.get(name, calendar_turkish_office_hours)()


def default_calendar_name() -> str:
    """``SLA_CALENDAR``: ``office`` (Mon–Fri 09–18 Istanbul, Turkish holidays) or ``24x7``."""
    name = env("SLA_CALENDAR", "office")
    return name if name in CALENDARS else "office"


def start_clocks(session: Session, tickets: list[dict]) -> None:
    """Start the first-response and resolution clocks of new tickets (once, however often asked).

    ``tickets``: ``[{"ticket_number", "priority", "created_at"}]`` (the ``ticket_created`` events);
    one insert for all of them.
    """
    name = default_calendar_name()
    calendar = calendar_named(name)
    rows = []
    for ticket in tickets:
        started_at = datetime.fromisoformat(ticket["created_at"])
        for kind, target in targets_of(ticket["priority"]):
            rows.append(dict(ticket_number=ticket["ticket_number"], kind=kind, priority=ticket["priority"],
                             calendar=name, target_seconds=int(target.total_seconds()), started_at=started_at,
                             due_at=calendar.add_business_time(started_at, target)))
    if rows:
        session.execute(insert(SlaClock).values(rows).on_conflict_do_nothing())


def targets_of(priority: int) -> tuple[tuple[str, timedelta], ...]:
    """The policy's target per clock kind for a priority (an unknown one counts as normal)."""
    targets = DEFAULT_POLICY.get(priority, DEFAULT_POLICY[3])
    return ("first_response", targets.first_response), ("resolution", targets.resolution)


def priority_changed(session: Session, ticket_number: str, priority: int, at: datetime) -> None:
    """A new priority gives the clocks still running its targets, counted from the ticket's start.

    Time spent waiting on the customer keeps counting as paused; a stopped clock
    keeps its verdict. A clock whose new deadline lies ahead is no longer breached.
    """
    clocks = _clocks_of(session, ticket_number)
    if not clocks:
        raise LookupError(f"ticket {ticket_number} has no clocks yet")  # retried once ticket_created is in
    new_targets = dict(targets_of(priority))
    for clock in clocks:
        clock.priority = priority
        if clock.stopped_at is not None or clock.kind not in new_targets:
            continue
        calendar = calendar_named(clock.calendar)
        paused = calendar.business_time_between(clock.started_at, clock.due_at) - timedelta(
            seconds=clock.target_seconds)
        clock.target_seconds = int(new_targets[clock.kind].total_seconds())
        clock.due_at = calendar.add_business_time(clock.started_at, new_targets[clock.kind] + max(paused, ZERO))
        if clock.breached_at is not None and clock.due_at > at:
            clock.breached_at = None


def forget_ticket(session: Session, ticket_number: str) -> None:
    """A deleted ticket has no deadlines any more: its clocks go, and it never breaches."""
    deleted = session.execute(delete(SlaClock).where(SlaClock.ticket_number == ticket_number)
                              .returning(SlaClock.id)).all()
    if not deleted:
        # Handled before its ticket_created (the queues run side by side): retried once that is in.
        raise LookupError(f"ticket {ticket_number} has no clocks yet")


def _clocks_of(session: Session, ticket_number: str) -> list[SlaClock]:
    return list(session.scalars(select(SlaClock).where(SlaClock.ticket_number == ticket_number)
                                .order_by(SlaClock.id).with_for_update()))


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
    for clock in _clocks_of(session, ticket_number):
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
