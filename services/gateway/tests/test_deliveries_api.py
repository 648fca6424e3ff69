"""``/api/v1/deliveries/destinations`` against real tickets and notify services and a closed SMTP port."""
from __future__ import annotations

import pytest

from services.gateway.app import create_app
from services.notify.service import NotifyService
from services.notify.tests.backlog import overdue_deliveries
from services.shared.config import Settings, load_settings
from services.tickets.service import TicketsService
from tests.support.smtp_server import RecordingSmtpServer
from tests.support.waiting import eventually


@pytest.fixture
def api(start_service, demo_org, rabbit_config, monkeypatch):
    """The gateway, tickets and a notify whose SMTP server's port is closed (connections refused)."""
    with RecordingSmtpServer() as probe:
        closed_port = probe.port
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(closed_port))
    monkeypatch.setenv("SMTP_FIRST_RETRY_SECONDS", "30")
    start_service(TicketsService)
    start_service(NotifyService)
    app = create_app(Settings(amqp_uri=rabbit_config["AMQP_URI"], database_url=load_settings().database_url,
                              host="127.0.0.1", max_workers=2))
    client = app.test_client()

    def login(email: str) -> dict:
        answer = client.post("/api/v1/auth/login", json={"email": email, "password": "destek-demo"})
        return {"Authorization": f"Bearer {answer.get_json()['token']}"}
    client.login = login
    yield client
    app.extensions["destek.rpc"].close()


def test_an_owner_sees_the_failing_mail_server_with_its_error_and_how_much_waits_for_it(api, demo_org):
    overdue_deliveries(demo_org, department_id=1, count=500, prefix="ack-")
    owner = api.login("owner@example.com")

    def failing():
        items = api.get("/api/v1/deliveries/destinations", headers=owner).get_json()["items"]
        return next((item for item in items if item["state"] == "failing"), None)
    shown = eventually(failing, timeout=15)
    assert shown["destination"] == "smtp:department:1" and shown["channel"] == "smtp"
    assert shown["deliveries_waiting"] == 500 and shown["failures_in_a_row"] == 1
    assert "ECONNREFUSED" in shown["last_error"] or "refused" in shown["last_error"].lower()
    assert shown["failing_since"] and shown["next_attempt_at"] > shown["failing_since"]


def test_destinations_are_for_owners_only_with_the_reason_in_turkish_and_english(api):
    refused = api.get("/api/v1/deliveries/destinations", headers=api.login("manager@example.com"))
    assert refused.status_code == 403
    message = refused.get_json()["error"]["message"]
    assert "yalnızca sahipler" in message and "owners only" in message
    assert api.get("/api/v1/deliveries/destinations").status_code == 401
