"""Tickets and notify together, over the real bus and a real SMTP server: what the thread shows of outgoing mail."""
from __future__ import annotations

import time

import pytest
from nameko.standalone.events import event_dispatcher

from services.notify.service import NotifyService
from services.shared.events import new_event
from services.tickets.service import TicketsService
from services.tickets.tests.inbound.test_service_inbound import inbound
from tests.support.smtp_server import RecordingSmtpServer
from tests.support.waiting import eventually

TOO_BIG = {"filename": "video.mp4", "content_type": "video/mp4", "size": 40_000_000,
           "reason": "larger than the 25 MB limit"}


@pytest.fixture
def smtp(monkeypatch):
    with RecordingSmtpServer() as server:
        monkeypatch.setenv("SMTP_HOST", server.host)
        monkeypatch.setenv("SMTP_PORT", str(server.port))
        monkeypatch.setenv("SMTP_FIRST_RETRY_SECONDS", "1")
        yield server


@pytest.fixture
def tickets(start_service, demo_org, rpc, smtp):
    start_service(TicketsService)
    start_service(NotifyService)
    return rpc.tickets


def thread_when(tickets, number: str, check, timeout: float = 15) -> list[dict]:
    """The ticket's thread as soon as ``check(messages)`` holds; fails after ``timeout`` seconds."""
    owner = tickets.authenticate("owner@example.com", "destek-demo")["id"]
    deadline = time.monotonic() + timeout
    while True:
        messages = tickets.get_ticket(owner, number)["messages"]
        if check(messages) or time.monotonic() > deadline:
            assert check(messages), messages
            return messages
        time.sleep(0.2)


def automatic(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m["direction"] == "outbound" and m["is_auto_submitted"]]


def test_the_acknowledgement_shows_on_the_thread_and_an_answer_to_it_joins_the_ticket(tickets, smtp):
    [created] = tickets.receive_messages([inbound("ilk@musteri.com.tr", subject="Siparişim gelmedi")])
    number = created["ticket_number"]
    [ack] = smtp.wait_for(1)
    assert f"[#{number}]" in ack.message["Subject"] and ack.message["In-Reply-To"] == "<ilk@musteri.com.tr>"
    ack_id = ack.message["Message-ID"].strip("<>")
    [recorded] = automatic(thread_when(tickets, number, automatic))
    assert recorded["message_id"] == ack_id and recorded["delivery_status"] == "sent"
    assert f"#{number}" in recorded["body_text"] and recorded["to"] == ["ali@example.org"]
    [answer] = tickets.receive_messages([inbound("cevap@musteri.com.tr", subject="Re: teşekkürler",
                                                 in_reply_to=[ack_id], references=[ack_id])])
    assert answer == {"status": "appended", "ticket_number": number, "message_id": "cevap@musteri.com.tr"}


def test_a_ticket_from_an_automatic_sender_gets_no_acknowledgement(tickets, smtp):
    tickets.receive_messages([inbound("oto@example.org", is_auto_submitted=True)])
    [created] = tickets.receive_messages([inbound("insan@example.org", from_email="insan@example.org")])
    [only] = smtp.wait_for(1)
    assert only.rcpt_tos == ["insan@example.org"] and f"[#{created['ticket_number']}]" in only.message["Subject"]
    time.sleep(1)
    assert len(smtp.messages) == 1


def test_a_reply_the_customers_server_refuses_shows_as_failed_with_the_error_on_the_thread(tickets, smtp):
    smtp.set_failure(550, "5.1.1 no such mailbox here", stage="data")
    [created] = tickets.receive_messages([inbound("kayip@musteri.com.tr")])
    manager = tickets.authenticate("manager@example.com", "destek-demo")["id"]
    tickets.post_reply(manager, created["ticket_number"], "Merhaba, siparişiniz yolda.")

    def failed(messages):
        return [m for m in messages if m["direction"] == "outbound" and m["delivery_status"] == "failed"]
    [reply] = failed(thread_when(tickets, created["ticket_number"], failed))
    assert reply["body_text"] == "Merhaba, siparişiniz yolda."
    assert reply["delivery_error"].startswith("550") and "no such mailbox" in reply["delivery_error"]


