"""The sla service's settings, read from the environment once, when its container starts."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from nameko.extensions import DependencyProvider

from services.shared.config import env
from services.sla.domain.calendars import CALENDARS, DEFAULT_CALENDAR

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


class Settings(DependencyProvider):
    """``self.settings`` of the service: :class:`SlaSettings`, loaded in ``setup()``, not at import or per call."""

    def setup(self):
        self.settings = load_settings()

    def get_dependency(self, worker_ctx):
        return self.settings
