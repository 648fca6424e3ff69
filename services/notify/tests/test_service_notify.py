"""The notify service over the real bus, database and a real SMTP server on loopback."""
from __future__ import annotations

import time

import pytest
from nameko.standalone.events import event_dispatcher

from services.notify.service import NotifyService
from services.shared.contracts.events import BounceReceived, ReplyPosted
from services.shared.tests.sample_events import sample_wire
from tests.support.waiting import eventually


def reply_posted(message_id: str) -> dict:
    return sample_wire(
        ReplyPosted, ticket_number="2026-000042", message_db_id=7, message_id=message_id,
        in_reply_to=["musteri-1@example.org"], references=["musteri-0@example.org", "musteri-1@example.org"],
        subject="Re: Fatura [#2026-000042]", body_text="Faturanız ekte, iyi günler.", from_email="destek@example.com",
        from_name="Destek", to_email="ali@example.org", to_name="Ali Veli", first_response=True,
        created_at="2026-11-22T10:00:00+00:00", attachments=[])


def test_a_reply_is_mailed_once_with_threading_headers(start_service, rabbit_config, clean_db, smtp, event_tap):
    tap = event_tap("notify")
    start_service(NotifyService)
    event = reply_posted("r1.2026-000042@example.com")
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "reply_posted", event)
    dispatch("tickets", "reply_posted", event)  # redelivered: must not mail twice
    [sent] = smtp.wait_for(1)
    assert sent.rcpt_tos == ["ali@example.org"]
    assert sent.message["Message-ID"] == "<r1.2026-000042@example.com>"
    assert sent.message["In-Reply-To"] == "<musteri-1@example.org>"
    assert sent.message["References"] == "<musteri-0@example.org> <musteri-1@example.org>"
    assert sent.message["Subject"] == "Re: Fatura [#2026-000042]"
    assert sent.message.get_content().strip() == "Faturanız ekte, iyi günler."
    [outcome] = tap.wait_for("reply_sent")
    assert outcome["message_db_id"] == 7
    with pytest.raises(AssertionError):
        smtp.wait_for(2, timeout=2)


def test_a_temporary_smtp_failure_is_retried_until_the_mail_goes_out(
        start_service, rabbit_config, clean_db, smtp, event_tap):
    tap = event_tap("notify")
    smtp.set_failure(451, "try later")
    start_service(NotifyService)
    event_dispatcher(rabbit_config)("tickets", "reply_posted", reply_posted("r2.2026-000042@example.com"))
    time.sleep(3)  # the first attempt and at least one retry meet the 451
    assert smtp.messages == [] and smtp.rejected_count >= 1
    smtp.set_failure(None)
    [sent] = smtp.wait_for(1, timeout=20)
    assert sent.message["Message-ID"] == "<r2.2026-000042@example.com>"
    assert tap.wait_for("reply_sent")[0]["attempts"] >= 2


def test_a_permanent_smtp_failure_is_reported_back_to_the_thread(
        start_service, rabbit_config, clean_db, smtp, event_tap):
    tap = event_tap("notify")
    smtp.set_failure(550, "no such user")
    start_service(NotifyService)
    event_dispatcher(rabbit_config)("tickets", "reply_posted", reply_posted("r3.2026-000042@example.com"))
    [failed] = tap.wait_for("reply_failed")
    assert failed["error"].startswith("550") and failed["message_db_id"] == 7
    assert smtp.messages == []


def test_a_bounce_for_a_sent_reply_reports_it_failed_with_the_reason(
        start_service, rabbit_config, clean_db, smtp, event_tap):
    tap = event_tap("notify")
    start_service(NotifyService)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "reply_posted", reply_posted("r4.2026-000042@example.com"))
    tap.wait_for("reply_sent")
    dispatch("tickets", "bounce_received", sample_wire(
        BounceReceived, original_message_id="r4.2026-000042@example.com", action="delayed", status="4.4.1"))
    dispatch("tickets", "bounce_received", sample_wire(
        BounceReceived, original_message_id="r4.2026-000042@example.com", action="failed", status="5.1.1",
        diagnostic="smtp; 550 5.1.1 user unknown"))
    [failed] = tap.wait_for("reply_failed")
    assert failed["message_db_id"] == 7 and failed["error"] == "bounced: 5.1.1 smtp; 550 5.1.1 user unknown"


def test_a_reply_notify_cannot_read_is_parked_naming_the_field_and_mails_nobody(
        start_service, rabbit_config, clean_db, smtp, rpc):
    start_service(NotifyService)
    dispatch = event_dispatcher(rabbit_config)
    unreadable = {key: value for key, value in reply_posted("r5.2026-000042@example.com").items() if key != "to_email"}
    dispatch("tickets", "reply_posted", unreadable)
    [parked] = eventually(rpc.notify.list_parked_events)
    assert parked["event_id"] == unreadable["event_id"] and parked["handler"] == "handle_reply_posted"
    assert parked["error"] == ("services.shared.contracts.events.UnreadableEvent: cannot read a reply_posted "
                               "event: to_email is missing")
    dispatch("tickets", "bounce_received", {**sample_wire(BounceReceived), "received_at": "yesterday"})
    assert eventually(lambda: len(rpc.notify.list_parked_events()) == 2)
    assert rpc.notify.list_parked_events()[0]["error"].endswith(
        "cannot read a bounce_received event: received_at must be an ISO 8601 time with its UTC offset, "
        "not 'yesterday'")
    assert smtp.messages == []
