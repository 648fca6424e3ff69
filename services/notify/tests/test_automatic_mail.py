"""The rules and texts of the mail Destek writes on its own: plain functions, no bus."""
from __future__ import annotations

from services.notify.domain.automatic_mail import (acknowledgement_skip_reason, acknowledgement_text,
                                                   attachments_notice_text, human_size, stable_message_id,
                                                   tagged_subject)
from services.shared.contracts.events import TicketCreated
from services.shared.contracts.inbound import SkippedAttachment
from services.shared.tests.sample_events import sample


def created(**fields) -> TicketCreated:
    return sample(TicketCreated, **{"channel": "email", "send_acknowledgement": True, "is_auto_submitted": False,
                                    "customer_email": "ayse@musteri.com.tr", **fields})


def test_a_customer_who_wrote_an_email_is_acknowledged():
    assert acknowledgement_skip_reason(created(), "destek@example.com") is None


def test_tickets_agents_opened_or_from_other_channels_are_not_acknowledged():
    assert acknowledgement_skip_reason(created(channel="web"), "destek@example.com")
    assert acknowledgement_skip_reason(created(channel="agent"), "destek@example.com")
    assert acknowledgement_skip_reason(created(channel="whatsapp"), "destek@example.com")


def test_automatic_and_bulk_senders_are_never_answered():
    assert "automatic" in acknowledgement_skip_reason(created(is_auto_submitted=True), "destek@example.com")


def test_a_department_can_switch_acknowledgements_off():
    assert acknowledgement_skip_reason(created(send_acknowledgement=False), "destek@example.com")


def test_a_ticket_from_before_the_setting_existed_follows_its_departments_setting():
    older = created(send_acknowledgement=None)
    assert acknowledgement_skip_reason(older, "destek@example.com") is None
    assert acknowledgement_skip_reason(older, "destek@example.com", department_sends=False)
    assert acknowledgement_skip_reason(created(), "destek@example.com", department_sends=False) is None


def test_no_reply_addresses_and_the_department_itself_get_no_acknowledgement():
    for address in ("noreply@shop.example", "no-reply-orders@shop.example", "MAILER-DAEMON@mx.example",
                    "Destek@Example.com", ""):
        assert acknowledgement_skip_reason(created(customer_email=address), "destek@example.com"), address


def test_the_acknowledgement_carries_the_tracking_number_in_turkish_and_english():
    text = acknowledgement_text(ticket_number="2026-000123", subject="Siparişim gelmedi",
                                customer_name="Ayşe Yılmaz", department_name="Destek")
    assert text.subject == "Talebiniz alındı / Request received: Siparişim gelmedi [#2026-000123]"
    assert "Merhaba Ayşe Yılmaz" in text.body and "takip numaranız #2026-000123" in text.body
    assert "Hello Ayşe Yılmaz" in text.body and "tracking number is #2026-000123" in text.body


def test_a_name_that_is_only_an_address_is_not_used_as_a_greeting():
    text = acknowledgement_text(ticket_number="2026-000123", subject="x", customer_name="ali@example.org",
                                department_name="Destek")
    assert text.body.startswith("Merhaba,\n") and "ali@example.org" not in text.body


def test_the_attachments_notice_lists_every_file_with_its_size_and_reason():
    text = attachments_notice_text(ticket_number="2026-000007", department_name="Destek", skipped=(
        SkippedAttachment(filename="rapor.pdf", content_type="application/pdf", size=30 * 1024 * 1024,
                          reason="larger than the 25 MB limit"),
        SkippedAttachment(filename="foto.jpg", content_type="image/jpeg", size=2048,
                          reason="would exceed the total limit")))
    assert text.subject.endswith("[#2026-000007]")
    assert "  - rapor.pdf (30.0 MB): larger than the 25 MB limit" in text.body
    assert "  - foto.jpg (2 KB): would exceed the total limit" in text.body


def test_a_subject_carries_the_tracking_tag_once_with_its_spaces_tidied():
    assert tagged_subject("  Siparişim   gelmedi ", "2026-000123") == "Siparişim gelmedi [#2026-000123]"
    assert tagged_subject("Re: [#2026-000123] Fatura", "2026-000123") == "Re: [#2026-000123] Fatura"
    assert tagged_subject("", "2026-000123") == "[#2026-000123]"


def test_sizes_read_as_people_write_them():
    assert [human_size(n) for n in (10, 2048, 5 * 1024 * 1024, None)] == ["1 KB", "2 KB", "5.0 MB", "? MB"]


def test_the_same_automatic_mail_always_gets_the_same_message_id_in_the_department_domain():
    first = stable_message_id("ack", "2026-000001", "destek@firma.com.tr")
    assert first == stable_message_id("ack", "2026-000001", "destek@firma.com.tr")
    assert first != stable_message_id("ack", "2026-000002", "destek@firma.com.tr")
    assert first.endswith("@firma.com.tr")
