"""The published language between services: events and the inbound message, to and from the wire.

Plain functions, no bus and no database: what a consumer will accept is decided here.
"""
from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from services.ingest.domain.mail_parsing import parse_email
from services.ingest.normalise import inbound_email
from services.shared.contracts.events import (EVENT_TYPES, ReplyPosted, SlaBreached, TicketCreated,
                                              TicketStatusChanged, TicketUpdated, UnreadableEvent, among, as_sent,
                                              event_from_wire, read_events)
from services.shared.contracts.inbound import InboundAttachment, InboundMessage, OriginalLocation, UnreadableMessage
from services.shared.events import new_event
from services.shared.tests.sample_events import PAYLOADS, sample, sample_wire

EVENT_CLASSES = sorted(EVENT_TYPES.values(), key=lambda cls: (cls.source, cls.event_type))
DOCS = Path(__file__).resolve().parents[3] / "docs" / "events.md"


def required_fields(cls) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING]


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=lambda cls: cls.event_type)
def test_every_event_comes_back_the_same_from_its_wire_form(cls):
    event = sample(cls)
    carried = json.loads(json.dumps(event.to_wire()))  # as the bus carries it
    assert cls.from_wire(carried) == event
    assert event_from_wire(cls.source, carried) == event


def test_every_event_in_docs_events_md_has_its_dataclass_and_no_other():
    documented, source = set(), None
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if heading := re.match(r"## (\w+)\.events", line):
            source = heading.group(1)
        elif source and (row := re.match(r"\| `(\w+)` \|", line)):
            documented.add((source, row.group(1)))
    assert documented == set(EVENT_TYPES) == {(cls.source, cls.event_type) for cls in PAYLOADS}


def test_the_wire_form_is_the_envelope_the_outbox_stores_with_the_events_own_id_and_time():
    event = sample(TicketStatusChanged)
    wire = event.to_wire()
    assert list(wire)[:3] == ["event_id", "event_type", "occurred_at"]
    assert wire == {"event_id": event.event_id, "event_type": "ticket_status_changed",
                    "occurred_at": "2026-11-20T09:00:00+00:00", "ticket_number": "2026-000001",
                    "old_status": "new", "new_status": "open", "changed_at": "2026-11-20T09:00:00+00:00"}
    assert new_event(event.event_type, wire) == wire  # what outbox.record_events makes of (event_type, wire)


def test_a_new_event_gets_an_id_of_its_own_and_the_time_it_was_made():
    before = datetime.now(timezone.utc)
    first, second = (SlaBreached(ticket_number="2026-000001", kind="resolution", due_at=before, priority=1)
                     for _ in range(2))
    assert first.event_id != second.event_id and first.occurred_at >= before
    with pytest.raises(ValueError, match="due_at must carry its UTC offset"):
        SlaBreached(ticket_number="2026-000001", kind="resolution", due_at=datetime(2026, 11, 20), priority=1)


def test_times_are_aware_datetimes_on_the_event_and_iso_strings_on_the_wire():
    event = sample(ReplyPosted, created_at="2026-11-20T12:30:00+03:00")
    assert event.created_at == datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)
    assert event.to_wire()["created_at"] == "2026-11-20T12:30:00+03:00"
    assert event.in_reply_to == ("m1@example.com",) and event.attachments[0].size == 1024


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=lambda cls: cls.event_type)
def test_an_event_without_one_of_its_fields_is_refused_naming_the_field(cls):
    for name in required_fields(cls):
        wire = sample_wire(cls)
        del wire[name]
        with pytest.raises(UnreadableEvent) as refused:
            cls.from_wire(wire)
        assert str(refused.value) == f"cannot read a {cls.event_type} event: {name} is missing"
        assert refused.value.event_type == cls.event_type


@pytest.mark.parametrize("field, value, reason", [
    ("priority", "high", "priority must be a whole number, not 'high'"),
    ("priority", True, "priority must be a whole number, not True"),
    ("priority", None, "priority must be a whole number, not null"),
    ("subject", 42, "subject must be text, not 42"),
    ("is_auto_submitted", "no", "is_auto_submitted must be true or false, not 'no'"),
    ("created_at", "yesterday", "created_at must be an ISO 8601 time with its UTC offset, not 'yesterday'"),
    ("created_at", "2026-11-20T09:00:00", "created_at must be an ISO 8601 time with its UTC offset, "
                                          "not '2026-11-20T09:00:00'"),
    ("event_id", "42", "event_id must be a UUID (lower-case, with hyphens), not '42'"),
    ("event_id", "3F2504E0-4F89-11D3-9A0C-0305E82C3301",
     "event_id must be a UUID (lower-case, with hyphens), not '3F2504E0-4F89-11D3-9A0C-0305E82C3301'"),
    ("event_type", "ticket_updated", "event_type is 'ticket_updated', not 'ticket_created'"),
])
def test_an_event_with_a_field_of_the_wrong_type_is_refused_naming_the_field(field, value, reason):
    with pytest.raises(UnreadableEvent, match=f"^cannot read a ticket_created event: {re.escape(reason)}$"):
        TicketCreated.from_wire(sample_wire(TicketCreated, **{field: value}))


def test_a_wrong_value_inside_a_list_is_refused_naming_its_place():
    with pytest.raises(UnreadableEvent, match=r"changes\[1\]\.new must be text, not 1$"):
        TicketUpdated.from_wire(sample_wire(TicketUpdated, changes=[
            {"field": "subject", "old": "a", "new": "b"}, {"field": "priority", "old": "3", "new": 1}]))
    with pytest.raises(UnreadableEvent, match=r"in_reply_to must be a list, not 'm1@example.com'$"):
        ReplyPosted.from_wire(sample_wire(ReplyPosted, in_reply_to="m1@example.com"))


