"""The policies and calendars owners set, per department, and the ones a department without its own gets.

Department 0 holds the organisation's default; a department with no row of its
own takes it, and without that the built-in policy (``DEFAULT_SLA_POLICY``)
and the calendar of ``SLA_CALENDAR``. New clocks take their department's
policy and calendar; running clocks keep the policy they started with (their
targets, pause and warning settings are on the clock) and count in their
calendar as it is now, by name (``department:<id>``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.shared.errors import Forbidden
from services.sla.domain.calendar_settings import DEFAULT_SETTINGS, calendar_of, read_calendar_settings
from services.sla.domain.calendars import BusinessCalendar, calendar_named
from services.sla.domain.policies import DEFAULT_SLA_POLICY, SlaPolicy, policy_from_wire, policy_to_wire
from services.sla.models import CalendarRow, SlaPolicyRow

DEFAULT = 0
PREFIX = "department:"


@dataclass(frozen=True)
class Rulebook:
    """What the owners set, read once for a batch of events or one request."""
    policies: dict[int, SlaPolicy]
    calendars: dict[int, BusinessCalendar]
    fallback_calendar: str  # SLA_CALENDAR

    def policy_for(self, department_id: int | None) -> SlaPolicy:
        """The department's own policy, else the default one."""
        return self.policies.get(department_id) or self.policies.get(DEFAULT) or DEFAULT_SLA_POLICY

    def calendar_for(self, department_id: int | None) -> BusinessCalendar:
        """The department's own calendar, else the default one."""
        return self.calendars.get(department_id) or self.calendars.get(DEFAULT) or \
            calendar_named(self.fallback_calendar)

    def calendar_named(self, name: str) -> BusinessCalendar:
        """The calendar a clock names; a department's that is gone counts as the default one."""
        if name.startswith(PREFIX):
            department_id = int(name[len(PREFIX):])
            return self.calendars.get(department_id) or self.calendar_for(DEFAULT)
        return calendar_named(name)


def load_rulebook(session: Session, fallback_calendar: str) -> Rulebook:
    """Every department's policy and calendar (a handful of rows)."""
    policies = {row.department_id: policy_from_wire(row.settings) for row in session.scalars(select(SlaPolicyRow))}
    calendars = {row.department_id: _calendar(row.department_id, json.dumps(row.settings, sort_keys=True))
                 for row in session.scalars(select(CalendarRow))}
    return Rulebook(policies, calendars, fallback_calendar)


def describe_policies(session: Session) -> dict:
    """``{"default": {policy}, "departments": {"5": {policy}}}``: the default and each department's own."""
    rules = load_rulebook(session, "office")
    return {"default": policy_to_wire(rules.policy_for(DEFAULT)),
            "departments": {str(d): policy_to_wire(p) for d, p in sorted(rules.policies.items()) if d != DEFAULT}}


def describe_policy(session: Session, department_id: int) -> dict:
    """The policy new tickets of the department get; ``inherited`` when it is the default one."""
    rules = load_rulebook(session, "office")
    return {"department_id": department_id, "inherited": department_id not in rules.policies,
            **policy_to_wire(rules.policy_for(department_id))}


def set_policy(session: Session, viewer: dict, department_id: int, payload, now: datetime) -> dict:
    """An owner sets the policy (fields left out stay as they are); it applies to clocks started from now on."""
    _owner_only(viewer)
    policy = policy_from_wire(payload, base=load_rulebook(session, "office").policy_for(department_id))
    _upsert(session, SlaPolicyRow, department_id, policy_to_wire(policy), viewer, now)
    return describe_policy(session, department_id)


def describe_calendar(session: Session, department_id: int) -> dict:
    """The department's working calendar; ``inherited`` when it has none of its own."""
    own = session.get(CalendarRow, department_id)
    default = own or session.get(CalendarRow, DEFAULT)
    return {"department_id": department_id, "inherited": own is None,
            **(default.settings if default is not None else DEFAULT_SETTINGS)}


def set_calendar(session: Session, viewer: dict, department_id: int, payload, now: datetime) -> dict:
    """An owner sets the whole calendar; running clocks count in it from now on."""
    _owner_only(viewer)
    _upsert(session, CalendarRow, department_id, read_calendar_settings(payload), viewer, now)
    return describe_calendar(session, department_id)


def _owner_only(viewer: dict) -> None:
    if not viewer.get("is_owner"):
        raise Forbidden("SLA ayarlarını yalnızca sahipler değiştirebilir / only owners change SLA settings")


def _upsert(session: Session, table, department_id: int, settings: dict, viewer: dict, now: datetime) -> None:
    values = {"department_id": department_id, "settings": settings, "updated_by": viewer.get("id"),
              "updated_at": now}
    session.execute(insert(table).values(values).on_conflict_do_update(
        index_elements=["department_id"], set_={k: v for k, v in values.items() if k != "department_id"}))
    session.expire_all()


@lru_cache(maxsize=256)
def _calendar(department_id: int, settings: str) -> BusinessCalendar:
    # One calendar per department and version of its settings: it remembers the open hours of the days seen.
    return calendar_of(f"{PREFIX}{department_id}", json.loads(settings))
