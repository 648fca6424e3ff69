"""The ticket core over the real bus and database: opening, changing, moving and deleting tickets."""
from __future__ import annotations

import pytest

from services.shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.tickets.tests.core_support import demo, new_ticket, tickets  # noqa: F401 (fixtures)


def test_a_new_ticket_has_a_number_its_customer_and_the_first_service_stage(tickets, demo, event_tap):
    tap = event_tap("tickets")
    ticket = new_ticket(tickets, demo, description="Üç gündür bekliyorum", channel="phone")
    assert ticket["number"][4] == "-" and ticket["status"] == "new" and ticket["priority"] == 3
    assert ticket["customer"]["email"] == "ayse@musteri.com.tr" and ticket["customer"]["name"] == "Ayşe Yılmaz"
    assert ticket["pipeline"]["name"] == "Servis" and ticket["stage"]["name"] == "New"
    assert ticket["channel"] == "phone" and ticket["description"] == "Üç gündür bekliyorum"
    assert ticket["time_in_stage_seconds"] == 0 and ticket["messages"] == []
    [created] = tap.wait_for("ticket_created")
    assert created["ticket_number"] == ticket["number"] and created["send_acknowledgement"] is False
    again = new_ticket(tickets, demo, customer={"email": "AYSE@musteri.com.tr", "phone": "0555 123 45 67"})
    assert again["customer"]["id"] == ticket["customer"]["id"] and again["customer"]["phone"] == "+905551234567"


def test_subject_priority_department_and_a_reachable_customer_are_required(tickets, demo):
    for missing, field in (("subject", "subject"), ("priority", "priority"), ("department_id", "department_id"),
                           ("customer", "customer")):
        body = {"subject": "Soru", "priority": 2, "department_id": demo.destek, "customer": {"email": "a@b.co"}}
        del body[missing]
        with pytest.raises(InvalidInput) as refused:
            tickets.create_ticket(demo.manager, body)
        assert refused.value.field == field
    for customer, field in (({"email": "not-an-email"}, "customer.email"), ({"phone": "12"}, "customer.phone"),
                            ({"name": "Adı var ama iletişim yok"}, "customer.email")):
        with pytest.raises(InvalidInput) as refused:
            new_ticket(tickets, demo, customer=customer)
        assert refused.value.field == field
    with pytest.raises(InvalidInput) as refused:
        new_ticket(tickets, demo, priority=5)
    assert refused.value.field == "priority"


def test_a_message_given_at_creation_is_the_first_mail_and_a_later_reply_answers_it(tickets, demo, event_tap):
    tap = event_tap("tickets")
    ticket = new_ticket(tickets, demo, message="Merhaba, talebinizi aldık.")
    [reply] = tap.wait_for("reply_posted")
    assert reply["ticket_number"] == ticket["number"] and reply["to_email"] == "ayse@musteri.com.tr"
    assert ticket["status"] == "open" and [m["direction"] for m in ticket["messages"]] == ["outbound"]
    # The first mail of a conversation: no "Re:", nothing it answers.
    assert reply["subject"] == f"Kargom gelmedi [#{ticket['number']}]" and reply["in_reply_to"] == reply["references"] == []
    # The agent writes again before the customer answers: it answers the first, so mail programs thread them.
    tickets.post_reply(demo.manager, ticket["number"], "Bir de fatura bilgisi:", None)
    [again] = [r for r in tap.wait_for("reply_posted", count=2) if r["message_id"] != reply["message_id"]]
    assert again["in_reply_to"] == again["references"] == [reply["message_id"]]
    assert again["subject"] == f"Re: Kargom gelmedi [#{ticket['number']}]"
    with pytest.raises(InvalidInput) as refused:
        new_ticket(tickets, demo, customer={"phone": "05551112233"}, message="Merhaba")
    assert refused.value.field == "message"


def test_an_agents_new_ticket_is_assigned_to_that_agent_and_only_to_them(tickets, demo):
    ticket = tickets.create_ticket(demo.agent, {"subject": "Telefonla gelen talep", "priority": 2,
                                                "department_id": demo.destek, "customer": {"phone": "05551112233"}})
    assert ticket["assignee_id"] == demo.agent
    with pytest.raises(Forbidden):
        tickets.create_ticket(demo.agent, {"subject": "x", "priority": 2, "department_id": demo.destek,
                                           "customer": {"phone": "05551112233"}, "assignee_id": demo.manager})
    with pytest.raises(Forbidden):
        tickets.create_ticket(demo.agent, {"subject": "x", "priority": 2, "department_id": demo.satis,
                                           "customer": {"phone": "05551112233"}})