def test_a_key_the_contract_does_not_know_yet_is_passed_over():
    wire = {**sample_wire(TicketCreated), "watcher_ids": [7], "tags": ["vip"]}
    assert TicketCreated.from_wire(wire) == sample(TicketCreated, event_id=wire["event_id"])


def test_a_ticket_opened_by_hand_has_no_message_id_and_null_is_allowed_where_the_contract_says_so():
    wire = sample_wire(TicketCreated, customer_email=None)
    del wire["message_id"]
    event = TicketCreated.from_wire(wire)
    assert event.message_id is None and event.customer_email is None


def test_an_event_of_a_type_its_source_does_not_publish_is_refused():
    with pytest.raises(UnreadableEvent, match="tickets publishes no event of type 'sla_breached'"):
        event_from_wire("tickets", sample_wire(SlaBreached))
    with pytest.raises(UnreadableEvent, match="the message must be an object, not 'ticket_created'"):
        TicketCreated.from_wire("ticket_created")


def test_a_batch_is_read_event_by_event_and_what_cannot_be_read_is_set_aside_as_it_came():
    good, bad = sample_wire(TicketStatusChanged), {**sample_wire(TicketStatusChanged), "new_status": None}
    read, unreadable = read_events([good, bad, good], TicketStatusChanged)
    assert [event.event_id for event in read] == [good["event_id"]] * 2
    assert [(wire, str(error)) for wire, error in unreadable] == [
        (bad, "cannot read a ticket_status_changed event: new_status must be text, not null")]
    assert among(read, [good]) == read[:1]  # claimed once, however often it came
    refused = LookupError("not known yet")
    assert as_sent([good, bad], [(read[0], refused)]) == [(good, refused)]


# The inbound message

RAW_MAIL = (b"Message-ID: <m1@example.com>\r\nFrom: Ayse <ayse@example.com>\r\nReply-To: ayse@ev.example\r\n"
            b"To: destek@example.com\r\nCc: ali@example.com\r\nSubject: Kargo [#2026-000001]\r\n"
            b"Date: Fri, 20 Nov 2026 12:00:00 +0300\r\n\r\nKargom nerede?\r\n")
PLACE = {"archive": "20261120-" + "0" * 32, "offset": 0, "size": len(RAW_MAIL)}
ATTACHMENT = {"sha256": "ab" * 32, "filename": "fatura.pdf", "content_type": "application/pdf", "size": 1024,
              "inline": False, "content_id": None}


def ingest_wire(**changes) -> dict:
    """The message as ingest's normalise builds it, on the wire, with ``changes``."""
    wire = inbound_email(parse_email(RAW_MAIL), "destek@example.com", (InboundAttachment(**ATTACHMENT),)).to_wire()
    return json.loads(json.dumps({**wire, **changes}))


def test_the_message_ingest_builds_is_read_whole_with_one_name_per_field():
    message = InboundMessage.from_wire(ingest_wire(original=PLACE))
    assert (message.message_id, message.reply_to, message.cc, message.tracking_number) == (
        "m1@example.com", "ayse@ev.example", ("ali@example.com",), "2026-000001")
    assert message.recipients[0] == "destek@example.com" and message.parse_notes == ()
    assert message.sent_at == datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    assert message.attachments[0].filename == "fatura.pdf" and message.original == OriginalLocation(**PLACE)
    assert InboundMessage.from_wire(json.loads(json.dumps(message.to_wire()))) == message


def test_the_mail_itself_is_no_original_it_travels_beside_the_message_until_archived():
    with pytest.raises(UnreadableMessage, match="^original must be an object, not 'Message-ID"):
        InboundMessage.from_wire(ingest_wire(original=RAW_MAIL.decode()))
    assert InboundMessage.from_wire(ingest_wire(original=None)).original is None


@pytest.mark.parametrize("changes, field, reason", [
    ({"message_id": ""}, "message_id", "must not be empty"),
    ({"message_id": None}, "message_id", "must be text, not null"),
    ({"attachments": [{**ATTACHMENT, "sha256": "../etc/passwd"}]}, "attachments[0].sha256",
     "must be 64 lower-case hex digits"),
    ({"attachments": [{**ATTACHMENT, "size": "1 KB"}]}, "attachments[0].size", "must be a whole number, not '1 KB'"),
    ({"original": {**PLACE, "archive": "../../x"}}, "original.archive", "must name a mail archive"),
    ({"original": {**PLACE, "offset": -1}}, "original.offset", "must not be negative"),
    ({"delivery_reports": [{"recipient": "ali@example.org"}]}, "delivery_reports[0].action", "is missing"),
    ({"reply_to": ["ayse@ev.example"]}, "reply_to", "must be text, not ['ayse@ev.example']"),
])
def test_an_inbound_message_that_cannot_be_read_is_refused_naming_the_field(changes, field, reason):
    with pytest.raises(UnreadableMessage) as refused:
        InboundMessage.from_wire(ingest_wire(**changes))
    assert (refused.value.field, refused.value.problem, str(refused.value)) == (field, reason, f"{field} {reason}")


def test_a_held_message_kept_before_a_field_existed_reads_with_that_fields_default():
    kept = {"message_id": "m2@example.com", "from_email": "ayse@example.com", "subject": "Eski",
            "charset_problems": ["an old name"]}
    message = InboundMessage.from_wire(kept)
    assert (message.cc, message.reply_to, message.parse_notes, message.channel) == ((), None, (), "email")
