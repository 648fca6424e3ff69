"""The ticket side of inbound mail: attachments, oversized mail, the rate limit, held mail, loop flags."""
from __future__ import annotations

import pytest

from services.shared.errors import Forbidden, NotFound
from services.tickets.service import TicketsService
from services.tickets.tests.inbound.test_service_inbound import inbound

SHA = "ab" * 32
PDF = {"sha256": SHA, "filename": "fatura.pdf", "content_type": "application/pdf", "size": 1234,
       "inline": False, "content_id": None}
LOGO = {"sha256": "cd" * 32, "filename": "logo.png", "content_type": "image/png", "size": 99, "inline": True,
        "content_id": "logo@firma"}
TOO_BIG = {"filename": "video.mp4", "content_type": "video/mp4", "size": 40_000_000,
           "reason": "larger than the 25 MB limit"}


@pytest.fixture
def tickets(start_service, demo_org, rpc):
    start_service(TicketsService)
    return rpc.tickets


def owner_of(tickets):
    return tickets.authenticate("owner@example.com", "destek-demo")["id"]


def test_attachments_are_listed_on_their_message(tickets):
    [result] = tickets.receive_messages([inbound("att-1@example.org", attachments=[PDF, LOGO])])
    ticket = tickets.get_ticket(owner_of(tickets), result["ticket_number"])
    [message] = ticket["messages"]
    assert [(a["filename"], a["kept"], a["inline"], a["content_id"]) for a in message["attachments"]] == [
        ("fatura.pdf", True, False, None), ("logo.png", True, True, "logo@firma")]
    assert "sha256" not in message["attachments"][0]


def test_an_oversized_mail_is_kept_with_a_note_and_the_sender_is_told(tickets, event_tap):
    tap = event_tap("tickets")
    [result] = tickets.receive_messages([inbound("big-1@example.org", attachments=[PDF],
                                                 skipped_attachments=[TOO_BIG])])
    assert result["status"] == "created"
    [message] = tickets.get_ticket(owner_of(tickets), result["ticket_number"])["messages"]
    [kept, dropped] = message["attachments"]
    assert kept["kept"] is True
    assert dropped == {**dropped, "filename": "video.mp4", "kept": False, "size": 40_000_000,
                       "not_kept_reason": "larger than the 25 MB limit"}
    [event] = tap.wait_for("attachments_rejected")
    assert event["ticket_number"] == result["ticket_number"] and event["to_email"] == "ali@example.org"
    assert event["skipped"] == [{"filename": "video.mp4", "content_type": "video/mp4", "size": 40_000_000,
                                 "reason": "larger than the 25 MB limit"}]
    assert event["department_email"] == "destek@example.com" and event["is_auto_submitted"] is False


def test_a_download_is_for_those_who_may_open_the_ticket(tickets):
    [result] = tickets.receive_messages([inbound("att-2@example.org", attachments=[PDF])])
    number, owner = result["ticket_number"], owner_of(tickets)
    [attachment] = tickets.get_ticket(owner, number)["messages"][0]["attachments"]
    meta = tickets.get_attachment(owner, number, attachment["id"])
    assert meta["sha256"] == SHA and meta["filename"] == "fatura.pdf"
    agent = tickets.authenticate("agent@example.com", "destek-demo")["id"]
    with pytest.raises(Forbidden):
        tickets.get_attachment(agent, number, attachment["id"])
    [other] = tickets.receive_messages([inbound("att-3@example.org")])
    with pytest.raises(NotFound):
        tickets.get_attachment(owner, other["ticket_number"], attachment["id"])


def test_auto_replies_are_flagged_on_the_events_notify_reads(tickets, event_tap):
    tap = event_tap("tickets")
    tickets.receive_messages([inbound("auto-1@example.org", is_auto_submitted=True,
                                      auto_reason="Auto-Submitted: auto-replied")])
    [created] = tap.wait_for("ticket_created")
    [received] = tap.wait_for("message_received")
    assert created["is_auto_submitted"] is True and created["message_id"] == "auto-1@example.org"
    assert received["is_auto_submitted"] is True and received["auto_reason"] == "Auto-Submitted: auto-replied"


@pytest.fixture
def tickets_limited(start_service, demo_org, rpc, monkeypatch):
    """Tickets started with ``SENDER_RATE_LIMIT`` at ``tickets_limited(n)``: it is read when the service starts."""
    def start(limit: int):
        monkeypatch.setenv("SENDER_RATE_LIMIT", str(limit))
        start_service(TicketsService)
        return rpc.tickets
    return start


