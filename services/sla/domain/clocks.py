"""SLA clocks as values: a deadline in business time, moved by waiting on the customer, kept once stopped.

A clock keeps its deadline (``due_at``), not its history: pausing notes when
the ticket began to wait on the customer, and resuming moves the deadline by
the business time the wait lasted. A pause that begins after the deadline
has passed moves nothing, however long it lasts: waiting cannot undo a breach.
Every change returns a new clock; the ticket-level rules (a reply, a status,
a priority) take a ticket's clocks and return them changed.

The clock carries its calendar, so reading and changing it need nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from services.sla.domain.calendars import BusinessCalendar
from services.shared.contracts.tickets import FINISHED_STATUSES, WAITING_ON_CUSTOMER
from services.sla.domain.policies import FIRST_RESPONSE, KINDS, RESOLUTION, SlaTargets, targets_for

RUNNING, PAUSED, BREACHED, MET, MISSED = "running", "paused", "breached", "met", "missed"
ZERO = timedelta(0)


class NoClockYet(LookupError):
    """The ticket has no such clock yet: its ``ticket_created`` has not been applied."""


@dataclass(frozen=True, slots=True)
class Clock:
    """One deadline of one ticket: ``target`` of business time from ``started_at``, plus waits."""
    ticket_number: str
    kind: str  # first_response | resolution
    priority: int
    calendar: BusinessCalendar
    target: timedelta
    started_at: datetime
    due_at: datetime
    paused_since: datetime | None = None
    stopped_at: datetime | None = None
    breached_at: datetime | None = None  # when its breach was published

    @classmethod
    def start(cls, ticket_number: str, kind: str, *, priority: int, target: timedelta, started_at: datetime,
              calendar: BusinessCalendar) -> Clock:
        """A clock running from ``started_at``, due ``target`` of business time later."""
        if kind not in KINDS:
            raise ValueError(f"clock kind must be one of {', '.join(KINDS)}, not {kind!r}")
        # add_business_time refuses a negative target and a time without a zone
        return cls(ticket_number, kind, priority, calendar, target, started_at,
                   calendar.add_business_time(started_at, target))

    @property
    def running(self) -> bool:
        """Counting time: neither paused nor stopped."""
        return self.stopped_at is None and self.paused_since is None

    def pause(self, at: datetime) -> Clock:
        """Waiting on the customer: business time stops counting."""
        return replace(self, paused_since=at) if self.running else self

    def resume(self, at: datetime) -> Clock:
        """The customer answered: the deadline moves by the business time spent paused."""
        if self.paused_since is None:
            return self
        if self.paused_since >= self.due_at:
            return replace(self, paused_since=None)  # already late when it paused: the breach stands
        paused = self.calendar.business_time_between(self.paused_since, at)
        due_at = self.calendar.add_business_time(self.due_at, paused) if paused else self.due_at
        return replace(self, due_at=due_at, paused_since=None)

    def stop(self, at: datetime) -> Clock:
        """The response was given or the ticket solved; a pause ends here too."""
        if self.stopped_at is not None:
            return self
        return replace(self.resume(at), stopped_at=at)

    def retarget(self, priority: int, target: timedelta, at: datetime) -> Clock:
        """A new priority's target, counted from the start; waits so far still count as paused.

        A stopped clock keeps its verdict; one whose new deadline lies ahead is no longer breached.
        """
        if self.stopped_at is not None:
            return replace(self, priority=priority)
        paused = self.calendar.business_time_between(self.started_at, self.due_at) - self.target
        due_at = self.calendar.add_business_time(self.started_at, target + max(paused, ZERO))
        breached_at = None if self.breached_at is not None and due_at > at else self.breached_at
        return replace(self, priority=priority, target=target, due_at=due_at, breached_at=breached_at)

    def overdue(self, now: datetime) -> bool:
        """Running past its deadline, and its breach not published yet."""
        return self.running and self.breached_at is None and self.due_at <= now

    def breach(self, now: datetime) -> Clock:
        """Its breach is published (at ``now``), once: it is no longer overdue."""
        return replace(self, breached_at=now)

    def state(self, now: datetime) -> str:
        """``running``, ``paused``, ``met``, ``breached`` (running late) or ``missed`` (stopped late)."""
        if self.stopped_at is not None:
            return MET if self.stopped_at <= self.due_at else MISSED
        if self.paused_since is not None:
            return PAUSED
        return BREACHED if now >= self.due_at else RUNNING

    def remaining(self, now: datetime) -> timedelta | None:
        """Time on the clock on the wall until the deadline (negative once late); None once stopped."""
        return self.due_at - now if self.stopped_at is None else None


def start_clocks(ticket_number: str, *, priority: int, started_at: datetime, calendar: BusinessCalendar,
                 policy: dict[int, SlaTargets] | None = None) -> tuple[Clock, ...]:
    """Every clock of a new ticket, with its priority's targets."""
    return tuple(Clock.start(ticket_number, kind, priority=priority, target=target, started_at=started_at,
                             calendar=calendar) for kind, target in targets_for(priority, policy).clocks())


def after_reply(clocks: tuple[Clock, ...], *, at: datetime) -> tuple[Clock, ...]:
    """The first reply stops the first-response clock."""
    return _stopped(clocks, FIRST_RESPONSE, at)


def after_status_change(clocks: tuple[Clock, ...], *, status: str, at: datetime) -> tuple[Clock, ...]:
    """Waiting on the customer pauses every clock, any other status resumes them; resolved or closed
    stops the resolution clock."""
    clocks = tuple(clock.pause(at) if status == WAITING_ON_CUSTOMER else clock.resume(at) for clock in clocks)
    return _stopped(clocks, RESOLUTION, at) if status in FINISHED_STATUSES else clocks


def after_priority_change(clocks: tuple[Clock, ...], *, priority: int, at: datetime,
                          policy: dict[int, SlaTargets] | None = None) -> tuple[Clock, ...]:
    """Each clock takes the new priority's target (see :meth:`Clock.retarget`)."""
    if not clocks:
        raise NoClockYet("has no clocks yet")
    targets = dict(targets_for(priority, policy).clocks())
    return tuple(clock.retarget(priority, targets[clock.kind], at) if clock.kind in targets
                 else replace(clock, priority=priority) for clock in clocks)


def _stopped(clocks: tuple[Clock, ...], kind: str, at: datetime) -> tuple[Clock, ...]:
    if not any(clock.kind == kind for clock in clocks):
        raise NoClockYet(f"has no {kind} clock yet")
    return tuple(clock.stop(at) if clock.kind == kind else clock for clock in clocks)
