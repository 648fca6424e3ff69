"""Who holds and who acted on a ticket, as ``ticket_created`` and ``ticket_updated`` tell notify."""
from __future__ import annotations

from services.tickets.tests.core_support import demo, new_ticket, tickets  # noqa: F401 (fixtures)


def test_a_ticket_opened_by_hand_names_its_opener_and_its_assignee(tickets, demo, event_tap):
    tap = event_tap("tickets")
    ticket = new_ticket(tickets, demo, assignee_id=demo.agent)
    [created] = tap.wait_for("ticket_created")
    assert created["ticket_number"] == ticket["number"]
    assert created["assignee_id"] == demo.agent and created["created_by_user_id"] == demo.manager


def test_an_update_names_the_assignee_after_it_and_who_made_it(tickets, demo, event_tap):
    number = new_ticket(tickets, demo)["number"]
    tap = event_tap("tickets")
    tickets.update_ticket(demo.manager, number, {"assignee_id": demo.agent})
    tickets.update_ticket(demo.agent, number, {"priority": 1})
    assigned, reprioritised = tap.wait_for("ticket_updated", count=2)
    assert assigned["assignee_id"] == demo.agent and assigned["updated_by_user_id"] == demo.manager
    assert reprioritised["assignee_id"] == demo.agent and reprioritised["updated_by_user_id"] == demo.agent
