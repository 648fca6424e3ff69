"""Department mailbox settings over the real bus: owners set them, ingest and notify read them."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from services.shared.errors import Forbidden, InvalidInput, NotFound
from services.tickets.service import TicketsService

IMAP = {"enabled": True, "host": "imap.firma.com", "security": "tls", "user": "destek@example.com",
        "password": "İmap-şifresi"}
SMTP = {"host": "smtp.firma.com", "security": "starttls", "username": "destek@example.com",
        "password": "smtp-şifresi"}


@pytest.fixture
def tickets(start_service, demo_org, rpc):
    start_service(TicketsService)
    return rpc.tickets


def login(tickets, email):
    return tickets.authenticate(email, "destek-demo")["id"]


def destek(tickets):
    return next(d["id"] for d in tickets.list_departments() if d["email"] == "destek@example.com")


def test_an_owner_sets_a_mailbox_and_ingest_gets_it_with_its_password(tickets):
    owner, department = login(tickets, "owner@example.com"), destek(tickets)
    shown = tickets.update_department_mail_settings(owner, department, {"imap": IMAP, "smtp": SMTP})
    assert shown["imap"] == {"enabled": True, "host": "imap.firma.com", "port": 993, "security": "tls",
                             "user": "destek@example.com", "folder": "INBOX", "move_to": None,
                             "password_set": True}
    assert shown["smtp"]["password_set"] is True and "password" not in shown["smtp"]
    assert tickets.list_imap_mailboxes() == [{
        "department_id": department, "department_email": "destek@example.com", "host": "imap.firma.com",
        "port": 993, "security": "tls", "user": "destek@example.com", "password": "İmap-şifresi",
        "folder": "INBOX", "move_to": None}]


def test_notify_gets_the_smtp_settings_in_the_agreed_shape(tickets):
    owner, department = login(tickets, "owner@example.com"), destek(tickets)
    before = tickets.get_department_mail_settings(department)
    assert before == {"department_id": department, "email": "destek@example.com", "name": "Destek",
                      "send_acknowledgement": True, "smtp": None}
    tickets.update_department_mail_settings(owner, department, {"smtp": SMTP, "send_acknowledgement": False})
    after = tickets.get_department_mail_settings(department)
    assert after["send_acknowledgement"] is False
    assert after["smtp"] == {"host": "smtp.firma.com", "port": 587, "security": "starttls",
                             "username": "destek@example.com", "password": "smtp-şifresi"}


def test_passwords_are_encrypted_at_rest(tickets, engine):
    owner, department = login(tickets, "owner@example.com"), destek(tickets)
    tickets.update_department_mail_settings(owner, department, {"imap": IMAP, "smtp": SMTP})
    with engine.connect() as conn:
        row = conn.execute(text("SELECT imap_password, smtp_password FROM tickets.department_mail_settings"))\
            .one()
    for sealed in row:
        assert "şifresi".encode() not in bytes(sealed) and "şifresi".encode("utf-8") not in bytes(sealed)


def test_a_change_leaves_out_what_it_does_not_mention(tickets):
    owner, department = login(tickets, "owner@example.com"), destek(tickets)
    tickets.update_department_mail_settings(owner, department, {"imap": IMAP})
    shown = tickets.update_department_mail_settings(owner, department, {"imap": {"folder": "Destek"}})
    assert shown["imap"]["folder"] == "Destek" and shown["imap"]["password_set"] is True
    assert tickets.list_imap_mailboxes()[0]["password"] == "İmap-şifresi"
    removed = tickets.update_department_mail_settings(owner, department, {"imap": None})
    assert removed["imap"] is None and tickets.list_imap_mailboxes() == []


def test_only_owners_see_or_change_mail_settings(tickets):
    manager, department = login(tickets, "manager@example.com"), destek(tickets)
    with pytest.raises(Forbidden):
        tickets.describe_department_mail_settings(manager, department)
    with pytest.raises(Forbidden):
        tickets.update_department_mail_settings(manager, department, {"imap": IMAP})


def test_invalid_settings_are_refused_naming_the_field(tickets):
    owner, department = login(tickets, "owner@example.com"), destek(tickets)
    with pytest.raises(InvalidInput) as refused:
        tickets.update_department_mail_settings(owner, department, {"imap": {**IMAP, "security": "ssl"}})
    assert refused.value.field == "imap.security"
    with pytest.raises(InvalidInput) as refused:
        tickets.update_department_mail_settings(owner, department, {"imap": {**IMAP, "password": None}})
    assert refused.value.field == "imap.password"
    with pytest.raises(NotFound):
        tickets.update_department_mail_settings(owner, 9999, {"imap": IMAP})
    assert tickets.list_imap_mailboxes() == []
