"""Bounces of our mail over the real bus and database: they join the sent mail's thread and are announced."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from services.tickets.service import TicketsService
from services.tickets.tests.inbound.test_service_inbound import inbound


@pytest.fixture
def tickets(start_service, demo_org, rpc):
    start_service(TicketsService)
    return rpc.tickets


def bounce_of(message_id: str, original: str, **fields) -> dict:
    """A normalised bounce from a mailer-daemon, as ingest hands it over."""
    report = {"recipient": "ali@example.org", "action": "failed", "status": "5.1.1",
              "diagnostic": "550 5.1.1 <ali@example.org>: User unknown", "original_message_id": original}
    return inbound(message_id, from_email="mailer-daemon@mx.example.org", from_name="Mail Delivery System",
                   subject="Undelivered Mail Returned to Sender", is_auto_submitted=True,
                   auto_reason="Auto-Submitted: auto-replied", delivery_reports=[report], **fields)


def answered_ticket(tickets, message_id: str) -> tuple[str, str, int]:
    """A customer's ticket with an agent's reply on it: (ticket number, the reply's Message-ID, owner id)."""
    [opened] = tickets.receive_messages([inbound(message_id)])
    owner = tickets.authenticate("owner@example.com", "destek-demo")["id"]
    reply = tickets.post_reply(owner, opened["ticket_number"], "Faturanız ekte.")
    return opened["ticket_number"], reply["message_id"], owner


def recorded_events(engine, event_type: str) -> list[dict]:
    """What tickets committed to its outbox for the bus, in order."""
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT payload FROM tickets.outbox WHERE event_type = :t ORDER BY id"),
                                 {"t": event_type}).scalars())


def customer_emails(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(text("SELECT email FROM tickets.customers")).scalars())


def test_a_bounce_of_our_reply_joins_its_ticket_and_tells_notify(tickets, event_tap, engine):
    number, reply_id, owner = answered_ticket(tickets, "bq-1@example.org")
    tap = event_tap("tickets")
    [result] = tickets.receive_messages([bounce_of("dsn-1@mx.example.org", reply_id)])
    assert result == {"status": "appended", "ticket_number": number, "message_id": "dsn-1@mx.example.org"}
    ticket = tickets.get_ticket(owner, number)
    [bounced] = tap.wait_for("bounce_received")
    assert {k: v for k, v in bounced.items() if k not in ("event_id", "occurred_at", "received_at")} == {
        "event_type": "bounce_received", "ticket_number": number, "message_id": "dsn-1@mx.example.org",
        "department_id": ticket["department"]["id"], "original_message_id": reply_id,
        "recipient": "ali@example.org", "action": "failed", "status": "5.1.1",
        "diagnostic": "550 5.1.1 <ali@example.org>: User unknown"}
    assert [e["message_id"] for e in recorded_events(engine, "ticket_created")] == ["bq-1@example.org"]
    [entry] = [m for m in ticket["messages"] if m["message_id"] == "dsn-1@mx.example.org"]
    assert entry["direction"] == "inbound" and entry["is_auto_submitted"] is True
    assert customer_emails(engine) == ["ali@example.org"]  # the mail server became nobody's customer


def test_a_bounce_is_threaded_by_the_sent_mail_even_when_its_ticket_is_resolved_or_archived(tickets, engine):
    for status, days_ago in (("resolved", 1), ("closed", 60)):
        number, reply_id, owner = answered_ticket(tickets, f"bq-{status}@example.org")
        with engine.begin() as conn:
            conn.execute(text("UPDATE tickets.tickets SET status = :s, closed_at = now() - make_interval(days => :d)"
                              " WHERE number = :n"), {"s": status, "d": days_ago, "n": number})
        [result] = tickets.receive_messages([bounce_of(f"dsn-{status}@mx.example.org", reply_id)])
        assert result["status"] == "appended" and result["ticket_number"] == number
        assert tickets.get_ticket(owner, number)["status"] == status  # a robot's mail reopens nothing


def test_bounces_in_one_batch_each_find_their_own_ticket_and_a_repeat_is_a_duplicate(tickets, engine, caplog):
    first, first_reply, _ = answered_ticket(tickets, "bq-a@example.org")
    second, second_reply, _ = answered_ticket(tickets, "bq-b@example.org")
    results = tickets.receive_messages([bounce_of("dsn-a@mx.example.org", first_reply),
                                        inbound("bq-c@example.org"),
                                        bounce_of("dsn-b@mx.example.org", second_reply)])
    assert [(r["status"], r["ticket_number"]) for r in results[::2]] == [("appended", first), ("appended", second)]
    assert results[1]["status"] == "created"
    assert "one by one" not in caplog.text
    [again] = tickets.receive_messages([bounce_of("dsn-a@mx.example.org", first_reply)])
    assert again["status"] == "duplicate"
    bounced = recorded_events(engine, "bounce_received")
    assert sorted((e["ticket_number"], e["original_message_id"]) for e in bounced) == [
        (first, first_reply), (second, second_reply)]


def test_a_bounce_of_mail_we_did_not_send_is_ordinary_automatic_mail(tickets, engine):
    [customer_mail] = tickets.receive_messages([inbound("bq-in@example.org")])
    results = tickets.receive_messages([bounce_of("dsn-x@mx.example.org", "somebody-else@example.net"),
                                        bounce_of("dsn-y@mx.example.org", "bq-in@example.org")])
    assert [r["status"] for r in results] == ["created", "created"]  # as before: tickets of their own
    assert customer_mail["ticket_number"] not in [r["ticket_number"] for r in results]
    opened = {e["message_id"]: e for e in recorded_events(engine, "ticket_created")}
    assert opened["dsn-x@mx.example.org"]["is_auto_submitted"] is True  # so notify never acknowledges it
    assert recorded_events(engine, "bounce_received") == []
