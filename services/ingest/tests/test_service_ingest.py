"""Raw mail over HTTP into a running ingest and tickets: attachments, oversized mail, bad input, storms."""
from __future__ import annotations

import email.message
import hashlib

import pytest
import requests

from services.ingest.service import IngestService
from services.shared.mail_archive import MailArchive
from services.tickets.service import TicketsService


def mail(message_id: str, *, sender: str = "ayse@musteri.com.tr", to: str = "destek@example.com",
         subject: str = "Siparişim gelmedi", files: list[tuple[str, bytes]] = ()) -> bytes:
    msg = email.message.EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = f"Ayşe Yılmaz <{sender}>", to, subject
    msg["Message-ID"] = f"<{message_id}>"
    msg.set_content("Merhaba, siparişim hâlâ gelmedi.")
    for name, content in files:
        msg.add_attachment(content, maintype="application", subtype="octet-stream", filename=name)
    return msg.as_bytes()


@pytest.fixture
def running(start_service, demo_org, rpc, tmp_path):
    """Tickets and ingest (IMAP off), sharing an attachment store in a temporary directory."""
    start_service(TicketsService)
    ingest = start_service(IngestService, IMAP_POLLING="off", ATTACHMENT_STORE_DIR=str(tmp_path / "store"))
    host, port = ingest.config["WEB_SERVER_ADDRESS"].split(":")
    owner = rpc.tickets.authenticate("owner@example.com", "destek-demo")["id"]

    class Running:
        url = f"http://{host}:{port}/ingest/email"
        store = tmp_path / "store"
        tickets = rpc.tickets
        owner_id = owner

        def post(self, raw: bytes, **params) -> requests.Response:
            return requests.post(self.url, data=raw, params=params, timeout=30,
                                 headers={"Content-Type": "message/rfc822"})

        def ticket(self, number: str) -> dict:
            return rpc.tickets.get_ticket(owner, number)
    return Running()


def test_a_mail_with_attachments_becomes_a_ticket_whose_files_are_in_the_store(running):
    raw = mail("files-1@musteri.com.tr", files=[("fatura.pdf", b"%PDF-1.4 fatura"), ("kopya.pdf", b"%PDF-1.4 fatura")])
    answer = running.post(raw)
    assert answer.status_code == 202 and answer.json()["status"] == "created"
    [message] = running.ticket(answer.json()["ticket_number"])["messages"]
    assert [(a["filename"], a["size"], a["kept"]) for a in message["attachments"]] == [
        ("fatura.pdf", 15, True), ("kopya.pdf", 15, True)]
    digest = hashlib.sha256(b"%PDF-1.4 fatura").hexdigest()
    assert (running.store / digest[:2] / digest).read_bytes() == b"%PDF-1.4 fatura"
    files = [p for p in running.store.rglob("*") if p.is_file() and "originals" not in p.parts]
    assert [p.name for p in files] == [digest]  # same content, stored once
    assert message["original"] == {"size": len(raw)}
    place = running.tickets.get_original_mail(running.owner_id, answer.json()["ticket_number"], message["id"])
    assert MailArchive(running.store / "originals").read(place["archive"], place["offset"], place["size"]) == raw


def test_an_oversized_mail_becomes_a_message_that_says_what_was_not_kept(running, event_tap, monkeypatch):
    monkeypatch.setattr("services.ingest.service.MAX_ATTACHMENT_BYTES", 1000)
    tap = event_tap("tickets")
    answer = running.post(mail("big-1@musteri.com.tr", files=[("small.txt", b"k" * 100),
                                                             ("huge.bin", b"h" * 5000)]))
    assert answer.status_code == 202
    [message] = running.ticket(answer.json()["ticket_number"])["messages"]
    assert "siparişim" in message["body_text"]
    assert [(a["filename"], a["kept"]) for a in message["attachments"]] == [("small.txt", True),
                                                                            ("huge.bin", False)]
    assert "1000 bytes" in message["attachments"][1]["not_kept_reason"]
    [event] = tap.wait_for("attachments_rejected")
    assert event["to_email"] == "ayse@musteri.com.tr" and event["skipped"][0]["filename"] == "huge.bin"


def test_the_envelope_recipient_picks_the_department(running):
    answer = running.post(mail("env-1@musteri.com.tr", to="someone@else.com"), recipient="satis@example.com")
    assert running.ticket(answer.json()["ticket_number"])["department"]["email"] == "satis@example.com"


def test_bad_input_gets_a_clear_4xx(running):
    wrong_type = requests.post(running.url, data=b"x", headers={"Content-Type": "application/json"}, timeout=10)
    assert wrong_type.status_code == 415 and wrong_type.json()["error"]["field"] == "Content-Type"
    assert running.post(b"   \r\n").status_code == 400
    bad_recipient = running.post(mail("r-1@musteri.com.tr"), recipient="not an address")
    assert bad_recipient.status_code == 400 and bad_recipient.json()["error"]["field"] == "recipient"


@pytest.mark.service_env(SENDER_RATE_LIMIT="2")
def test_a_mail_storm_is_held_and_answered_202(running):
    statuses = [running.post(mail(f"storm-{i}@bot.example", sender="bot@bot.example")).json()["status"]
                for i in range(4)]
    assert statuses == ["created", "created", "held", "held"]
    owner = running.tickets.authenticate("owner@example.com", "destek-demo")["id"]
    assert len(running.tickets.list_held_messages(owner)) == 2


def test_a_mail_sent_chunked_without_a_length_is_taken_and_a_long_one_refused(running, monkeypatch):
    raw = mail("chunked-1@musteri.com.tr", subject="Parça parça gelen posta")

    def in_chunks(body: bytes):  # requests sends an iterable as Transfer-Encoding: chunked
        yield from (body[i:i + 100] for i in range(0, len(body), 100))
    answer = requests.post(running.url, data=in_chunks(raw), timeout=30, headers={"Content-Type": "message/rfc822"})
    assert answer.status_code == 202, answer.text
    assert running.ticket(answer.json()["ticket_number"])["subject"] == "Parça parça gelen posta"
    monkeypatch.setattr("services.ingest.service.MAX_REQUEST_BYTES", 200)
    too_long = requests.post(running.url, data=in_chunks(mail("chunked-2@musteri.com.tr")), timeout=30,
                             headers={"Content-Type": "message/rfc822"})
    assert too_long.status_code == 413 and too_long.json()["error"]["field"] == "body"
