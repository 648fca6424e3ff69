"""Inbound mail tells notify who wrote: a customer, or a Destek user writing in from their own address."""
from __future__ import annotations

from services.tickets.tests.core_support import demo, tickets  # noqa: F401 (fixtures)
from services.tickets.tests.inbound.test_service_inbound import inbound


def test_mail_from_a_users_address_is_an_agents_and_any_other_a_customers(tickets, demo, event_tap):
    tap = event_tap("tickets")
    tickets.receive_messages([inbound("people-1@example.org", from_email="ali@example.org"),
                              inbound("people-2@example.org", from_email="Agent@Example.com")])
    created = tap.wait_for("ticket_created", count=2)
    received = {e["message_id"]: e for e in tap.wait_for("message_received", count=2)}
    assert received["people-1@example.org"]["sender_kind"] == "customer"
    assert received["people-2@example.org"]["sender_kind"] == "agent"
    assert all(e["assignee_id"] is None and e["created_by_user_id"] is None for e in created)  # nobody opened it
