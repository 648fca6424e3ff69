"""Staff notifications over the real bus, database and a recording SMTP server, asking the real tickets service.

Department 1 ("Satış", satis@firma.com.tr) has manager 5 (Mehmet), agents 7 (Ayşe) and 8 (Can);
the digest window is short so that a burst is gathered within a test.
"""
from __future__ import annotations

import time

import pytest
from nameko.standalone.events import event_dispatcher
from sqlalchemy.orm import Session

from services.notify.service import NotifyService
from services.shared.contracts.events import MessageReceived, SlaBreached, TicketCreated, TicketUpdated
from services.shared.events import utcnow
from services.shared.tests.sample_events import sample_wire
from services.tickets.models import Department, Membership, User
from services.tickets.service import TicketsService
from tests.support.waiting import eventually

STAFF = {5: ("mehmet@firma.com.tr", "Mehmet Kaya", "manager"), 7: ("ayse@firma.com.tr", "Ayşe Demir", "agent"),
         8: ("can@firma.com.tr", "Can Öz", "agent")}
WINDOW = 3


def seed_staff(engine) -> None:
    """Department 1 and its staff as tickets keeps them, under the ids the tests name."""
    now = utcnow()
    with Session(engine) as session, session.begin():
        session.add(Department(id=1, name="Satış", email="satis@firma.com.tr", is_default=True,
                               send_acknowledgement=False, created_at=now))
        session.add(User(id=9, email="owner@firma.com.tr", name="Owner", password_hash="-", is_owner=True,
                         created_at=now))  # an owner is no department's member: never told
        for user_id, (email, name, role) in STAFF.items():
            session.add(User(id=user_id, email=email, name=name, password_hash="-", created_at=now))
            session.flush()
            session.add(Membership(user_id=user_id, department_id=1, role=role))


@pytest.fixture
def notify(start_service, monkeypatch, smtp, clean_db):
    monkeypatch.setenv("STAFF_DIGEST_WINDOW_SECONDS", str(WINDOW))
    monkeypatch.setenv("STAFF_DIGEST_SCAN_SECONDS", "0.3")
    seed_staff(clean_db)
    start_service(TicketsService)
    start_service(NotifyService)


def created(number: str, **fields) -> dict:
    return sample_wire(TicketCreated, **{
        "ticket_number": number, "subject": "Fatura hatalı", "channel": "web", "department_id": 1,
        "department_email": "satis@firma.com.tr", "customer_email": "musteri@example.com",
        "send_acknowledgement": False, "assignee_id": 7, "created_by_user_id": 7, **fields})


def assigned(number: str, assignee_id: int, by_user_id: int = 5) -> dict:
    return sample_wire(TicketUpdated, ticket_number=number, department_id=1, assignee_id=assignee_id,
                       updated_by_user_id=by_user_id, changes=[{"field": "assignee", "old": None, "new": "Can Öz"}])


def known_tickets(clean_db, count: int) -> bool:
    with clean_db.connect() as connection:
        return connection.exec_driver_sql("SELECT count(*) FROM notify.tickets").scalar() == count


def test_a_hundred_breaches_at_once_become_one_digest_mail_to_the_manager(notify, rabbit_config, smtp, rpc,
                                                                             clean_db):
    dispatch = event_dispatcher(rabbit_config)
    numbers = [f"2026-0007{index:02d}" for index in range(100)]
    dispatch("tickets", "ticket_created", [created(number) for number in numbers])  # self-assigned: nobody told
    assert eventually(lambda: known_tickets(clean_db, 100), timeout=20)
    dispatch("sla", "sla_breached", [sample_wire(SlaBreached, ticket_number=number, kind="resolution")
                                     for number in numbers])
    [digest] = smtp.wait_for(1, timeout=20)
    time.sleep(WINDOW + 1)  # nothing more comes after the window
    assert len(smtp.messages) == 1
    mail = digest.message
    assert digest.rcpt_tos == ["mehmet@firma.com.tr"] and digest.mail_from == "satis@firma.com.tr"
    assert mail["From"].addresses[0].display_name == "Satış"
    assert mail["Subject"] == "Destek: 100 yeni bildirim / 100 new notifications"
    assert mail["Auto-Submitted"] == "auto-generated" and mail["In-Reply-To"] is None
    assert mail["References"] is None and mail["X-Destek-Ticket"] is None and "[#" not in mail["Subject"]
    body = mail.get_content()
    assert body.count("SLA aşıldı (çözüm)") == 100 and body.count("SLA breached (resolution)") == 100
    assert "http://localhost:8000/tickets/2026-000742" in body
    listed = rpc.notify.list_notifications(5, {"limit": 200})
    assert listed["unread"] == 100 and len(listed["items"]) == 100
    assert rpc.notify.list_notifications(7)["unread"] == 0  # agents are not told of breaches


