"""The events a delivery's outcome raises, as the contract's dataclasses: plain functions, no bus or database."""
from __future__ import annotations

from types import SimpleNamespace

from services.notify.mail import PermanentFailure
from services.notify.outcomes import Settled, settle
from services.shared.contracts.events import AcknowledgementSent, ReplyFailed, ReplySent, event_from_wire


def delivery(kind: str, **fields) -> SimpleNamespace:
    return SimpleNamespace(**{
        "id": 1, "attempt_id": None, "kind": kind, "ticket_number": "2026-000042", "message_db_id": 7,
        "message_id": "m1@example.com", "from_email": "destek@example.com", "to_email": "ali@example.org",
        "subject": "Talebiniz alındı [#2026-000042]", "destination": "smtp:department:1", "status": "sending",
        "attempts": 0, "sent_at": None, "last_error": None, "next_attempt_at": None, "possible_duplicate": False,
        "details": {"kind": kind, "body_text": "Talebinizi aldık.", "from_name": "Destek",
                    "in_reply_to": ["ilk@example.org"], "references": ["ilk@example.org"]}, **fields})


def raised(settled: Settled) -> list:
    return [event for _, event in settled.events]


def test_a_reply_sent_raises_reply_sent_as_the_contract_reads_it():
    settled = Settled()
    assert settle(settled, delivery("reply", details=None), None) == "sent"
    [event] = raised(settled)
    assert event == ReplySent(ticket_number="2026-000042", message_db_id=7, message_id="m1@example.com",
                              to_email="ali@example.org", attempts=1, event_id=event.event_id,
                              occurred_at=event.occurred_at)
    assert event_from_wire("notify", event.to_wire()) == event


def test_a_reply_refused_for_good_raises_reply_failed_with_the_servers_words():
    settled = Settled()
    assert settle(settled, delivery("reply", details=None), PermanentFailure("550 no such user")) == "failed"
    [event] = raised(settled)
    assert isinstance(event, ReplyFailed) and event.error == "550 no such user" and event.attempts == 1


def test_an_acknowledgement_sent_carries_what_the_thread_needs_to_show_it():
    settled = Settled()
    settle(settled, delivery("acknowledgement"), None)
    [event] = raised(settled)
    assert type(event) is AcknowledgementSent and event.kind == "acknowledgement"
    assert (event.body_text, event.from_name, event.in_reply_to) == (
        "Talebinizi aldık.", "Destek", ("ilk@example.org",))
    assert event.sent_at == settled.states[0]["sent_at"] and "message_db_id" not in event.to_wire()
    assert event_from_wire("notify", event.to_wire()) == event


def test_automatic_mail_that_fails_for_good_raises_nothing():
    settled = Settled()
    assert settle(settled, delivery("attachments_notice"), PermanentFailure("550 no such user")) == "failed"
    assert raised(settled) == []


def test_an_automatic_mail_whose_row_lacks_its_text_is_still_marked_sent_without_an_event():
    settled = Settled()
    assert settle(settled, delivery("acknowledgement", details=None), None) == "sent"
    assert raised(settled) == [] and settled.states[0]["status"] == "sent"
