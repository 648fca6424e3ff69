"""``/api/v1/notifications`` and ``/users/me/notification-settings`` against the real tickets and notify services."""
from __future__ import annotations

import pytest
from nameko.standalone.events import event_dispatcher

from services.gateway.tests.test_mail_api import api as mail_api  # noqa: F401  (a fixture)
from services.notify.service import NotifyService
from services.shared.contracts.events import TicketCreated, TicketUpdated
from services.shared.tests.sample_events import sample_wire
from tests.support.smtp_server import RecordingSmtpServer
from tests.support.waiting import eventually


@pytest.fixture
def api(mail_api, start_service, monkeypatch):
    """The gateway and tickets (as the mail API's tests have them), and notify mailing a recording server."""
    with RecordingSmtpServer() as smtp:
        monkeypatch.setenv("SMTP_HOST", smtp.host)
        monkeypatch.setenv("SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("STAFF_DIGEST_WINDOW_SECONDS", "1")
        monkeypatch.setenv("STAFF_DIGEST_SCAN_SECONDS", "0.3")
        start_service(NotifyService)
        mail_api.smtp = smtp
        yield mail_api


def test_an_agent_sees_the_ticket_assigned_to_them_marks_it_read_and_is_mailed_from_the_department(
        api, rabbit_config):
    agent, manager = api.login("agent@example.com"), api.login("manager@example.com")
    agent_id = api.get("/api/v1/auth/me", headers=agent).get_json()["id"]
    manager_id = api.get("/api/v1/auth/me", headers=manager).get_json()["id"]
    dispatch = event_dispatcher(rabbit_config)
    # the manager opens the ticket as their own (nobody is told), then hands it to the agent
    dispatch("tickets", "ticket_created", sample_wire(
        TicketCreated, ticket_number="2026-000501", subject="Kargo gecikti", channel="web", department_id=1,
        send_acknowledgement=False, assignee_id=manager_id, created_by_user_id=manager_id))
    dispatch("tickets", "ticket_updated", sample_wire(
        TicketUpdated, ticket_number="2026-000501", department_id=1, assignee_id=agent_id,
        updated_by_user_id=manager_id, changes=[{"field": "assignee", "old": "Mehmet Yönetici", "new": "Ayşe Temsilci"}]))

    listed = eventually(lambda: (got := api.get("/api/v1/notifications", headers=agent).get_json())["unread"]
                        and got)
    [item] = listed["items"]
    assert listed["unread"] == 1 and item["kind"] == "ticket_assigned" and item["link"] == "/tickets/2026-000501"
    assert item["title"] == {"tr": "Talep size atandı: 2026-000501 Kargo gecikti",
                             "en": "Ticket assigned to you: 2026-000501 Kargo gecikti"}
    [sent] = api.smtp.wait_for(1, timeout=15)
    assert sent.rcpt_tos == ["agent@example.com"] and sent.mail_from == "destek@example.com"
    assert sent.message["Auto-Submitted"] == "auto-generated"

    read = api.post("/api/v1/notifications/read", headers=agent, json={"ids": [item["id"]]})
    assert read.get_json() == {"marked": 1, "unread": 0}
    assert api.get("/api/v1/notifications?unread_only=true", headers=agent).get_json() == {"items": [], "unread": 0}
    assert api.get("/api/v1/notifications", headers=manager).get_json()["items"] == []  # each sees their own


@pytest.mark.parametrize("method, path, body, field", [
    ("get", "/api/v1/notifications?unread_only=maybe", None, "unread_only"),
    ("get", "/api/v1/notifications?limit=0", None, "limit"),
    ("get", "/api/v1/notifications?before_id=99999999999999999999", None, "before_id"),
    ("post", "/api/v1/notifications/read", {"ids": [0]}, "ids"),
    ("post", "/api/v1/notifications/read", {}, "ids"),
    ("post", "/api/v1/notifications/read", {"all": "yes"}, "all"),
    ("post", "/api/v1/notifications/read", {"all": True, "ids": None}, "ids"),
    ("post", "/api/v1/notifications/read", {"everything": True}, "everything"),
    ("put", "/api/v1/users/me/notification-settings", {"sla_breached": "off"}, "sla_breached"),
    ("put", "/api/v1/users/me/notification-settings", {"ticket_assigned": "loud"}, "ticket_assigned"),
    ("put", "/api/v1/users/me/notification-settings", [], "body"),
])
def test_a_wrong_request_is_refused_naming_the_field(api, method, path, body, field):
    answer = getattr(api, method)(path, headers=api.login("agent@example.com"), json=body)
    assert answer.status_code == 422 and answer.get_json()["error"]["field"] == field


def test_settings_start_at_the_defaults_and_keep_what_the_user_chose(api):
    agent = api.login("agent@example.com")
    settings = api.get("/api/v1/users/me/notification-settings", headers=agent).get_json()
    assert settings["kinds"] == {"ticket_assigned": "console_and_email", "customer_wrote": "console_and_email",
                                 "new_unassigned": "console", "sla_breached": "console_and_email"}
    assert settings["always_on"] == ["sla_breached"]
    changed = api.put("/api/v1/users/me/notification-settings", headers=agent, json={"new_unassigned": "off"})
    assert changed.status_code == 200 and changed.get_json()["kinds"]["new_unassigned"] == "off"
    assert api.get("/api/v1/users/me/notification-settings", headers=agent).get_json()["kinds"][
        "new_unassigned"] == "off"
    assert api.get("/api/v1/notifications").status_code == 401
