"""Acknowledgements and attachments notices over the real bus, database and SMTP server."""
from __future__ import annotations

from email.utils import parsedate_to_datetime

from nameko.rpc import rpc
from nameko.standalone.events import event_dispatcher

from services.notify.service import NotifyService
from services.shared.contracts.events import AttachmentsRejected, TicketCreated
from services.shared.events import new_event
from services.shared.tests.sample_events import sample_wire
from tests.support.waiting import eventually


class TicketsWithATurkishDepartment:
    """Stands in for tickets: department 1 is "Müşteri Hizmetleri" on the environment's SMTP server."""
    name = "tickets"

    @rpc
    def get_department_mail_settings(self, department_id):
        return {"department_id": department_id, "email": "destek@firma.com.tr", "name": "Müşteri Hizmetleri",
                "send_acknowledgement": True, "smtp": None}


def ticket_created(number: str, **fields) -> dict:
    return sample_wire(TicketCreated, **{
        "ticket_number": number, "subject": "Siparişim gelmedi", "channel": "email", "department_id": 1,
        "department_email": "destek@example.com", "customer_email": "ayse@musteri.com.tr",
        "customer_name": "Ayşe Yılmaz", "is_auto_submitted": False, "send_acknowledgement": True,
        "message_id": f"ilk-{number}@musteri.com.tr", "created_at": "2026-11-22T10:00:00+00:00", **fields})


def attachments_rejected(number: str, **fields) -> dict:
    return sample_wire(AttachmentsRejected, **{
        "ticket_number": number, "department_id": 1, "department_email": "destek@example.com",
        "to_email": "ayse@musteri.com.tr", "message_id": f"buyuk-{number}@musteri.com.tr",
        "skipped": [{"filename": "çizim.dwg", "content_type": "application/acad", "size": 31457280,
                     "reason": "larger than the 25 MB limit"}], **fields})


def test_a_new_email_ticket_is_acknowledged_once_threaded_onto_the_customers_mail(
        start_service, rabbit_config, clean_db, smtp, event_tap):
    tap = event_tap("notify")
    start_service(NotifyService)
    event = ticket_created("2026-000101")
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", event)
    dispatch("tickets", "ticket_created", event)  # redelivered
    dispatch("tickets", "ticket_created", {**event, "event_id": new_event("x", {})["event_id"]})  # republished
    [sent] = smtp.wait_for(1)
    mail = sent.message
    assert sent.rcpt_tos == ["ayse@musteri.com.tr"] and "destek@example.com" in mail["From"]
    assert "[#2026-000101]" in mail["Subject"] and mail["Auto-Submitted"] == "auto-replied"
    assert mail["In-Reply-To"] == mail["References"] == "<ilk-2026-000101@musteri.com.tr>"
    body = mail.get_content()
    assert "takip numaranız #2026-000101" in body and "tracking number is #2026-000101" in body
    [recorded] = tap.wait_for("acknowledgement_sent")
    assert recorded["message_id"] == mail["Message-ID"].strip("<>") and recorded["to_email"] == "ayse@musteri.com.tr"
    assert recorded["subject"] == mail["Subject"] and recorded["body_text"].strip() == body.strip()
    assert recorded["in_reply_to"] == ["ilk-2026-000101@musteri.com.tr"] and recorded["sent_at"]
    assert len(smtp.messages) == 1


def test_no_acknowledgement_goes_to_automatic_senders_agent_tickets_or_departments_that_turned_it_off(
        start_service, rabbit_config, clean_db, smtp):
    start_service(NotifyService)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", ticket_created("2026-000201", is_auto_submitted=True))
    dispatch("tickets", "ticket_created", ticket_created("2026-000202", channel="web"))
    dispatch("tickets", "ticket_created", ticket_created("2026-000203", send_acknowledgement=False))
    dispatch("tickets", "ticket_created", ticket_created("2026-000204", customer_email="noreply@shop.example"))
    dispatch("tickets", "ticket_created", ticket_created("2026-000205"))  # the only one to answer
    [sent] = smtp.wait_for(1)
    assert "[#2026-000205]" in sent.message["Subject"]
    assert len(smtp.messages) == 1


def test_the_sender_of_an_oversized_mail_is_told_once_what_was_not_kept(
        start_service, rabbit_config, clean_db, smtp, event_tap):
    tap = event_tap("notify")
    start_service(NotifyService)
    dispatch = event_dispatcher(rabbit_config)
    event = attachments_rejected("2026-000301")
    dispatch("tickets", "attachments_rejected", event)
    dispatch("tickets", "attachments_rejected", {**event, "event_id": new_event("x", {})["event_id"]})
    [sent] = smtp.wait_for(1)
    mail = sent.message
    assert sent.rcpt_tos == ["ayse@musteri.com.tr"] and mail["Auto-Submitted"] == "auto-replied"
    assert mail["In-Reply-To"] == "<buyuk-2026-000301@musteri.com.tr>" and "[#2026-000301]" in mail["Subject"]
    assert "  - çizim.dwg (30.0 MB): larger than the 25 MB limit" in mail.get_content()
    [recorded] = tap.wait_for("attachments_notice_sent")
    assert recorded["ticket_number"] == "2026-000301" and recorded["message_id"] == mail["Message-ID"].strip("<>")
    assert len(smtp.messages) == 1


