"""Per-department SMTP servers: asked of tickets by RPC, cached, with the environment's server as fallback."""
from __future__ import annotations

import pytest
from nameko.rpc import rpc
from nameko.standalone.events import event_dispatcher

from services.notify.service import NotifyService
from services.notify.tests.starttls_smtp import starttls_server
from services.notify.tests.test_service_notify import reply_posted
from tests.support.smtp_server import RecordingSmtpServer

CALLS: list[int] = []
SETTINGS: dict[int, dict] = {}


class TicketsWithMailSettings:
    """Stands in for the tickets service's side of the contract: ``get_department_mail_settings``."""
    name = "tickets"

    @rpc
    def get_department_mail_settings(self, department_id):
        CALLS.append(department_id)
        return SETTINGS[department_id]


class TicketsWithoutMailSettings:
    """A tickets service from before departments had mail settings."""
    name = "tickets"

    @rpc
    def list_departments(self):
        return []


def department(department_id: int, smtp: dict | None) -> dict:
    return {"department_id": department_id, "email": f"d{department_id}@example.com", "name": "Satış",
            "send_acknowledgement": True, "smtp": smtp}


def reply_from(department_id: int, message_id: str) -> dict:
    return {**reply_posted(message_id), "department_id": department_id}


@pytest.fixture
def own_smtp():
    with RecordingSmtpServer() as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_fake_state():
    CALLS.clear()
    SETTINGS.clear()


def test_a_department_with_its_own_server_sends_through_it_and_one_without_through_the_default(
        start_service, rabbit_config, clean_db, smtp, own_smtp):
    SETTINGS.update({1: department(1, None), 2: department(2, {
        "host": own_smtp.host, "port": own_smtp.port, "security": "none", "username": "", "password": ""})})
    start_service(TicketsWithMailSettings)
    start_service(NotifyService)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "reply_posted", reply_from(2, "own-1@example.com"))
    dispatch("tickets", "reply_posted", reply_from(1, "default-1@example.com"))
    [through_own] = own_smtp.wait_for(1)
    [through_default] = smtp.wait_for(1)
    assert through_own.message["Message-ID"] == "<own-1@example.com>"
    assert through_default.message["Message-ID"] == "<default-1@example.com>"


def test_a_burst_of_mail_asks_tickets_for_the_settings_once(
        start_service, rabbit_config, clean_db, smtp, own_smtp):
    SETTINGS[2] = department(2, {"host": own_smtp.host, "port": own_smtp.port, "security": "none"})
    start_service(TicketsWithMailSettings)
    start_service(NotifyService)
    dispatch = event_dispatcher(rabbit_config)
    for number in range(6):
        dispatch("tickets", "reply_posted", reply_from(2, f"burst-{number}@example.com"))
    assert len(own_smtp.wait_for(6)) == 6
    assert CALLS == [2]


def test_a_tickets_service_without_the_settings_rpc_leaves_mail_on_the_default_server(
        start_service, rabbit_config, clean_db, smtp):
    start_service(TicketsWithoutMailSettings)
    start_service(NotifyService)
    event_dispatcher(rabbit_config)("tickets", "reply_posted", reply_from(2, "old-tickets@example.com"))
    [sent] = smtp.wait_for(1)
    assert sent.message["Message-ID"] == "<old-tickets@example.com>"


def test_a_department_server_that_wants_starttls_and_a_login_gets_them(
        start_service, rabbit_config, clean_db, smtp, tmp_path, monkeypatch):
    with starttls_server(tmp_path, "destek@example.com", "gizli-şifre") as (port, certificate, received):
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate))  # trust the test server's own certificate
        SETTINGS[3] = department(3, {"host": "127.0.0.1", "port": port, "security": "starttls",
                                     "username": "destek@example.com", "password": "gizli-şifre"})
        start_service(TicketsWithMailSettings)
        start_service(NotifyService)
        event_dispatcher(rabbit_config)("tickets", "reply_posted", reply_from(3, "tls-1@example.com"))
        [sent] = received.wait_for(1)
        assert sent.message["Message-ID"] == "<tls-1@example.com>"
