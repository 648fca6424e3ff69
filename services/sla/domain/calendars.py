"""Business calendars: when SLA time counts, and deadline arithmetic over it.

All arithmetic is done on UTC instants: Python subtracts two datetimes that
share a tzinfo by wall clock, which is an hour off across a DST change.
Istanbul has kept one offset since 2016, but a calendar may name any zone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone as tz
from functools import cache
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

from services.sla.domain.holidays_tr import turkish_holidays

MAX_DAYS = 3660  # a deadline more than ten years of days away is a configuration error
MIDNIGHT = time(0, 0)  # as a closing time: open until the end of the day
ONE_DAY = timedelta(days=1)
LONGEST = timedelta(days=MAX_DAYS)

Holidays = Callable[[int], dict[date, tuple[time, str]]]


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours per weekday in one time zone, minus holidays; or always open."""
    name: str
    timezone: str  # IANA name, e.g. "Europe/Istanbul"
    weekly_hours: dict[int, tuple[time, time]] = field(default_factory=dict)  # weekday 0=Mon → (start, end)
    holidays: Holidays | None = None
    always_open: bool = False
    closed_days: frozenset[date] = frozenset()  # days an owner closed besides the public holidays
    # Each local day's open hours as UTC instants, worked out once: deadline arithmetic runs for every
    # new ticket, and the time zone and holiday look-ups of a day cost more than the rest of it.
    _days: dict[date, tuple[datetime, datetime] | None] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        ZoneInfo(self.timezone)  # an unknown zone fails here, not at the first deadline
        for weekday, (opens, closes) in self.weekly_hours.items():
            if weekday not in range(7) or (closes != MIDNIGHT and closes <= opens):
                raise ValueError(f"calendar {self.name}: bad hours {opens}–{closes} on weekday {weekday}")

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment ``duration`` of business time after ``start``, in UTC.

        A zero duration is ``start`` itself, even out of hours: nothing is owed.
        """
        start = _utc(start)
        if duration < timedelta(0):
            raise ValueError(f"business time to add must not be negative, not {duration}")
        if self.always_open or not duration:
            return start + duration
        if not self.weekly_hours:
            raise ValueError(f"calendar {self.name} is never open")
        # open_intervals() walked by hand: this runs twice for every new ticket.
        zone, end, remaining, days = ZoneInfo(self.timezone), start + LONGEST, duration, self._days
        day = start.astimezone(zone).date()
        for _ in range(MAX_DAYS + 2):
            hours = days[day] if day in days else self._remember_day(day, zone)
            if hours:
                opens = start if start > hours[0] else hours[0]
                closes = end if end < hours[1] else hours[1]
                if opens < closes:
                    if remaining <= closes - opens:
                        return opens + remaining
                    remaining -= closes - opens
            day += ONE_DAY
        raise ValueError(f"calendar {self.name} has no room for {duration} within {MAX_DAYS} days")

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much business time lies between two moments (zero if ``end`` is earlier)."""
        start, end = _utc(start), _utc(end)
        if end <= start:
            return timedelta(0)
        if self.always_open:
            return end - start
        return sum((closes - opens for opens, closes in self.open_intervals(start, end)), timedelta(0))

    def open_intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open periods between ``start`` and ``end`` (clipped to them), as UTC pairs, earliest first."""
        start, end = _utc(start), _utc(end)
        zone = ZoneInfo(self.timezone)
        day, last_day = start.astimezone(zone).date(), end.astimezone(zone).date()
        days = self._days
        while day <= last_day:
            hours = days[day] if day in days else self._remember_day(day, zone)
            if hours:
                opens = start if start > hours[0] else hours[0]
                closes = end if end < hours[1] else hours[1]
                if opens < closes:
                    yield opens, closes
            day += ONE_DAY

    def _remember_day(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
        hours = self.hours_on(day)
        if hours:
            hours = _utc(datetime.combine(day, hours[0], zone)), _utc(_closing(day, hours[1], zone))
        self._days[day] = hours
        return hours

    def hours_on(self, day: date, holidays: dict[date, tuple[time, str]] | None = None
                 ) -> tuple[time, time] | None:
        """Opening and closing time on ``day`` in the calendar's zone; None when closed all day."""
        hours = self.weekly_hours.get(day.weekday())
        if day in self.closed_days:
            return None
        if hours is None or self.holidays is None:
            return hours
        holiday = (self.holidays(day.year) if holidays is None else holidays).get(day)
        if holiday is None:
            return hours
        # A half-day holiday shortens the day; one starting before opening time closes it.
        starts_at = holiday[0]
        if starts_at <= hours[0]:
            return None
        closes = starts_at if hours[1] == MIDNIGHT else min(hours[1], starts_at)
        return hours[0], closes


def calendar_24_7() -> BusinessCalendar:
    """Every minute counts: plain clock arithmetic."""
    return BusinessCalendar(name="24x7", timezone="Europe/Istanbul", always_open=True)


def calendar_turkish_office_hours() -> BusinessCalendar:
    """Mon–Fri 09:00–18:00 Europe/Istanbul, closed on Turkish public holidays (half days until 13:00)."""
    office = (time(9, 0), time(18, 0))
    return BusinessCalendar(name="office", timezone="Europe/Istanbul",
                            weekly_hours={weekday: office for weekday in range(5)}, holidays=turkish_holidays)


def calendar_from_settings(name: str, *, timezone: str = "Europe/Istanbul",
                           weekly_hours: dict[int, tuple[time, time]] | None = None, turkish_public_holidays: bool = True,
                           closed_days: frozenset[date] = frozenset(), always_open: bool = False) -> BusinessCalendar:
    """A department's calendar as its owner set it: hours per weekday (Mon–Fri 09–18 when none are given),
    Turkish public holidays and half days or not, extra closed days; or 24/7."""
    if always_open:
        return BusinessCalendar(name=name, timezone=timezone, always_open=True)
    hours = {weekday: (time(9, 0), time(18, 0)) for weekday in range(5)} if weekly_hours is None else weekly_hours
    return BusinessCalendar(name=name, timezone=timezone, weekly_hours=dict(hours), closed_days=frozenset(closed_days),
                            holidays=turkish_holidays if turkish_public_holidays else None)


CALENDARS = {"24x7": calendar_24_7, "office": calendar_turkish_office_hours}
DEFAULT_CALENDAR = "office"


@cache
def calendar_named(name: str) -> BusinessCalendar:
    """One calendar per name for the process (it remembers the open hours of the days it has seen);
    a name no calendar has is the default one."""
    return CALENDARS.get(name, CALENDARS[DEFAULT_CALENDAR])()


def _closing(day: date, closes: time, zone: ZoneInfo) -> datetime:
    if closes == MIDNIGHT:
        return datetime.combine(day + timedelta(days=1), MIDNIGHT, zone)
    return datetime.combine(day, closes, zone)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is tz.utc:
        return moment
    # A naive datetime would silently be read as the server's local time.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"SLA times must carry a time zone, not {moment!r}")
    return moment.astimezone(tz.utc)
