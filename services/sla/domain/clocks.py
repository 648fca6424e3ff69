"""SLA clocks as values: a deadline in business time, moved by waiting on the customer, kept once stopped.

A clock keeps its deadline (``due_at``), not its history: pausing notes when
the ticket began to wait on the customer, and resuming moves the deadline by
the business time the wait lasted. A pause that begins after the deadline
has passed moves nothing, however long it lasts: waiting cannot undo a breach.
The warning instant (``warn_at``, a share of the target in) moves with it.

Each clock runs in episodes: the resolution clock starts again when a resolved
ticket is reopened, the next-update clock at each public answer. An episode
publishes its warning and its breach at most once each (``warned_at``,
``breached_at``); a new episode may publish them again. ``next_due()`` is the
one instant the timer has to look at the clock, stored and indexed, so the
timer's cost follows the clocks that are due, not those that exist.
Every change returns a new clock; the ticket-level rules (a reply, a status,
a priority) take a ticket's clocks and return them changed.

The clock carries its calendar, so reading and changing it need nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from services.shared.contracts.tickets import FINISHED_STATUSES
from services.sla.domain.calendars import BusinessCalendar
from services.sla.domain.policies import (DEFAULT_WARN_SHARE, FIRST_RESPONSE, KINDS, NEXT_UPDATE, ON_HOLD,
                                          RESOLUTION, WAITING_ON_CUSTOMER, SlaPolicy, SlaTargets)

RUNNING, PAUSED, BREACHED, MET, MISSED = "running", "paused", "breached", "met", "missed"
FINISHED = FINISHED_STATUSES
WARNING, BREACH = "warning", "breach"
ZERO = timedelta(0)


class NoClockYet(LookupError):
    """The ticket has no such clock yet: its ``ticket_created`` has not been applied."""


@dataclass(frozen=True, slots=True)
class Clock:
    """One deadline of one ticket: ``target`` of business time from ``started_at``, plus waits."""
    ticket_number: str
    kind: str  # first_response | resolution | next_update
    priority: int
    calendar: BusinessCalendar
    target: timedelta
    started_at: datetime
    due_at: datetime
    paused_since: datetime | None = None
    stopped_at: datetime | None = None
    breached_at: datetime | None = None  # when its breach was published (this episode)
    warn_at: datetime | None = None  # when its warning is due; None: no warning
    warned_at: datetime | None = None  # when its warning was published (this episode)
    pauses_on_hold: bool = False  # its policy pauses it while the ticket is on hold
    warn_share: float = DEFAULT_WARN_SHARE

    @classmethod
    def start(cls, ticket_number: str, kind: str, *, priority: int, target: timedelta, started_at: datetime,
              calendar: BusinessCalendar, pauses_on_hold: bool = False,
              warn_share: float = DEFAULT_WARN_SHARE) -> Clock:
        """A clock running from ``started_at``, due ``target`` of business time later."""
        if kind not in KINDS:
            raise ValueError(f"clock kind must be one of {', '.join(KINDS)}, not {kind!r}")
        # add_business_time refuses a negative target and a time without a zone
        return cls(ticket_number, kind, priority, calendar, target, started_at,
                   calendar.add_business_time(started_at, target),
                   warn_at=calendar.add_business_time(started_at, target * warn_share),
                   pauses_on_hold=pauses_on_hold, warn_share=warn_share)

    def restart(self, at: datetime) -> Clock:
        """A new episode from ``at`` with the same target: warning and breach may come again; a pause stays."""
        fresh = Clock.start(self.ticket_number, self.kind, priority=self.priority, target=self.target,
                            started_at=at, calendar=self.calendar, pauses_on_hold=self.pauses_on_hold,
                            warn_share=self.warn_share)
        return replace(fresh, paused_since=at) if self.paused_since is not None and self.stopped_at is None \
            else fresh

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
        if not paused:
            return replace(self, paused_since=None)
        warn_at = self.warn_at
        if warn_at is not None and self.warned_at is None and self.paused_since < warn_at:
            warn_at = self.calendar.add_business_time(warn_at, paused)
        return replace(self, due_at=self.calendar.add_business_time(self.due_at, paused), warn_at=warn_at,
                       paused_since=None)

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
        paused = max(self.calendar.business_time_between(self.started_at, self.due_at) - self.target, ZERO)
        due_at = self.calendar.add_business_time(self.started_at, target + paused)
        warn_at = self.calendar.add_business_time(self.started_at, target * self.warn_share + paused)
        breached_at = None if self.breached_at is not None and due_at > at else self.breached_at
        warned_at = None if self.warned_at is not None and warn_at > at else self.warned_at
        return replace(self, priority=priority, target=target, due_at=due_at, breached_at=breached_at,
                       warn_at=warn_at, warned_at=warned_at)

    def next_due(self) -> datetime | None:
        """The next instant the timer has something to publish for this clock; None while nothing can come."""
        if not self.running or self.breached_at is not None:
            return None
        if self.warned_at is None and self.warn_at is not None and self.warn_at < self.due_at:
            return self.warn_at
        return self.due_at

    def alerts_due(self, now: datetime) -> tuple[str, ...]:
        """What to publish at ``now``: ``warning`` and/or ``breach``, each once per episode."""
        due = self.next_due()
        if due is None or due > now:
            return ()
        warning = (WARNING,) if self.warned_at is None and self.warn_at is not None else ()
        return warning + ((BREACH,) if self.due_at <= now else ())

    def alerted(self, alerts: tuple[str, ...], now: datetime) -> Clock:
        """The clock once ``alerts`` are published at ``now``."""
        return replace(self, warned_at=now if WARNING in alerts else self.warned_at,
                       breached_at=now if BREACH in alerts else self.breached_at)

    def overdue(self, now: datetime) -> bool:
        """Running past its deadline, and its breach not published yet."""
        return self.running and self.breached_at is None and self.due_at <= now

    def breach(self, now: datetime) -> Clock:
        """Its breach is published (at ``now``), once: it is no longer overdue; a warning not sent yet is moot."""
        return replace(self, breached_at=now, warned_at=self.warned_at or now)

    def late_by(self, now: datetime) -> timedelta:
        """How far past its deadline the clock is at ``now`` (zero before it)."""
        return max(now - self.due_at, ZERO)

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
                 policy: SlaPolicy | dict[int, SlaTargets] | None = None) -> tuple[Clock, ...]:
    """Every clock of a new ticket, with its priority's targets and its policy's pause and warning settings."""
    policy = _policy(policy)
    return tuple(Clock.start(ticket_number, kind, priority=priority, target=target, started_at=started_at,
                             calendar=calendar, pauses_on_hold=policy.pause_on_hold, warn_share=policy.warn_share)
                 for kind, target in policy.targets_for(priority).clocks())


def after_reply(clocks: tuple[Clock, ...], *, at: datetime) -> tuple[Clock, ...]:
    """A public answer stops the first-response clock and starts the next-update clock's next episode
    (unless the ticket is solved: its next-update clock is stopped then)."""
    clocks = _stopped(clocks, FIRST_RESPONSE, at)
    return tuple(clock.restart(at) if clock.kind == NEXT_UPDATE and clock.stopped_at is None else clock
                 for clock in clocks)


def after_status_change(clocks: tuple[Clock, ...], *, status: str, at: datetime) -> tuple[Clock, ...]:
    """Waiting on the customer (and on hold, where the policy says so) pauses the clocks, any other status
    resumes them; resolved or closed stops the resolution and next-update clocks, a reopen restarts them."""
    if status in FINISHED:
        clocks = tuple(clock.resume(at) for clock in clocks)
        return _stopped(_stopped(clocks, RESOLUTION, at), NEXT_UPDATE, at, required=False)
    if not clocks:
        raise NoClockYet("has no clocks yet")
    return tuple(_reopened(clock, at).pause(at) if _pauses(clock, status) else _reopened(clock, at).resume(at)
                 for clock in clocks)


def after_priority_change(clocks: tuple[Clock, ...], *, priority: int, at: datetime,
                          policy: SlaPolicy | dict[int, SlaTargets] | None = None) -> tuple[Clock, ...]:
    """Each clock takes the new priority's target (see :meth:`Clock.retarget`)."""
    if not clocks:
        raise NoClockYet("has no clocks yet")
    targets = dict(_policy(policy).targets_for(priority).clocks())
    changed = tuple(clock.retarget(priority, targets[clock.kind], at) if clock.kind in targets
                    else replace(clock.stop(at), priority=priority) for clock in clocks)  # "as needed": no count
    update = _update_clock_from(changed, priority, targets, at)
    if update is None:
        return changed
    return tuple(clock for clock in changed if clock.kind != NEXT_UPDATE) + (update,)


