"""Who is told what, and how they chose to be told: plain functions, no mocks."""
from __future__ import annotations

import pytest

from services.notify.notifications import rules
from services.notify.notifications.rules import TicketCopy
from services.shared.errors import InvalidInput

STAFF = [{"id": 5, "role": "manager"}, {"id": 7, "role": "agent"}, {"id": 9, "role": "agent", "is_active": False}]


def ticket(assignee_id=None) -> TicketCopy:
    return TicketCopy(number="2026-000001", department_id=1, assignee_id=assignee_id, subject="Kargo")


def test_an_assignee_who_took_the_ticket_themselves_is_not_told():
    assert rules.assigned(ticket(7), by_user_id=7) == []
    assert [a.user_id for a in rules.assigned(ticket(7), by_user_id=5)] == [7]


def test_a_new_unassigned_ticket_goes_to_its_departments_active_staff_only():
    assert [a.user_id for a in rules.new_unassigned(ticket(), STAFF)] == [5, 7]
    assert rules.new_unassigned(ticket(7), STAFF) == []


def test_a_breach_goes_to_managers_only():
    assert [a.user_id for a in rules.breached(ticket(7), STAFF, sla_kind="first_response", due_at="x")] == [5]


def test_robots_and_staff_writing_in_do_not_count_as_the_customer_writing():
    def told(**facts):
        return [a.user_id for a in rules.customer_wrote(ticket(7), from_email="a@b.c", **facts)]
    assert told(sender_kind=None, is_auto_submitted=False) == [7]
    assert told(sender_kind="agent", is_auto_submitted=False) == []
    assert told(sender_kind="customer", is_auto_submitted=True) == []


def test_a_breach_cannot_be_turned_off_and_unknown_kinds_or_choices_are_refused_naming_the_kind():
    assert rules.choice_of("sla_breached", {"sla_breached": "off"}) == "console"
    assert rules.choice_of("new_unassigned", {}) == "console"
    for body, field in (({"sla_breached": "off"}, "sla_breached"), ({"lunch": "off"}, "lunch"),
                        ({"ticket_assigned": "loud"}, "ticket_assigned"), ([], "body")):
        with pytest.raises(InvalidInput) as refused:
            rules.read_choices(body)
        assert refused.value.field == field


def test_a_digest_lists_every_notification_in_both_languages_without_a_tracking_tag():
    items = [{"kind": "sla_breached", "ticket_number": f"2026-00000{i}", "data": {"subject": "Kargo",
              "sla_kind": "first_response"}} for i in range(3)]
    text = rules.staff_mail_text(items, name="Mehmet", console_url="https://destek.example/")
    assert text.subject == "Destek: 3 yeni bildirim / 3 new notifications" and "[#" not in text.subject
    assert text.body.startswith("Merhaba Mehmet,") and text.body.count("SLA aşıldı (ilk yanıt)") == 3
    assert "https://destek.example/tickets/2026-000002" in text.body and "SLA breached (first response)" in text.body
