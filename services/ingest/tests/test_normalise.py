"""The inbound message ingest builds from a raw mail: where it was delivered, its files, what was not kept."""
from pathlib import Path

from services.shared.attachment_store import AttachmentStore
from services.ingest.normalise import raw_mail_to_message as read_mail


def raw_mail_to_message(raw, **kwargs):
    """The message's wire form, with ``original`` standing for the bytes kept beside it (None: not kept)."""
    message, original = read_mail(raw, **kwargs)
    assert message.original is None  # only the batcher knows where the mail is archived
    return {**message.to_wire(), "original": original}

RAW = b"""Delivered-To: satis@example.com
X-Original-To: satis@example.com
From: =?utf-8?q?Ay=C5=9Fe?= <AYSE@musteri.com.tr>
To: Destek <destek@example.com>
Cc: muhasebe@example.com
Subject: Teklif
Message-ID: <t1@musteri.com.tr>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain; charset=utf-8

Teklif istiyorum.
--b
Content-Type: application/pdf; name=teklif.pdf
Content-Disposition: attachment; filename=teklif.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQgdGVrbGlm
--b
Content-Type: application/zip; name=buyuk.zip
Content-Disposition: attachment; filename=buyuk.zip
Content-Transfer-Encoding: base64

""" + b"QUFB" * 400 + b"""
--b--
"""


def test_the_envelope_recipient_comes_first_then_delivered_to_then_to_and_cc(tmp_path):
    message = raw_mail_to_message(RAW, envelope_recipient="Destek@Example.com", store=AttachmentStore(tmp_path),
                                  max_attachment_bytes=1000)
    assert message["recipients"] == ["destek@example.com", "satis@example.com", "muhasebe@example.com"]
    assert message["to"] == ["destek@example.com"] and message["cc"] == ["muhasebe@example.com"]
    without = raw_mail_to_message(RAW, envelope_recipient=None, store=AttachmentStore(tmp_path),
                                  max_attachment_bytes=1000)
    assert without["recipients"][0] == "satis@example.com"


def test_kept_files_are_stored_and_listed_and_the_rest_is_listed_as_not_kept(tmp_path):
    store = AttachmentStore(tmp_path)
    message = raw_mail_to_message(RAW, envelope_recipient=None, store=store, max_attachment_bytes=1000)
    [kept] = message["attachments"]
    assert kept["filename"] == "teklif.pdf" and kept["size"] == 15 and kept["inline"] is False
    assert store.path_of(kept["sha256"]).read_bytes() == b"%PDF-1.4 teklif"
    assert message["skipped_attachments"] == [{"filename": "buyuk.zip", "content_type": "application/zip",
                                               "size": 1200, "reason": "larger than the 1000 bytes limit"}]
    assert message["from_email"] == "ayse@musteri.com.tr" and message["from_name"] == "Ayşe"
    assert message["original"] is None  # it would keep the file the limit refused


def test_the_mail_is_kept_as_it_came_with_what_reading_it_had_to_guess(tmp_path):
    store = AttachmentStore(tmp_path)
    raw = (b"From: ayse@musteri.com.tr\r\nTo: destek@example.com\r\nSubject: Sipari\xfe\r\n"
           b"Message-ID: <guess-1@musteri.com.tr>\r\nContent-Type: text/plain; charset=x-yok-boyle\r\n\r\n"
           b"Sipari\xfeim nerede? \xddade istiyorum.\r\n")
    message = raw_mail_to_message(raw, envelope_recipient=None, store=store, max_attachment_bytes=1000)
    assert message["body_text"] == "Siparişim nerede? İade istiyorum."
    assert message["original"] == raw  # the batcher archives it before tickets sees the message
    assert any("x-yok-boyle" in note for note in message["parse_notes"]), message["parse_notes"]
    assert raw_mail_to_message(RAW.replace(b"QUFB" * 400, b"QUFB"), envelope_recipient=None, store=store,
                               max_attachment_bytes=1000)["parse_notes"] == []


def test_a_bounce_carries_its_delivery_reports_and_other_mail_none(tmp_path):
    store = AttachmentStore(tmp_path)
    bounce = (Path(__file__).parent / "corpus" / "tr_qmail_bounce.eml").read_bytes()
    message = raw_mail_to_message(bounce, envelope_recipient=None, store=store, max_attachment_bytes=1000)
    assert message["delivery_reports"] == [{
        "recipient": "ahmet@bayi.example.net", "action": "failed", "status": "5.1.1",
        "diagnostic": "Sorry, no mailbox here by that name. (#5.1.1)",
        "original_message_id": "a81f3c07.2026-000077@example.com"}]
    assert message["is_auto_submitted"] is True
    assert raw_mail_to_message(RAW, envelope_recipient=None, store=store,
                               max_attachment_bytes=1000)["delivery_reports"] == []


def test_a_reply_to_travels_with_the_mail_for_answers_to_go_there(tmp_path):
    form = (b"From: Magaza <noreply@magaza.example>\r\nReply-To: =?utf-8?q?Zeynep_=C3=87elik?= <Zeynep@Musteri.example>\r\n"
            b"To: destek@example.com\r\nSubject: Form\r\n\r\nSiparis 1234\r\n")
    message = raw_mail_to_message(form, envelope_recipient=None, store=AttachmentStore(tmp_path),
                                  max_attachment_bytes=1000)
    assert message["from_email"] == "noreply@magaza.example" and message["reply_to"] == "zeynep@musteri.example"
    assert raw_mail_to_message(RAW, envelope_recipient=None, store=AttachmentStore(tmp_path),
                               max_attachment_bytes=1000)["reply_to"] is None