def _update_clock_from(clocks: tuple[Clock, ...], priority: int, targets: dict, at: datetime) -> Clock | None:
    # A ticket raised from a priority without an update cadence starts counting updates now, while unsolved.
    resolution = next((clock for clock in clocks if clock.kind == RESOLUTION), None)
    update = next((clock for clock in clocks if clock.kind == NEXT_UPDATE), None)
    if NEXT_UPDATE not in targets or resolution is None or resolution.stopped_at is not None \
            or (update is not None and update.stopped_at is None):
        return None
    update = Clock.start(resolution.ticket_number, NEXT_UPDATE, priority=priority, target=targets[NEXT_UPDATE],
                         started_at=at, calendar=resolution.calendar, pauses_on_hold=resolution.pauses_on_hold,
                         warn_share=resolution.warn_share)
    return update.pause(at) if resolution.paused_since is not None else update


def _pauses(clock: Clock, status: str) -> bool:
    return status == WAITING_ON_CUSTOMER or (clock.pauses_on_hold and status == ON_HOLD)


def _reopened(clock: Clock, at: datetime) -> Clock:
    # Only the resolution and next-update clocks stop with the ticket; the first response stays answered.
    if clock.stopped_at is not None and clock.kind in (RESOLUTION, NEXT_UPDATE):
        return replace(clock.restart(at), stopped_at=None, paused_since=None)
    return clock


def _policy(policy: SlaPolicy | dict[int, SlaTargets] | None) -> SlaPolicy:
    if isinstance(policy, SlaPolicy):
        return policy
    return SlaPolicy() if policy is None else SlaPolicy(targets=policy)


def _stopped(clocks: tuple[Clock, ...], kind: str, at: datetime, required: bool = True) -> tuple[Clock, ...]:
    if required and not any(clock.kind == kind for clock in clocks):
        raise NoClockYet(f"has no {kind} clock yet")
    return tuple(clock.stop(at) if clock.kind == kind else clock for clock in clocks)