def test_status_follows_the_workflow_and_stamps_resolution_times(tickets, demo, event_tap):
    tap = event_tap("tickets")
    number = new_ticket(tickets, demo)["number"]
    assert tickets.update_ticket(demo.manager, number, {"status": "in_progress"})["status"] == "in_progress"
    resolved = tickets.update_ticket(demo.manager, number, {"status": "resolved"})
    assert resolved["resolved_at"] and resolved["resolution_seconds"] >= 0
    closed = tickets.update_ticket(demo.manager, number, {"status": "closed"})
    assert closed["closed_at"] and closed["resolved_at"] == resolved["resolved_at"]
    with pytest.raises(Conflict, match="closed ticket cannot be set to pending") as refused:
        tickets.update_ticket(demo.manager, number, {"status": "pending"})
    assert refused.value.field == "status"
    reopened = tickets.update_ticket(demo.manager, number, {"status": "open"})
    assert reopened["resolved_at"] is None and reopened["closed_at"] is None
    changes = [(e["old_status"], e["new_status"]) for e in tap.wait_for("ticket_status_changed", 4)]
    assert changes == [("new", "in_progress"), ("in_progress", "resolved"), ("resolved", "closed"),
                       ("closed", "open")]


def test_only_managers_assign_and_a_ticket_has_one_kind_of_assignee(tickets, demo):
    number = new_ticket(tickets, demo)["number"]
    assert tickets.update_ticket(demo.manager, number, {"assignee_id": demo.agent})["assignee_id"] == demo.agent
    with pytest.raises(Forbidden):
        tickets.update_ticket(demo.agent, number, {"assignee_id": None})
    by_ai = tickets.update_ticket(demo.manager, number, {"assignee_ai_agent": "Sesli Asistan"})
    assert by_ai["assignee_id"] is None and by_ai["assignee_ai_agent"] == "Sesli Asistan"
    with pytest.raises(InvalidInput, match="not both"):
        tickets.update_ticket(demo.manager, number, {"assignee_id": demo.agent, "assignee_ai_agent": "X"})
    with pytest.raises(InvalidInput) as refused:
        tickets.update_ticket(demo.manager, number, {"assignee_id": 999})
    assert refused.value.field == "assignee_id"


def test_a_transfer_needs_a_manager_of_both_departments(tickets, demo):
    demo.execute("INSERT INTO tickets.departments (name, email, is_default, send_acknowledgement, created_at) "
                 "VALUES ('Muhasebe', 'muhasebe@example.com', false, true, now())")
    muhasebe = demo.scalar("SELECT id FROM tickets.departments WHERE name = 'Muhasebe'")
    number = new_ticket(tickets, demo, assignee_id=demo.agent)["number"]
    with pytest.raises(Forbidden, match="manager of both"):
        tickets.update_ticket(demo.manager, number, {"department_id": muhasebe})
    moved = tickets.update_ticket(demo.manager, number, {"department_id": demo.satis})
    assert moved["department"]["name"] == "Satış" and moved["assignee_id"] is None  # the agent is not in Satış
    assert tickets.update_ticket(demo.owner, number, {"department_id": muhasebe})["department"]["id"] == muhasebe


def test_pipeline_changes_need_a_stage_of_the_new_pipeline_and_cards_keep_their_type(tickets, demo):
    pipelines = {p["name"]: p for p in tickets.list_pipelines(demo.owner)}
    sales, service = pipelines["Satış"], pipelines["Servis"]
    number = new_ticket(tickets, demo)["number"]
    in_progress = service["stages"][1]["id"]
    assert tickets.move_ticket(demo.manager, number, in_progress)["stage"]["name"] == "In progress"
    with pytest.raises(InvalidInput, match="service ticket and Satış is a sales pipeline"):
        tickets.move_ticket(demo.manager, number, sales["stages"][0]["id"])
    with pytest.raises(InvalidInput, match="requires a stage of the new pipeline"):
        tickets.update_ticket(demo.manager, number, {"pipeline_id": sales["id"]})
    with pytest.raises(InvalidInput, match="send pipeline_id"):
        tickets.update_ticket(demo.manager, number, {"stage_id": sales["stages"][0]["id"]})
    lead = tickets.update_ticket(demo.manager, number, {"pipeline_id": sales["id"],
                                                        "stage_id": sales["stages"][0]["id"]})
    assert lead["pipeline"]["type"] == "sales" and lead["stage"]["name"] == "Lead"


