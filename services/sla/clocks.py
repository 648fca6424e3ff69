"""Keeping SLA clocks in step with ticket events, and reading their state.

New tickets, replies and status changes come in batches of hundreds during a
burst of mail: their clocks are read and written a batch at a time
(``services.sla.repository``), the rules applied in Python in event order.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.shared.config import env
from services.shared.deleted_tickets import deleted_among, remember_deleted
from services.sla import repository
from services.sla.domain.calendars import BusinessCalendar, calendar_24_7, calendar_turkish_office_hours
from services.sla.domain.policies import DEFAULT_POLICY
from services.sla.models import SlaClock, deleted_tickets

CALENDARS = {"24x7": calendar_24_7, "office": calendar_turkish_office_hours}
WAITING_ON_CUSTOMER = "pending"
FINISHED = ("resolved", "closed")
ZERO = timedelta(0)


@cache
def calendar_named(name: str) -> BusinessCalendar:
    """One calendar per name for the process: it remembers the opening hours of the days it has seen."""
    return CALENDARS.get(name, calendar_turkish_office_hours)()


def default_calendar_name() -> str:
    """``SLA_CALENDAR``: ``office`` (Mon–Fri 09–18 Istanbul, Turkish holidays) or ``24x7``."""
    name = env("SLA_CALENDAR", "office")
    return name if name in CALENDARS else "office"


def start_clocks(session: Session, events: list[dict], handler: str) -> None:
    """Start the first-response and resolution clocks of new tickets, once per event for ``handler``.

    ``events``: ``ticket_created`` (``event_id``, ``ticket_number``, ``priority``, ``created_at``);
    one statement claims them and inserts the clocks of all of them.
    """
    name = default_calendar_name()
    calendar = calendar_named(name)
    rows = {}
    for event in events:
        started_at = datetime.fromisoformat(event["created_at"])
        row = {"event_id": str(event["event_id"]), "ticket_number": event["ticket_number"],
               "priority": event["priority"], "started_at": started_at.isoformat()}
        for seconds_key, seconds, due_key, target in _columns_of(event["priority"]):
            row[seconds_key] = seconds
            row[due_key] = calendar.add_business_time(started_at, target).isoformat()
        rows[row["event_id"]] = row  # the same event twice in a batch is claimed once
    repository.start_clocks(session, list(rows.values()), calendar=name, handler=handler)


def targets_of(priority: int) -> tuple[tuple[str, timedelta], ...]:
    """The policy's target per clock kind for a priority (an unknown one counts as normal)."""
    targets = DEFAULT_POLICY.get(priority, DEFAULT_POLICY[3])
    return ("first_response", targets.first_response), ("resolution", targets.resolution)


@cache
def _columns_of(priority: int) -> tuple[tuple[str, int, str, timedelta], ...]:
    # Each clock kind's row keys for repository.start_clocks and its target, worked out once per priority.
    return tuple((f"{kind}_seconds", int(target.total_seconds()), f"{kind}_due", target)
                 for kind, target in targets_of(priority))


def priority_changed(session: Session, ticket_number: str, priority: int, at: datetime) -> None:
    """A new priority gives the clocks still running its targets, counted from the ticket's start.

    Time spent waiting on the customer keeps counting as paused; a stopped clock
    keeps its verdict. A clock whose new deadline lies ahead is no longer breached.
    """
    clocks = _clocks_of(session, ticket_number)
    if not clocks:
        if deleted_among(session, deleted_tickets, [ticket_number]):
            return  # a change that lost the race with the ticket's deletion
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


def forget_ticket(session: Session, ticket_number: str, at: datetime) -> None:
    """A deleted ticket has no deadlines any more: its clocks go, it never breaches, and events
    about it that come late (even its ``ticket_created``) start or change nothing."""
    session.execute(delete(SlaClock).where(SlaClock.ticket_number == ticket_number))
    remember_deleted(session, deleted_tickets, ticket_number, at)


def _clocks_of(session: Session, ticket_number: str) -> list[SlaClock]:
    return list(session.scalars(select(SlaClock).where(SlaClock.ticket_number == ticket_number)
                                .order_by(SlaClock.id).with_for_update()))


def replies_posted(session: Session, events: list[dict]) -> list[tuple[dict, Exception]]:
    """A reply stops the first-response clock; returns the events whose ticket has no clocks yet."""
    return _change_clocks(session, events, _reply_posted)


def statuses_changed(session: Session, events: list[dict]) -> list[tuple[dict, Exception]]:
    """Pause while pending, resume after, stop the resolution clock once resolved, in event order.

    Returns the events that could not be applied: a ticket resolved before its clocks exist.
    """
    return _change_clocks(session, events, _status_changed)


def _change_clocks(session: Session, events: list[dict], change) -> list[tuple[dict, Exception]]:
    numbers = {event["ticket_number"] for event in events}
    by_ticket = repository.lock_clocks(session, numbers)
    gone = deleted_among(session, deleted_tickets, numbers - by_ticket.keys())
    refused, touched = [], {}
    for event in events:
        if event["ticket_number"] in gone:
            continue  # a change that lost the race with the ticket's deletion
        clocks = by_ticket.get(event["ticket_number"], [])
        try:
            change(clocks, event)
        except LookupError as error:  # handled before the ticket's ticket_created: retried once it is known
            refused.append((event, error))
        touched.update((clock.id, clock) for clock in clocks)
    if not refused:
        repository.save_clocks(session, list(touched.values()))
    return refused


def _reply_posted(clocks: list, event: dict) -> None:
    _stop(clocks, event["ticket_number"], "first_response", datetime.fromisoformat(event["created_at"]))


def _status_changed(clocks: list, event: dict) -> None:
    new_status, at = event["new_status"], datetime.fromisoformat(event["changed_at"])
    for clock in clocks:
        if new_status == WAITING_ON_CUSTOMER:
            pause(clock, at)
        else:
            resume(clock, at)
    if new_status in FINISHED:
        _stop(clocks, event["ticket_number"], "resolution", at)


def _stop(clocks: list, ticket_number: str, kind: str, at: datetime) -> None:
    """Stop a clock: the response was given, or the ticket resolved."""
    clock = next((clock for clock in clocks if clock.kind == kind), None)
    if clock is None:
        raise LookupError(f"ticket {ticket_number} has no {kind} clock yet")
    if clock.stopped_at is None:
        resume(clock, at)
        clock.stopped_at = at


def pause(clock, at: datetime) -> None:
    """Waiting on the customer: business time stops counting."""
    if clock.stopped_at is None and clock.paused_since is None:
        clock.paused_since = at


def resume(clock, at: datetime) -> None:
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
