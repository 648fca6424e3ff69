"""Business calendars: when SLA time counts, and deadline arithmetic over it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

from services.sla.domain.holidays_tr import turkish_holidays

MAX_DAYS = 3660  # a deadline more than ten years of business days away is a configuration error


@dataclass(frozen=True)
class BusinessCalendar:
    name: str
    timezone: str
    weekly_hours: dict[int, tuple[time, time]] = field(default_factory=dict)  # weekday 0=Mon → (start, end)
    holidays: Callable[[int], dict[date, tuple[time, str]]] | None = None
    always_open: bool = False

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment ``duration`` of business time after ``start`` (UTC)."""
        if self.always_open:
            return (start + duration).astimezone(timezone.utc)
        remaining = duration
        for opens, closes in self._open_intervals(start):
            available = closes - opens
            if remaining <= available:
                return (opens + remaining).astimezone(timezone.utc)
            remaining -= available
        raise ValueError(f"calendar {self.name} has no business time for {duration}")

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much business time lies between two moments (zero if ``end`` is earlier)."""
        if end <= start:
            return timedelta(0)
        if self.always_open:
            return end - start
        total = timedelta(0)
        for opens, closes in self._open_intervals(start):
            if opens >= end:
                break
            total += min(closes, end) - opens
        return total

    def _open_intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open periods from ``start`` on, clipped to begin no earlier than it."""
        zone = ZoneInfo(self.timezone)
        local_start = start.astimezone(zone)
        day = local_start.date()
        for _ in range(MAX_DAYS):
            hours = self._hours_on(day)
            if hours:
                opens = max(datetime.combine(day, hours[0], zone), local_start)
                closes = datetime.combine(day, hours[1], zone)
                if opens < closes:
                    yield opens, closes
            day += timedelta(days=1)

    def _hours_on(self, day: date) -> tuple[time, time] | None:
        hours = self.weekly_hours.get(day.weekday())
        holiday = self.holidays(day.year).get(day) if (hours and self.holidays) else None
        if hours is None or holiday is None:
            return hours
        starts_at = holiday[0]
        return (hours[0], min(hours[1], starts_at)) if starts_at > hours[0] else None


def calendar_24_7() -> BusinessCalendar:
    return BusinessCalendar(name="24x7", timezone="Europe/Istanbul", always_open=True)


def calendar_turkish_office_hours() -> BusinessCalendar:
    """Mon–Fri 09:00–18:00 Europe/Istanbul, closed on Turkish public holidays (half days until 13:00)."""
    office = (time(9, 0), time(18, 0))
    return BusinessCalendar(name="office", timezone="Europe/Istanbul",
                            weekly_hours={weekday: office for weekday in range(5)}, holidays=turkish_holidays)