def test_categories_and_subcategories_stay_consistent(tickets, demo):
    kargo = tickets.create_category(demo.owner, {"name": "Kargo"})
    gecikme = tickets.create_category(demo.owner, {"name": "Gecikme", "parent_id": kargo["id"]})
    fatura = tickets.create_category(demo.owner, {"name": "Fatura"})
    number = new_ticket(tickets, demo, subcategory_id=gecikme["id"])["number"]
    ticket = tickets.get_ticket(demo.manager, number)
    assert ticket["category"]["name"] == "Kargo" and ticket["subcategory"]["name"] == "Gecikme"
    moved = tickets.update_ticket(demo.manager, number, {"category_id": fatura["id"]})
    assert moved["category"]["name"] == "Fatura" and moved["subcategory"] is None
    with pytest.raises(InvalidInput) as refused:
        tickets.update_ticket(demo.manager, number, {"category_id": fatura["id"], "subcategory_id": gecikme["id"]})
    assert refused.value.field == "subcategory_id"


def test_every_change_is_in_the_history_in_order(tickets, demo):
    number = new_ticket(tickets, demo)["number"]
    tickets.update_ticket(demo.manager, number, {"priority": 1, "subject": "Kargom hâlâ gelmedi"})
    tickets.update_ticket(demo.manager, number, {"assignee_id": demo.agent, "status": "in_progress"})
    history = tickets.get_ticket_history(demo.agent, number)["items"]
    assert [(h["field"], h["old"], h["new"]) for h in history] == [
        ("created", None, number), ("priority", "3", "1"), ("subject", "Kargom gelmedi", "Kargom hâlâ gelmedi"),
        ("assignee", None, "Ayşe Temsilci"), ("status", "new", "in_progress")]
    assert {h["actor_name"] for h in history} == {"Mehmet Yönetici"}


def test_deleting_a_ticket_removes_it_for_good_but_keeps_its_customer_and_calls(tickets, demo, event_tap):
    tap = event_tap("tickets")
    ticket = new_ticket(tickets, demo, message="Merhaba")
    demo.execute("INSERT INTO tickets.calls (ticket_id, direction, started_at, duration_seconds, outcome, summary, "
                 "created_at) SELECT id, 'inbound', now(), 60, 'success', '', now() FROM tickets.tickets "
                 "WHERE number = :n", n=ticket["number"])
    with pytest.raises(Forbidden):
        tickets.delete_ticket(demo.agent, ticket["number"])
    tickets.delete_ticket(demo.manager, ticket["number"])
    with pytest.raises(NotFound):
        tickets.get_ticket(demo.owner, ticket["number"])
    assert tickets.list_tickets(demo.owner)["items"] == []
    assert demo.scalar("SELECT count(*) FROM tickets.customers WHERE id = :i", i=ticket["customer"]["id"]) == 1
    assert demo.scalar("SELECT count(*) FROM tickets.calls WHERE ticket_id IS NULL") == 1
    assert demo.scalar("SELECT count(*) FROM tickets.messages") == demo.scalar("SELECT count(*) FROM tickets.history") == 0
    assert tap.wait_for("ticket_deleted")[0]["ticket_number"] == ticket["number"]


def test_a_ticket_for_a_known_customer_by_id_needs_a_customer_one_may_see(tickets, demo):
    satis_ticket = new_ticket(tickets, demo, department_id=demo.satis, customer={"email": "gizli@firma.com"})
    customer_id = satis_ticket["customer"]["id"]
    again = new_ticket(tickets, demo, department_id=demo.satis, customer=None, customer_id=customer_id)
    assert again["customer"]["id"] == customer_id
    with pytest.raises(InvalidInput) as refused:
        tickets.create_ticket(demo.agent, {"subject": "x", "priority": 2, "department_id": demo.destek,
                                           "customer_id": customer_id})
    assert refused.value.field == "customer_id"
