"""Automatic assignment: departments' settings, people's availability, handing an agent's tickets back."""
from __future__ import annotations

from services.shared.events import utcnow
from services.shared.rpc import rpc
from services.tickets.access import load_viewer
from services.tickets.assignment import hand_back, settings
from services.tickets.events import record_events


class AssignmentEntrypoints:
    """Who new tickets go to; assigning itself happens where tickets are created and reopened."""

    @rpc
    def get_department_assignment(self, user_id, department_id):
        """``{"department_id": 1, "mode": "round_robin", "max_open_per_agent": 20, "unassigned_open": 3}``."""
        with self.db.transaction() as session:
            return settings.get_department_assignment(session, load_viewer(session, user_id), department_id)

    @rpc
    def set_department_assignment(self, user_id, department_id, data):
        """``{"mode": "least_open", "max_open_per_agent": null}`` → the setting (owners, the department's managers)."""
        with self.db.transaction() as session:
            return settings.set_department_assignment(session, load_viewer(session, user_id), department_id, data,
                                                      utcnow())

    @rpc
    def set_availability(self, user_id, data):
        """``{"status": "away", "away_until": "2026-12-20T09:00:00+03:00"}`` → ``{"user_id", "status",
        "away_until", "available"}``."""
        with self.db.transaction() as session:
            return settings.set_availability(session, load_viewer(session, user_id), data, utcnow())

    @rpc
    def hand_back_tickets(self, user_id, agent_id, data):
        """``{"to_user_id": 7}`` or ``{"to_user_id": null}`` → ``{"user_id", "to_user_id", "ticket_numbers"}``."""
        now = utcnow()
        with self.db.transaction() as session:
            result, events = hand_back.hand_back(session, load_viewer(session, user_id), agent_id, data, now)
            record_events(session, events)
            return result
