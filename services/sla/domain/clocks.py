"""An SLA clock as a value: started, paused while waiting on the customer, stopped; read against a calendar.

The clock is immutable: ``pause``, ``resume`` and ``stop`` return a new clock,
so a handler can compare before and after and nothing changes behind its back.
Changes need no calendar: the clock keeps the moments it was paused and
stopped, and only reading it (deadline, remaining time, state) converts them
into business time. That keeps the rules in one place, lets a clock be read
under another calendar, and means a pause that begins after the deadline has
passed cannot move the deadline, however long it lasts.

Transitions are idempotent and forgiving of late events: pausing a paused
clock, resuming a running one, or touching a stopped one changes nothing, and
a moment earlier than the clock's last change is taken as that change's moment.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from services.sla.domain.calendars import BusinessCalendar

KINDS = ("first_response", "resolution", "next_update")
RUNNING, WARNING, BREACHED, PAUSED, MET, MISSED = "running", "warning", "breached", "paused", "met", "missed"
ZERO = timedelta(0)


@dataclass(frozen=True)
class Clock:
    """One deadline of one ticket: ``target`` of business time from ``started_at``, minus pauses."""
    kind: str  # first_response | resolution | next_update
    started_at: datetime
    target: timedelta
    paused_since: datetime | None = None
    pauses: tuple[tuple[datetime, datetime], ...] = ()  # finished pauses, earliest first
    stopped_at: datetime | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"clock kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.target < ZERO:
            raise ValueError(f"an SLA target must not be negative, not {self.target}")
        if self.started_at.tzinfo is None:
            raise ValueError(f"SLA times must carry a time zone, not {self.started_at!r}")

    @classmethod
    def start(cls, kind: str, target: timedelta, now: datetime) -> Clock:
        """A clock running from ``now``."""
        return cls(kind=kind, started_at=now, target=target)

    @property
    def running(self) -> bool:
        """Counting time: neither paused nor stopped."""
        return self.stopped_at is None and self.paused_since is None

    def pause(self, now: datetime) -> Clock:
        """The ticket waits on the customer: business time stops counting from ``now``."""
        if not self.running:
            return self
        return replace(self, paused_since=self._not_before_last_change(now))

    def resume(self, now: datetime) -> Clock:
        """The customer answered: business time counts again from ``now``."""
        if self.stopped_at is not None or self.paused_since is None:
            return self
        pause = (self.paused_since, max(now, self.paused_since))
        return replace(self, paused_since=None, pauses=self.pauses + (pause,))

    def stop(self, now: datetime) -> Clock:
        """The response was given or the ticket solved; a paused clock's pause ends here too."""
        if self.stopped_at is not None:
            return self
        clock = self.resume(now)
        return replace(clock, stopped_at=clock._not_before_last_change(now))

    def used(self, calendar: BusinessCalendar, now: datetime) -> timedelta:
        """Business time counted so far (up to ``now`` or the stop), pauses left out."""
        end = min(now, self.stopped_at) if self.stopped_at is not None else now
        if end <= self.started_at:
            return ZERO
        total = calendar.business_time_between(self.started_at, end)
        for paused_from, paused_until in self._pauses_until(end):
            total -= calendar.business_time_between(paused_from, min(paused_until, end))
        return total

    def remaining(self, calendar: BusinessCalendar, now: datetime) -> timedelta:
        """Business time left before the deadline; negative once it has passed."""
        return self.target - self.used(calendar, now)

    def due_at(self, calendar: BusinessCalendar) -> datetime | None:
        """The deadline (UTC); None while paused short of it: it depends on when the customer answers."""
        moment, left = self.started_at, self.target
        for paused_from, paused_until in self._pauses_until(None):
            deadline = calendar.add_business_time(moment, left)
            if deadline <= paused_from:
                return deadline
            if paused_until is None:
                return None
            left -= calendar.business_time_between(moment, paused_from)
            moment = paused_until
        return calendar.add_business_time(moment, left)

    def state(self, calendar: BusinessCalendar, now: datetime, warn_before: timedelta = ZERO) -> str:
        """``running``, ``warning``, ``breached``, ``paused``, ``met`` or ``missed`` (stopped too late)."""
        # warn_before is business time too: a clock with 20 minutes left on Friday evening
        # is still 20 minutes from its breach on Monday morning.
        if self.stopped_at is not None:
            return MET if self.remaining(calendar, self.stopped_at) >= ZERO else MISSED
        left = self.remaining(calendar, now)
        if left <= ZERO:
            return BREACHED  # even while paused: a pause after the deadline does not undo the breach
        if self.paused_since is not None:
            return PAUSED
        return WARNING if left <= warn_before else RUNNING

    def _pauses_until(self, end: datetime | None) -> list[tuple[datetime, datetime | None]]:
        """Finished pauses plus the current one (ending at ``end``: None means open-ended)."""
        current = [(self.paused_since, end)] if self.paused_since is not None else []
        return [*self.pauses, *current]

    def _not_before_last_change(self, now: datetime) -> datetime:
        # Events can arrive late or out of order; time must not run backwards inside the clock.
        last = self.pauses[-1][1] if self.pauses else self.started_at
        return max(now, last)