def test_a_sender_over_the_rate_limit_is_held_not_ticketed(tickets_limited, event_tap):
    tickets = tickets_limited(3)
    tap = event_tap("tickets")
    storm = [inbound(f"storm-{i}@example.org", from_email="storm@example.org") for i in range(5)]
    results = tickets.receive_messages(storm[:2]) + tickets.receive_messages(storm[2:])
    assert [r["status"] for r in results] == ["created"] * 3 + ["held"] * 2
    assert tickets.receive_messages([inbound("calm-1@example.org")])[0]["status"] == "created"
    assert tickets.receive_messages([storm[4]])[0]["status"] == "duplicate"  # held once, not twice
    tap.wait_for("ticket_created", count=4)
    assert not [e for e in tap.events if e.get("message_id", "").startswith("storm-3")]
    manager = tickets.authenticate("manager@example.com", "destek-demo")["id"]
    held = tickets.list_held_messages(manager)
    assert [(h["message_id"], h["reason"]) for h in held] == [("storm-4@example.org", "rate_limited"),
                                                              ("storm-3@example.org", "rate_limited")]


def test_a_manager_releases_held_mail_into_a_ticket(tickets_limited):
    tickets = tickets_limited(1)
    tickets.receive_messages([inbound(f"r-{i}@example.org", from_email="r@example.org") for i in range(2)])
    manager = tickets.authenticate("manager@example.com", "destek-demo")["id"]
    [held] = tickets.list_held_messages(manager)
    released = tickets.release_held_message(manager, held["id"])
    assert released["status"] == "created" and released["message_id"] == "r-1@example.org"
    assert tickets.list_held_messages(manager) == []
    assert tickets.list_held_messages(manager, "released")[0]["id"] == held["id"]


def test_one_broken_message_is_held_and_the_rest_of_its_batch_goes_in(tickets):
    broken = inbound("broken@example.org", attachments=[{"sha256": "not-a-hash", "filename": "x", "size": 1}])
    first, second, third = tickets.receive_messages([inbound("ok-1@example.org"), broken,
                                                     inbound("ok-2@example.org")])
    assert first["status"] == third["status"] == "created"
    assert second == {"status": "held", "ticket_number": None, "message_id": "broken@example.org",
                      "held_reason": "failed"}
    [held] = tickets.list_held_messages(owner_of(tickets))
    assert held["reason"] == "failed" and "attachments[0].sha256" in held["error"]
    assert tickets.receive_messages([broken])[0]["status"] == "duplicate"


def test_a_tracking_number_from_a_new_address_joins_the_ticket_as_a_participant(tickets, event_tap):
    tap = event_tap("tickets")
    [first] = tickets.receive_messages([inbound("tn-1@example.org")])
    number = first["ticket_number"]
    [second] = tickets.receive_messages([inbound("tn-2@example.org", from_email="colleague@example.org",
                                                 subject=f"Re: Fatura sorusu [#{number}]",
                                                 tracking_number=number)])
    assert second == {"status": "appended", "ticket_number": number, "message_id": "tn-2@example.org"}
    received = {e["message_id"]: e for e in tap.wait_for("message_received", count=2)}
    assert received["tn-2@example.org"]["matched_by"] == "tracking_number"
    assert received["tn-2@example.org"]["new_participant"] is True


def _set_status(engine, number: str, status: str, days_ago: int) -> None:
    from sqlalchemy import text
    with engine.begin() as conn:
        conn.execute(text("UPDATE tickets.tickets SET status = :s, closed_at = now() - make_interval(days => :d), "
                          "resolved_at = now() - make_interval(days => :d) WHERE number = :n"),
                     {"s": status, "d": days_ago, "n": number})


def test_a_reply_to_a_resolved_ticket_reopens_it(tickets, engine):
    [first] = tickets.receive_messages([inbound("ro-1@example.org")])
    _set_status(engine, first["ticket_number"], "resolved", 1)
    [reply] = tickets.receive_messages([inbound("ro-2@example.org", in_reply_to=["ro-1@example.org"])])
    assert reply["ticket_number"] == first["ticket_number"]
    assert tickets.get_ticket(owner_of(tickets), first["ticket_number"])["status"] == "open"


def test_a_reply_to_a_ticket_closed_long_ago_opens_a_new_linked_ticket(tickets, engine):
    [first] = tickets.receive_messages([inbound("old-1@example.org")])
    _set_status(engine, first["ticket_number"], "closed", 30)
    [reply] = tickets.receive_messages([inbound("old-2@example.org", in_reply_to=["old-1@example.org"])])
    assert reply["status"] == "created" and reply["ticket_number"] != first["ticket_number"]
    assert tickets.get_ticket(owner_of(tickets), first["ticket_number"])["status"] == "closed"
