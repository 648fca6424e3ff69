"""Automatic mail as written for the wire, read back by the standard library as a mail client would: no bus."""
from __future__ import annotations

import email
import email.policy
from email.utils import parsedate_to_datetime

from services.notify.domain.automatic_mail import acknowledgement_text
from services.notify.wire import automatic_mail

LONG_TURKISH = "Çok acil: şirketimizin ödeme sisteminde iade işlemleri günlerdir bekliyor ve müşterilerimiz çok üzgün"


def acknowledgement(*, subject: str = "Siparişim gelmedi", customer: str = "Ayşe Yılmaz",
                    department: str = "Müşteri Hizmetleri", **fields) -> tuple[bytes, object]:
    text = acknowledgement_text(ticket_number="2026-000123", subject=subject, customer_name=customer,
                                department_name=department)
    raw = automatic_mail(**{
        "from_email": "destek@firma.com.tr", "from_name": department, "to_email": "ayse@musteri.com.tr",
        "to_name": customer, "subject": text.subject, "body": text.body, "message_id": "ack.1f2e@firma.com.tr",
        "in_reply_to": ["ilk@musteri.com.tr"], "references": ["ilk@musteri.com.tr"],
        "ticket_number": "2026-000123", **fields})
    return raw, text


def parsed(raw: bytes):
    return email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=email.policy.default)


def header_lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


def test_an_acknowledgement_reads_back_with_every_header_and_its_turkish_text_intact():
    raw, text = acknowledgement()
    mail = parsed(raw)
    assert mail["From"].addresses[0].display_name == "Müşteri Hizmetleri"
    assert mail["From"].addresses[0].addr_spec == "destek@firma.com.tr"
    assert mail["To"].addresses[0].display_name == "Ayşe Yılmaz"
    assert mail["To"].addresses[0].addr_spec == "ayse@musteri.com.tr"
    assert mail["Subject"] == "Talebiniz alındı / Request received: Siparişim gelmedi [#2026-000123]"
    assert mail["Message-ID"] == "<ack.1f2e@firma.com.tr>"
    assert mail["In-Reply-To"] == mail["References"] == "<ilk@musteri.com.tr>"
    assert mail["Auto-Submitted"] == "auto-replied" and mail["X-Destek-Ticket"] == "2026-000123"
    assert mail["MIME-Version"] == "1.0" and mail.get_content_type() == "text/plain"
    assert mail.get_content_charset() == "utf-8"
    assert parsedate_to_datetime(mail["Date"]).tzinfo is not None
    assert mail.get_content() == text.body and "takip numaranız #2026-000123" in mail.get_content()
    assert mail.defects == [] and all(not mail[name].defects for name in mail)


def test_the_raw_mail_is_plain_ascii_with_crlf_line_ends_and_the_tracking_number_readable():
    raw, _ = acknowledgement()
    assert raw.isascii() and b"\n" not in raw.replace(b"\r\n", b"")
    subject = b" ".join(line.strip() for line in header_lines(raw) if line.startswith((b"Subject:", b" ")))
    assert b"[#2026-000123]" in subject and b"=?utf-8?q?" in subject


def test_long_turkish_subjects_and_names_stay_within_the_line_and_encoded_word_limits():
    raw, text = acknowledgement(subject=LONG_TURKISH, customer="Ayşe Gülşen Yılmaz-Öztürk Çağlayan Şimşek İnce",
                                department="Satış Sonrası Destek ve Müşteri İlişkileri Birimi (İstanbul Şubesi)")
    assert all(len(line) <= 78 for line in header_lines(raw))
    assert all(len(word) <= 75 for line in header_lines(raw) for word in line.split() if word.startswith(b"=?"))
    mail = parsed(raw)
    assert mail["Subject"] == text.subject
    assert " ".join(mail["To"].addresses[0].display_name.split()) == "Ayşe Gülşen Yılmaz-Öztürk Çağlayan Şimşek İnce"


def test_a_line_break_in_a_name_or_subject_cannot_add_a_header():
    raw, _ = acknowledgement(subject="Merhaba\r\nBcc: herkes@example.org", customer="Ali\nBcc: herkes@example.org")
    mail = parsed(raw)
    assert mail["Bcc"] is None and not any(line.startswith(b"Bcc") for line in header_lines(raw))
    assert "Bcc: herkes@example.org" in mail["Subject"]


def test_text_that_looks_like_an_encoded_word_is_kept_as_the_customer_wrote_it():
    raw, _ = acknowledgement(subject="=?utf-8?q?Merhaba?= dünya")
    assert parsed(raw)["Subject"].startswith("Talebiniz alındı / Request received: =?utf-8?q?Merhaba?= dünya")


def test_ascii_names_with_commas_or_quotes_are_quoted_and_read_back_whole():
    raw, _ = acknowledgement(customer='Veli, Ali "Usta"', department="Destek")
    mail = parsed(raw)
    assert mail["To"].addresses[0].display_name == 'Veli, Ali "Usta"'
    assert mail["From"].addresses[0].display_name == "Destek"


def test_a_body_line_starting_with_a_dot_or_ending_in_a_space_survives_the_encoding():
    raw = automatic_mail(from_email="destek@firma.com.tr", from_name="", to_email="ayse@musteri.com.tr",
                         to_name="", subject="x [#2026-000123]", body=".\n-- \nİyi günler.\n", message_id="a@b",
                         in_reply_to=[], references=[], ticket_number="2026-000123")
    assert parsed(raw).get_content() == ".\n-- \nİyi günler.\n"
    assert parsed(raw)["In-Reply-To"] is None and parsed(raw)["References"] is None
