"""A department's calendar as an owner writes it, read into a :class:`BusinessCalendar` and written back.

Wire form::

    {"always_open": false, "timezone": "Europe/Istanbul", "turkish_public_holidays": true,
     "hours": {"monday": {"opens": "09:00", "closes": "18:00"}, ..., "sunday": null},
     "closed_days": ["2026-12-31"]}

``closes`` ``"24:00"`` keeps the day open to midnight. Refusals name the field, in Turkish and English.
"""
from __future__ import annotations

import re
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.shared.errors import InvalidInput
from services.sla.domain.calendars import MIDNIGHT, BusinessCalendar, calendar_from_settings

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FIELDS = ("always_open", "timezone", "turkish_public_holidays", "hours", "closed_days")
MOST_CLOSED_DAYS = 1000
# ASCII digits only, the whole string: Python's \d takes other scripts' digits and $ a trailing newline.
_OPENS = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_CLOSES = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]|24:00")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

DEFAULT_SETTINGS = {"always_open": False, "timezone": "Europe/Istanbul", "turkish_public_holidays": True,
                    "hours": {day: ({"opens": "09:00", "closes": "18:00"} if index < 5 else None)
                              for index, day in enumerate(WEEKDAYS)},
                    "closed_days": []}


def read_calendar_settings(payload) -> dict:
    """The settings in their canonical wire form, every field present; raises InvalidInput naming the field."""
    if not isinstance(payload, dict):
        raise InvalidInput("Takvim bir nesne olmalı / the calendar must be an object", "body")
    for name in payload:
        if name not in FIELDS:
            raise InvalidInput(f"Bilinmeyen alan / unknown field: {str(name)[:50]}", str(name)[:100])
    settings = {**DEFAULT_SETTINGS, **payload}
    for flag in ("always_open", "turkish_public_holidays"):
        if not isinstance(settings[flag], bool):
            raise InvalidInput(f"{flag} doğru/yanlış olmalı / must be true or false", flag)
    settings["timezone"] = _zone(settings["timezone"])
    settings["hours"] = _hours(settings["hours"], settings["always_open"])
    settings["closed_days"] = _closed_days(settings["closed_days"])
    return settings


def calendar_of(name: str, settings: dict) -> BusinessCalendar:
    """The business calendar of settings already read by :func:`read_calendar_settings`."""
    hours = {index: (_time(day["opens"]), _time(day["closes"]))
             for index, day in enumerate(settings["hours"][name] for name in WEEKDAYS) if day}
    return calendar_from_settings(name, timezone=settings["timezone"], weekly_hours=hours,
                                  turkish_public_holidays=settings["turkish_public_holidays"],
                                  closed_days=frozenset(date.fromisoformat(d) for d in settings["closed_days"]),
                                  always_open=settings["always_open"])


def _zone(value) -> str:
    if isinstance(value, str) and 0 < len(value) <= 64:
        try:
            ZoneInfo(value)
            return value
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise InvalidInput("Saat dilimi bir IANA adı olmalı (ör. Europe/Istanbul) / timezone must be an IANA name "
                       "such as Europe/Istanbul", "timezone")


def _hours(value, always_open: bool) -> dict:
    if not isinstance(value, dict):
        raise InvalidInput("Çalışma saatleri gün başına bir nesne olmalı / hours must be an object by weekday",
                           "hours")
    for name in value:
        if name not in WEEKDAYS:
            raise InvalidInput("Gün adı monday … sunday olmalı / hours are given by weekday, monday to sunday",
                               f"hours.{str(name)[:50]}")
    hours = {name: _day(value.get(name), f"hours.{name}") for name in WEEKDAYS}
    if not always_open and not any(hours.values()):
        raise InvalidInput("En az bir gün açık olmalı / at least one weekday must have working hours", "hours")
    return hours


def _day(value, field: str) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"opens", "closes"}:
        raise InvalidInput("Gün {\"opens\", \"closes\"} ya da null olmalı / a day is {\"opens\", \"closes\"} "
                           "or null when closed", field)
    for end, pattern in (("opens", _OPENS), ("closes", _CLOSES)):
        if not isinstance(value[end], str) or not pattern.fullmatch(value[end]):
            raise InvalidInput("Saat SS:DD biçiminde olmalı / a time is HH:MM", f"{field}.{end}")
    closes = _time(value["closes"])
    if closes != MIDNIGHT and closes <= _time(value["opens"]) or value["closes"] == "00:00":
        raise InvalidInput("Kapanış açılıştan sonra olmalı / closes must be after opens (24:00 for midnight)",
                           f"{field}.closes")
    return {"opens": value["opens"], "closes": value["closes"]}


def _closed_days(value) -> list[str]:
    if not isinstance(value, list) or len(value) > MOST_CLOSED_DAYS:
        raise InvalidInput(f"Kapalı günler en çok {MOST_CLOSED_DAYS} tarihlik bir liste olmalı / closed_days must "
                           f"be a list of at most {MOST_CLOSED_DAYS} dates", "closed_days")
    days = set()
    for index, day in enumerate(value):
        try:
            if not isinstance(day, str) or not _ISO_DATE.fullmatch(day):
                raise ValueError(day)
            days.add(date.fromisoformat(day))
        except ValueError:
            raise InvalidInput("Tarih YYYY-AA-GG biçiminde olmalı / a date is YYYY-MM-DD",
                               f"closed_days.{index}") from None
    return [day.isoformat() for day in sorted(days)]


def _time(value: str) -> time:
    return MIDNIGHT if value == "24:00" else time.fromisoformat(value)
