"""``/api/v1/deliveries/destinations`` against real tickets and notify services and a closed SMTP port."""
from __future__ import annotations

import pytest

from services.gateway.tests.test_mail_api import api as mail_api  # noqa: F401  (a fixture)
from services.notify.service import NotifyService
from services.notify.tests.backlog import overdue_deliveries
from tests.support.smtp_server import RecordingSmtpServer
from tests.support.waiting import eventually


@pytest.fixture
def api(mail_api, start_service, monkeypatch):
    """The gateway and tickets (as the mail API's tests have them), and a notify whose SMTP port is closed."""
    with RecordingSmtpServer() as probe:
        closed_port = probe.port  # nothing listens there once the probe is gone: connections are refused
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(closed_port))
    monkeypatch.setenv("SMTP_FIRST_RETRY_SECONDS", "30")
    start_service(NotifyService)
    return mail_api


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