def test_a_redelivered_assignment_notifies_and_mails_once_outside_the_customers_thread(
        notify, rabbit_config, smtp, rpc, clean_db):
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", created("2026-000801"))
    assert eventually(lambda: known_tickets(clean_db, 1))
    event = assigned("2026-000801", 8)
    dispatch("tickets", "ticket_updated", event)
    dispatch("tickets", "ticket_updated", event)  # redelivered
    [sent] = smtp.wait_for(1, timeout=15)
    time.sleep(WINDOW + 1)
    assert len(smtp.messages) == 1 and sent.rcpt_tos == ["can@firma.com.tr"]
    assert sent.message["Subject"] == ("Talep size atandı: 2026-000801 Fatura hatalı / "
                                       "Ticket assigned to you: 2026-000801 Fatura hatalı")
    assert sent.message["Auto-Submitted"] == "auto-generated" and sent.message["In-Reply-To"] is None
    [item] = rpc.notify.list_notifications(8)["items"]
    assert item["kind"] == "ticket_assigned" and item["link"] == "/tickets/2026-000801" and not item["read"]
    assert rpc.notify.mark_notifications_read(8, {"ids": [item["id"]]}) == {"marked": 1, "unread": 0}
    assert rpc.notify.list_notifications(5)["items"] == []  # the manager assigned it: not told of their own act


def test_off_sends_nothing_and_console_stores_without_mailing(notify, rabbit_config, smtp, rpc, clean_db):
    rpc.notify.update_notification_settings(7, {"customer_wrote": "off"})
    settings = rpc.notify.update_notification_settings(8, {"customer_wrote": "console"})
    assert settings["kinds"]["customer_wrote"] == "console" and settings["kinds"]["ticket_assigned"] == \
        "console_and_email"
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", [created("2026-000901"), created("2026-000902", assignee_id=8,
                                                                           created_by_user_id=8)])
    assert eventually(lambda: known_tickets(clean_db, 2))
    for number in ("2026-000901", "2026-000902"):
        dispatch("tickets", "message_received", sample_wire(
            MessageReceived, ticket_number=number, from_email="musteri@example.com", sender_kind="customer"))
    assert eventually(lambda: rpc.notify.list_notifications(8)["unread"] == 1)
    time.sleep(WINDOW + 1.5)
    assert smtp.messages == [] and rpc.notify.list_notifications(7)["items"] == []
    [item] = rpc.notify.list_notifications(8)["items"]
    assert item["title"]["en"] == "The customer wrote (musteri@example.com): 2026-000902 Fatura hatalı"


def test_a_new_unassigned_ticket_tells_its_departments_staff_in_the_console_and_an_automatic_mail_nobody(
        notify, rabbit_config, smtp, rpc, clean_db):
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", created("2026-001001", assignee_id=None, created_by_user_id=None))
    assert eventually(lambda: all(rpc.notify.list_notifications(user)["unread"] == 1 for user in STAFF))
    dispatch("tickets", "message_received", sample_wire(
        MessageReceived, ticket_number="2026-001001", from_email="bot@example.com", is_auto_submitted=True))
    time.sleep(WINDOW + 1)
    assert smtp.messages == []  # new unassigned tickets are console only by default
    assert [item["kind"] for item in rpc.notify.list_notifications(7)["items"]] == ["new_unassigned"]
    assert rpc.notify.list_notifications(9)["items"] == []  # the owner is no member of the department
