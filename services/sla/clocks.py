"""Keeping SLA clocks in step with ticket events, and reading their state.

The rules are in ``services.sla.domain.clocks``; this reads a batch's clocks
(``services.sla.repository``), applies the events to them in order, and
writes back what changed. New tickets, replies and status changes come in
batches of hundreds during a burst of mail.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from sqlalchemy.orm import Session

from services.shared.contracts.events import (Event, ReplyPosted, SlaBreached, SlaWarning, TicketCreated,
                                              TicketStatusChanged, TicketUpdated)
from services.shared.deleted_tickets import deleted_among, remember_deleted
from services.shared.outbox import record_events
from services.sla import repository
from services.sla.domain.clocks import (BREACH, WARNING, Clock, NoClockYet, after_priority_change, after_reply,
                                        after_status_change, start_clocks)
from services.sla.models import deleted_tickets, outbox
from services.sla.rulebook import Rulebook

Change = Callable[[tuple[Clock, ...], Event], tuple[Clock, ...]]
Refused = list[tuple[Event, Exception]]


def tickets_created(session: Session, events: list[TicketCreated], handler: str, *, rules: Rulebook) -> None:
    """Start the clocks of new tickets under their department's policy and calendar, once per event for
    ``handler``, in one statement."""
    repository.start_clocks(session, (
        (event.event_id, clock) for event in _once_each(events)
        for clock in start_clocks(event.ticket_number, priority=event.priority, started_at=event.created_at,
                                  calendar=rules.calendar_for(event.department_id),
                                  policy=rules.policy_for(event.department_id))), handler=handler)


def replies_posted(session: Session, events: list[ReplyPosted], rules: Rulebook) -> Refused:
    """A reply stops the first-response clock and restarts next update; returns the events whose ticket has
    no clocks yet."""
    return _change_clocks(session, events, rules, lambda clocks, event: after_reply(clocks, at=event.created_at))


def statuses_changed(session: Session, events: list[TicketStatusChanged], rules: Rulebook) -> Refused:
    """Pause while pending (or on hold), resume after, stop once resolved, restart on a reopen, in event order.

    Returns the events that could not be applied: a ticket resolved before its clocks exist.
    """
    return _change_clocks(session, events, rules, lambda clocks, event: after_status_change(
        clocks, status=event.new_status, at=event.changed_at))


def tickets_updated(session: Session, events: list[TicketUpdated], rules: Rulebook) -> Refused:
    """A new priority brings its targets (under the department's policy now) to the clocks, counted from the
    start; returns the events whose ticket has no clocks yet."""
    changes = [event for event in events if event.new_value("priority") is not None]
    return _change_clocks(session, changes, rules, lambda clocks, event: after_priority_change(
        clocks, priority=int(event.new_value("priority")), at=event.updated_at,
        policy=rules.policy_for(event.department_id)))


def forget_ticket(session: Session, ticket_number: str, at: datetime) -> None:
    """A deleted ticket has no deadlines any more: its clocks go, it never breaches, and events
    about it that come late (even its ``ticket_created``) start or change nothing."""
    repository.delete_clocks(session, ticket_number)
    remember_deleted(session, deleted_tickets, ticket_number, at)


def publish_alerts(session: Session, now: datetime, rules: Rulebook, limit: int = 1000) -> int:
    """Publish ``sla_warning`` and ``sla_breached`` for the clocks whose instant has come, once per clock and
    episode; returns how many clocks were due (``limit`` at most: the rest wait for the next round)."""
    due = repository.lock_due(session, now, limit, rules.calendar_named)
    alerted, events = [], []
    for clock in due:
        alerts = clock.alerts_due(now)
        if not alerts:
            continue
        alerted.append(clock.alerted(alerts, now))
        events.extend(_alert_event(clock, alert, now) for alert in alerts)
    repository.save_clocks(session, alerted)
    record_events(session, outbox, [(event.event_type, event.to_wire()) for event in events])
    return len(due)


def _alert_event(clock: Clock, alert: str, now: datetime) -> Event:
    common = {"ticket_number": clock.ticket_number, "kind": clock.kind, "due_at": clock.due_at,
              "priority": clock.priority, "started_at": clock.started_at,
              "target_seconds": int(clock.target.total_seconds())}
    if alert == WARNING:
        return SlaWarning(**common, remaining_seconds=int((clock.due_at - now).total_seconds()))
    assert alert == BREACH
    return SlaBreached(**common, late_seconds=int(clock.late_by(now).total_seconds()))


def ticket_sla(session: Session, ticket_number: str, now: datetime, rules: Rulebook) -> dict:
    """Every clock of a ticket with its deadline and state."""
    return {"ticket_number": ticket_number, "clocks": [{
        "kind": c.kind, "state": c.state(now), "calendar": c.calendar.name, "priority": c.priority,
        "target_seconds": int(c.target.total_seconds()), "started_at": c.started_at.isoformat(),
        "due_at": c.due_at.isoformat(), "stopped_at": _iso(c.stopped_at),
        "paused": c.paused_since is not None, "warn_at": _iso(c.warn_at), "warned_at": _iso(c.warned_at),
        "breached_at": _iso(c.breached_at),
        "remaining_seconds": None if (left := c.remaining(now)) is None else int(left.total_seconds()),
    } for c in repository.clocks_of(session, ticket_number, rules.calendar_named)]}


def _change_clocks(session: Session, events: list[Event], rules: Rulebook, change: Change) -> Refused:
    """Apply each event to its ticket's clocks in order; refuse (for a retry) those whose ticket has none yet."""
    numbers = {event.ticket_number for event in events}
    by_ticket = repository.lock_clocks(session, numbers, rules.calendar_named)
    before = dict(by_ticket)
    gone = deleted_among(session, deleted_tickets, numbers - by_ticket.keys())
    refused = []
    for event in events:
        number = event.ticket_number
        if number in gone:
            continue  # a change that lost the race with the ticket's deletion
        try:
            by_ticket[number] = change(by_ticket.get(number, ()), event)
        except NoClockYet as error:  # handled before the ticket's ticket_created: retried once it is known
            refused.append((event, LookupError(f"ticket {number} {error}")))
    if not refused:
        changed, added = [], []
        for number, clocks in by_ticket.items():
            old = {clock.kind: clock for clock in before.get(number, ())}
            for clock in clocks:
                if clock.kind not in old:
                    added.append(clock)  # a next-update clock for a ticket raised to a priority with a cadence
                elif clock != old[clock.kind]:
                    changed.append(clock)
        repository.save_clocks(session, changed)
        repository.add_clocks(session, added)
    return refused


def _once_each(events: list[TicketCreated]) -> list[TicketCreated]:
    # The same event twice in a batch is claimed once.
    return list({event.event_id: event for event in events}.values())



def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
