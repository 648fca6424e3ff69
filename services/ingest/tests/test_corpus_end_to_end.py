"""Every corpus mail, posted to a running ingest and tickets, becomes a ticket message one can read.

The corpus exceptions are the ones documented in ``test_mail_corpus.py``
(no Subject, no usable sender, no text at all), plus one rule of the ticket
side: several CPython samples share one Message-ID (``SHARED_MESSAGE_IDS``),
and the same Message-ID to the same department is one message, so only the
first of each group is stored and the others are answered ``duplicate``.
"""
from __future__ import annotations

import pytest
import requests

from services.ingest.domain.mail_parsing import parse_email
from services.ingest.service import IngestService
from services.ingest.tests.test_mail_corpus import FILES, NO_BODY, NO_SENDER, NO_SUBJECT
from services.tickets.service import TicketsService

# msg_01, 03, 14, 20 and 29 share the first id; msg_04 and msg_44 the second.
SHARED_MESSAGE_IDS = {"15090.61304.110929.45684@aaa.zzz.org", "15261.36209.358846.118674@anthem.python.org"}


@pytest.fixture
def ingest_url(start_service, demo_org, tmp_path, monkeypatch):
    monkeypatch.setenv("SENDER_RATE_LIMIT", "0")  # the corpus repeats a few senders; storms are tested elsewhere
    start_service(TicketsService)
    ingest = start_service(IngestService, IMAP_POLLING="off", ATTACHMENT_STORE_DIR=str(tmp_path / "store"))
    return f"http://{ingest.config['WEB_SERVER_ADDRESS']}/ingest/email"


def test_every_corpus_mail_becomes_a_ticket_message_with_subject_sender_and_body(ingest_url, rpc):
    owner = rpc.tickets.authenticate("owner@example.com", "destek-demo")["id"]
    first_of: dict[str, str] = {}
    for path in FILES:
        raw = path.read_bytes()
        answer = requests.post(ingest_url, data=raw, headers={"Content-Type": "message/rfc822"}, timeout=30)
        assert answer.status_code == 202, (path.name, answer.text)
        result, parsed = answer.json(), parse_email(raw)
        assert result["message_id"] == parsed.message_id, path.name
        if parsed.message_id in first_of:
            assert parsed.message_id in SHARED_MESSAGE_IDS and result["status"] == "duplicate", path.name
            continue
        first_of[parsed.message_id] = path.name
        assert result["status"] in ("created", "appended"), (path.name, result)
        ticket = rpc.tickets.get_ticket(owner, result["ticket_number"])
        [message] = [m for m in ticket["messages"] if m["message_id"] == parsed.message_id]
        assert message["subject"] == parsed.subject and bool(message["subject"]) != (path.name in NO_SUBJECT)
        assert message["from_email"] == parsed.from_email
        assert bool(message["from_email"]) != (path.name in NO_SENDER), path.name
        readable = any(ch.isalnum() for ch in message["body_text"])
        assert readable != (path.name in NO_BODY), path.name
        assert len(message["attachments"]) == len(parsed.attachments) + len(parsed.skipped_attachments)
    assert len(first_of) == len(FILES) - 5  # 5 corpus mails repeat an earlier one's Message-ID