def test_a_new_ticket_notify_cannot_read_is_parked_naming_the_field_and_the_rest_of_its_batch_acknowledged(
        start_service, rabbit_config, clean_db, smtp, rpc):
    start_service(NotifyService)
    unreadable = {**ticket_created("2026-000401"), "department_id": "Satış"}
    rejected = {**attachments_rejected("2026-000403"), "skipped": [{"filename": "çizim.dwg"}]}
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", [unreadable, ticket_created("2026-000402")])  # one batch
    dispatch("tickets", "attachments_rejected", rejected)
    [sent] = smtp.wait_for(1)
    assert "[#2026-000402]" in sent.message["Subject"]
    parked = eventually(lambda: (found := rpc.notify.list_parked_events()) and len(found) == 3 and found)
    unreadable_reason = "cannot read a ticket_created event: department_id must be a whole number, not 'Satış'"
    assert {(p["event_id"], p["handler"], p["error"].partition(": ")[2]) for p in parked} == {
        (unreadable["event_id"], "handle_ticket_created", unreadable_reason),
        (unreadable["event_id"], "tell_staff_of_ticket_created", unreadable_reason),  # its own queue, its own park
        (rejected["event_id"], "handle_attachments_rejected",
         "cannot read a attachments_rejected event: skipped[0].content_type is missing")}
    assert len(smtp.messages) == 1


def test_a_burst_of_new_tickets_is_acknowledged_over_few_smtp_connections_and_one_refusal_stops_no_other(
        start_service, rabbit_config, clean_db, smtp):
    start_service(NotifyService)
    dispatch = event_dispatcher(rabbit_config)
    smtp.set_failure(550, "5.1.1 no such mailbox", recipient="yok@example.org")
    numbers = [f"2026-0003{index:02d}" for index in range(40)]
    # As the outbox relay sends a burst: the events in one message, so that they make one batch
    # whatever the load on the machine.
    dispatch("tickets", "ticket_created", [ticket_created("2026-000399", customer_email="yok@example.org")] + [
        ticket_created(number, customer_email=f"m{number[-2:]}@example.org") for number in numbers])
    received = smtp.wait_for(len(numbers), timeout=20)
    assert sorted(mail.message["X-Destek-Ticket"] for mail in received) == numbers and smtp.rejected_count == 1
    assert sorted(mail.rcpt_tos[0] for mail in received) == [f"m{n[-2:]}@example.org" for n in numbers]
    connections = {mail.peer for mail in received}
    assert len(connections) <= len(numbers) // 4, f"{len(connections)} SMTP connections for {len(numbers)} mails"


def test_an_acknowledgement_keeps_its_turkish_names_subject_and_headers_through_a_real_smtp_server(
        start_service, rabbit_config, clean_db, smtp, event_tap):
    tap = event_tap("notify")
    start_service(TicketsWithATurkishDepartment)
    start_service(NotifyService)
    event_dispatcher(rabbit_config)("tickets", "ticket_created", ticket_created(
        "2026-000601", subject="Ödeme iadesi hâlâ gelmedi, çok üzgünüm", customer_name="Çağla Şimşek"))
    [sent] = smtp.wait_for(1)
    mail = sent.message
    assert sent.mail_from == "destek@firma.com.tr" and sent.rcpt_tos == ["ayse@musteri.com.tr"]
    assert (mail["From"].addresses[0].display_name, mail["From"].addresses[0].addr_spec) == \
        ("Müşteri Hizmetleri", "destek@firma.com.tr")
    assert (mail["To"].addresses[0].display_name, mail["To"].addresses[0].addr_spec) == \
        ("Çağla Şimşek", "ayse@musteri.com.tr")
    assert mail["Subject"] == ("Talebiniz alındı / Request received: Ödeme iadesi hâlâ gelmedi, çok üzgünüm "
                               "[#2026-000601]")
    assert mail["In-Reply-To"] == mail["References"] == "<ilk-2026-000601@musteri.com.tr>"
    assert mail["Message-ID"].endswith("@firma.com.tr>") and mail["Auto-Submitted"] == "auto-replied"
    assert mail["MIME-Version"] == "1.0" and mail.get_content_type() == "text/plain"
    assert mail.get_content_charset() == "utf-8" and parsedate_to_datetime(mail["Date"]).tzinfo is not None
    assert "Merhaba Çağla Şimşek," in mail.get_content() and "Müşteri Hizmetleri\n" in mail.get_content()
    [recorded] = tap.wait_for("acknowledgement_sent")
    assert recorded["subject"] == mail["Subject"] and recorded["message_id"] == mail["Message-ID"].strip("<>")
    assert (recorded["from_name"], recorded["from_email"]) == ("Müşteri Hizmetleri", "destek@firma.com.tr")
