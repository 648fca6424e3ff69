"""Turkish public holidays (2429 sayılı Ulusal Bayram ve Genel Tatiller Hakkında Kanun), from ``holidays``.

The fixed national days, the 28 Ekim afternoon, and the two religious feasts
with the afternoon of their eve (arife) come from the ``holidays`` package
(pinned in pyproject): its Turkish calendar holds Diyanet's announced feast
dates for the years it confirms and computes the rest, marking those
"tahmini" (estimated), so no year runs out. Full days are its ``PUBLIC``
category, the afternoons from 13:00 its ``HALF_DAY`` one. Administrative
leave days the government adds to bridge a feast to a weekend (idari izin)
are not public holidays and are in neither: private employers need not give them.
"""
from __future__ import annotations

from datetime import date, time
from functools import lru_cache

from holidays.constants import HALF_DAY, PUBLIC
from holidays.countries.turkey import Turkey

FULL_DAY = time(0, 0)
AFTERNOON = time(13, 0)  # half days (arife, 28 Ekim) are holidays from 13:00 on


def turkish_holidays(year: int) -> dict[date, tuple[time, str]]:
    """date → (time the holiday starts that day, name); full days start at 00:00, half days at 13:00."""
    # A fresh dict each call: the cached table must not be changed by a caller.
    return dict(_holidays(year))


def feasts_estimated(year: int) -> bool:
    """Whether the feasts of ``year`` are computed rather than announced dates (they may move by a day)."""
    return any(name != plain for name, plain in zip(_names(year, estimated_label=True),
                                                    _names(year, estimated_label=False)))


@lru_cache(maxsize=64)
def _holidays(year: int) -> tuple[tuple[date, tuple[time, str]], ...]:
    days = {day: (AFTERNOON, name) for day, name in _calendar(year, HALF_DAY).items()}
    # An eve that is also a full holiday (23 Nisan before Kurban Bayramı 2029) stays a full day.
    days.update((day, (FULL_DAY, name)) for day, name in _calendar(year, PUBLIC).items())
    return tuple(sorted(days.items()))


def _calendar(year: int, category: str, estimated_label: bool = True) -> Turkey:
    return Turkey(years=year, categories=(category,), language="tr", islamic_show_estimated=estimated_label)


@lru_cache(maxsize=64)
def _names(year: int, estimated_label: bool) -> tuple[str, ...]:
    calendar = _calendar(year, PUBLIC, estimated_label)
    return tuple(calendar[day] for day in sorted(calendar))