def test_the_sender_of_an_oversized_mail_is_told_and_the_notice_shows_on_the_thread(tickets, smtp):
    [created] = tickets.receive_messages([inbound("buyuk@musteri.com.tr", skipped_attachments=[TOO_BIG])])
    number = created["ticket_number"]
    mails = smtp.wait_for(2)  # the acknowledgement and the notice
    [notice] = [m for m in mails if "video.mp4" in m.message.get_content()]
    assert notice.message["In-Reply-To"] == "<buyuk@musteri.com.tr>"
    assert notice.message["Auto-Submitted"] == "auto-replied"
    thread = thread_when(tickets, number, lambda messages: len(automatic(messages)) == 2)
    assert {m["message_id"] for m in automatic(thread)} == {m.message["Message-ID"].strip("<>") for m in mails}


def automatic_mail_sent(event_type: str, number: str, message_id: str, **fields) -> dict:
    """What notify publishes once it has sent an acknowledgement or an attachments notice."""
    return new_event(event_type, {
        "ticket_number": number, "message_id": message_id, "to_email": "ali@example.org", "attempts": 1,
        "kind": event_type.removesuffix("_sent"), "subject": f"Talebiniz alındı / Request received [#{number}]",
        "body_text": f"Merhaba Ali Veli,\n\nTakip numaranız #{number}.\n", "from_name": "Müşteri Hizmetleri",
        "from_email": "destek@example.com", "in_reply_to": [f"ilk-{number}@example.org"],
        "references": [f"ilk-{number}@example.org"], "sent_at": "2026-11-22T10:00:05.250000+00:00", **fields})


@pytest.fixture
def tickets_alone(start_service, demo_org, rpc):
    start_service(TicketsService)
    return rpc.tickets


def test_a_burst_of_sent_acknowledgements_lands_once_each_on_the_threads_of_tickets_that_still_exist(
        tickets_alone, rabbit_config):
    tickets = tickets_alone
    numbers = [tickets.receive_messages([inbound(f"ilk-{n}@example.org")])[0]["ticket_number"] for n in range(3)]
    first = automatic_mail_sent("acknowledgement_sent", numbers[0], "ack.a@example.com")
    dispatch = event_dispatcher(rabbit_config)
    for event in (first, {**first, "event_id": new_event("x", {})["event_id"]},  # published again
                  automatic_mail_sent("acknowledgement_sent", numbers[1], "ack.b@example.com"),
                  automatic_mail_sent("acknowledgement_sent", "2026-999999", "ack.gone@example.com"),
                  automatic_mail_sent("attachments_notice_sent", numbers[1], "notice.b@example.com")):
        dispatch("notify", event["event_type"], event)
    thread_when(tickets, numbers[1], lambda messages: len(automatic(messages)) == 2)
    [recorded] = automatic(thread_when(tickets, numbers[0], automatic))
    assert recorded["message_id"] == "ack.a@example.com" and recorded["delivery_status"] == "sent"
    assert recorded["subject"] == first["subject"] and recorded["body_text"] == recorded["reply_text"] == \
        first["body_text"]
    assert (recorded["from_name"], recorded["from_email"], recorded["to"]) == \
        ("Müşteri Hizmetleri", "destek@example.com", ["ali@example.org"])
    assert recorded["created_at"].startswith("2026-11-22T10:00:05.25")
    assert automatic(thread_when(tickets, numbers[2], lambda messages: True)) == []
    [answer] = tickets.receive_messages([inbound("cevap-a@example.org", subject="Re: teşekkürler",
                                                 in_reply_to=["ack.a@example.com"])])
    assert answer["status"] == "appended" and answer["ticket_number"] == numbers[0]


def test_a_sent_acknowledgement_tickets_cannot_read_is_parked_naming_the_field_and_the_others_land(
        tickets_alone, rabbit_config, rpc):
    tickets = tickets_alone
    numbers = [tickets.receive_messages([inbound(f"bad-{n}@example.org")])[0]["ticket_number"] for n in range(2)]
    unreadable = {**automatic_mail_sent("acknowledgement_sent", numbers[0], "ack.bad@example.com"),
                  "sent_at": "yesterday"}
    dispatch = event_dispatcher(rabbit_config)
    dispatch("notify", "acknowledgement_sent", [unreadable, automatic_mail_sent(
        "acknowledgement_sent", numbers[1], "ack.good@example.com")])
    [recorded] = automatic(thread_when(tickets, numbers[1], automatic))
    assert recorded["message_id"] == "ack.good@example.com"
    [parked] = eventually(rpc.tickets.list_parked_events)
    assert parked["event_id"] == unreadable["event_id"] and parked["handler"] == "handle_acknowledgement_sent"
    assert "cannot read a acknowledgement_sent event: sent_at must be an ISO 8601 time" in parked["error"]
    assert automatic(tickets.get_ticket(tickets.authenticate("owner@example.com", "destek-demo")["id"],
                                        numbers[0])["messages"]) == []
