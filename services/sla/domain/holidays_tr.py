"""Turkish public holidays (2429 sayılı Ulusal Bayram ve Genel Tatiller Hakkında Kanun).

Fixed national days, the 28 Ekim afternoon, and the two religious feasts with
the afternoon of their eve (arife). The feasts follow the lunar calendar, so
their first days are listed per year and must be extended for years after the
last one listed (``feasts_known_for`` lets a health check warn in time).
Administrative leave days the government adds to bridge a feast to a weekend
(idari izin) are not public holidays and are not listed: private employers
need not give them.
"""
from __future__ import annotations

from datetime import date, time, timedelta
from functools import lru_cache

FULL_DAY = time(0, 0)
AFTERNOON = time(13, 0)  # half days (arife, 28 Ekim) are holidays from 13:00 on

FIXED = [((1, 1), "Yılbaşı"), ((4, 23), "Ulusal Egemenlik ve Çocuk Bayramı"),
         ((5, 1), "Emek ve Dayanışma Günü"), ((5, 19), "Atatürk'ü Anma, Gençlik ve Spor Bayramı"),
         ((7, 15), "Demokrasi ve Millî Birlik Günü"), ((8, 30), "Zafer Bayramı"),
         ((10, 29), "Cumhuriyet Bayramı")]
REPUBLIC_DAY_EVE = ((10, 28), "Cumhuriyet Bayramı arifesi")

# First days of the feasts from Diyanet's calendar. 2024–2026 are the officially announced dates;
# 2027–2030 come from Diyanet's pre-computed Hijri calendar (Istanbul 2016 criteria) and agree with
# the astronomical new moons, but a one-day shift cannot be ruled out before the official annual list.
RAMAZAN_BAYRAMI = {2024: date(2024, 4, 10), 2025: date(2025, 3, 30), 2026: date(2026, 3, 20),
                   2027: date(2027, 3, 9), 2028: date(2028, 2, 26), 2029: date(2029, 2, 14),
                   2030: date(2030, 2, 4)}
KURBAN_BAYRAMI = {2024: date(2024, 6, 16), 2025: date(2025, 6, 6), 2026: date(2026, 5, 27),
                  2027: date(2027, 5, 16), 2028: date(2028, 5, 5), 2029: date(2029, 4, 24),
                  2030: date(2030, 4, 13)}
FEASTS = ((RAMAZAN_BAYRAMI, 3, "Ramazan Bayramı"), (KURBAN_BAYRAMI, 4, "Kurban Bayramı"))


def turkish_holidays(year: int) -> dict[date, tuple[time, str]]:
    """date → (time the holiday starts that day, name); full days start at 00:00, half days at 13:00."""
    # A fresh dict each call: the cached table must not be changed by a caller.
    return dict(_holidays(year))


def feasts_known_for(year: int) -> bool:
    """Whether the religious feasts of ``year`` are listed (else only the fixed days are holidays)."""
    return year in RAMAZAN_BAYRAMI and year in KURBAN_BAYRAMI


@lru_cache(maxsize=64)
def _holidays(year: int) -> tuple[tuple[date, tuple[time, str]], ...]:
    days = {date(year, month, day): (FULL_DAY, name) for (month, day), name in FIXED}
    (month, day), name = REPUBLIC_DAY_EVE
    days[date(year, month, day)] = (AFTERNOON, name)
    for feast_day, (starts, name) in _feast_days_around(year):
        if feast_day.year != year:
            continue
        if starts == FULL_DAY:
            days[feast_day] = (starts, name)
        else:
            # An eve that is already a full holiday (23 Nisan before Kurban Bayramı 2029) stays a full day.
            days.setdefault(feast_day, (starts, name))
    return tuple(sorted(days.items()))


def _feast_days_around(year: int):
    # Neighbouring years too: a feast starting on 31 December (or its eve) spills across New Year.
    for feasts, length, name in FEASTS:
        for first in filter(None, (feasts.get(y) for y in (year - 1, year, year + 1))):
            yield first - timedelta(days=1), (AFTERNOON, f"{name} arifesi")
            for offset in range(length):
                yield first + timedelta(days=offset), (FULL_DAY, name)
