"""Turkish public holidays: fixed national days and the moving religious feasts.

The feasts follow the lunar calendar; their first days come from the Diyanet
calendar and must be extended for years after the last one listed.
"""
from __future__ import annotations

from datetime import date, time, timedelta
from functools import lru_cache

FULL_DAY = time(0, 0)
AFTERNOON = time(13, 0)  # half days (arife, 28 Ekim) close at 13:00

FIXED = [((1, 1), "Yılbaşı"), ((4, 23), "Ulusal Egemenlik ve Çocuk Bayramı"),
         ((5, 1), "Emek ve Dayanışma Günü"), ((5, 19), "Atatürk'ü Anma, Gençlik ve Spor Bayramı"),
         ((7, 15), "Demokrasi ve Millî Birlik Günü"), ((8, 30), "Zafer Bayramı"),
         ((10, 29), "Cumhuriyet Bayramı")]
RAMAZAN_BAYRAMI = {2024: date(2024, 4, 10), 2025: date(2025, 3, 30), 2026: date(2026, 3, 20),
                   2027: date(2027, 3, 9), 2028: date(2028, 2, 26), 2029: date(2029, 2, 14),
                   2030: date(2030, 2, 4)}
KURBAN_BAYRAMI = {2024: date(2024, 6, 16), 2025: date(2025, 6, 6), 2026: date(2026, 5, 27),
                  2027: date(2027, 5, 16), 2028: date(2028, 5, 5), 2029: date(2029, 4, 24),
                  2030: date(2030, 4, 13)}


@lru_cache(maxsize=64)
def turkish_holidays(year: int) -> dict[date, tuple[time, str]]:
    """date → (time the holiday starts that day, name); full days start at 00:00."""
    days = {date(year, month, day): (FULL_DAY, name) for (month, day), name in FIXED}
    days[date(year, 10, 28)] = (AFTERNOON, "Cumhuriyet Bayramı arifesi")
    for feasts, length, name in ((RAMAZAN_BAYRAMI, 3, "Ramazan Bayramı"), (KURBAN_BAYRAMI, 4, "Kurban Bayramı")):
        first = feasts.get(year)
        if first is None:
            continue
        days.setdefault(first - timedelta(days=1), (AFTERNOON, f"{name} arifesi"))
        for offset in range(length):
            days[first + timedelta(days=offset)] = (FULL_DAY, name)
    return days
