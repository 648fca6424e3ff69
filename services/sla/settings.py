"""The sla service's settings, read from the environment once, when its container starts."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from nameko.extensions import DependencyProvider

from services.shared.config import env
from services.shared.events import utcnow
from services.sla.domain.calendars import CALENDARS, DEFAULT_CALENDAR
from services.sla.domain.holidays_tr import feasts_estimated

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlaSettings:
    calendar: str  # SLA_CALENDAR: the calendar new tickets' clocks count business time in


def load_settings() -> SlaSettings:
    """``SLA_CALENDAR``: ``office`` (Mon–Fri 09–18 Istanbul, Turkish holidays, the default) or ``24x7``."""
    calendar = env("SLA_CALENDAR", DEFAULT_CALENDAR)
    if calendar not in CALENDARS:
        log.warning("SLA_CALENDAR=%r is no calendar (%s): using %s", calendar, ", ".join(CALENDARS),
                    DEFAULT_CALENDAR)
        calendar = DEFAULT_CALENDAR
    return SlaSettings(calendar=calendar)


def estimated_feast_years(settings: SlaSettings, today: date) -> list[int]:
    """This year and the next, where the office calendar's feast days are estimates, not announced dates."""
    if settings.calendar != "office":
        return []
    return [year for year in (today.year, today.year + 1) if feasts_estimated(year)]


class Settings(DependencyProvider):
    """``self.settings`` of the service: :class:`SlaSettings`, loaded in ``setup()``, not at import or per call."""

    def setup(self):
        self.settings = load_settings()
        if years := estimated_feast_years(self.settings, utcnow().date()):
            log.warning("the feast days of %s are estimated, not announced: deadlines around them may be a day "
                        "off until the holidays package is upgraded", ", ".join(map(str, years)))

    def get_dependency(self, worker_ctx):
        return self.settings
