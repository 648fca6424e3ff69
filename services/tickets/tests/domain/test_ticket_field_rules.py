"""A ticket's assignee is a user or an AI agent, never both; resolving and closing stamp their times."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from services.shared.errors import InvalidInput
from services.tickets.domain.ticket_fields import Assignee, StatusDates, assignee_after, dates_after_status_change

NOW = datetime(2026, 11, 22, 12, tzinfo=timezone.utc)
EARLIER = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


def test_assigning_a_user_takes_the_ticket_from_the_ai_agent():
    assert assignee_after(Assignee(ai_agent="Asistan"), {"assignee_id": 5}) == Assignee(user_id=5)


def test_assigning_an_ai_agent_takes_the_ticket_from_the_user():
    assert assignee_after(Assignee(user_id=5), {"assignee_ai_agent": "Asistan"}) == Assignee(ai_agent="Asistan")


def test_a_user_and_an_ai_agent_together_are_refused():
    with pytest.raises(InvalidInput, match="not both"):
        assignee_after(Assignee(), {"assignee_id": 5, "assignee_ai_agent": "Asistan"})


def test_unassigning_leaves_nobody():
    assert assignee_after(Assignee(user_id=5), {"assignee_id": None}) == Assignee()


def test_resolving_stamps_the_resolution_time():
    assert dates_after_status_change("resolved", StatusDates(None, None), NOW) == StatusDates(NOW, None)


def test_closing_a_resolved_ticket_keeps_its_resolution_time():
    assert dates_after_status_change("closed", StatusDates(EARLIER, None), NOW) == StatusDates(EARLIER, NOW)


def test_reopening_clears_both_times():
    assert dates_after_status_change("open", StatusDates(EARLIER, NOW), NOW) == StatusDates(None, None)
