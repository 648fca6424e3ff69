"""Pipelines, stages, categories and the Kanban board over the real service."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from services.shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.tickets.tests.core_support import demo, new_ticket, tickets  # noqa: F401 (fixtures)


def by_name(tickets, demo) -> dict:
    return {p["name"]: p for p in tickets.list_pipelines(demo.agent)}


def test_the_default_pipelines_are_sales_from_lead_and_service_from_new(tickets, demo):
    pipelines = by_name(tickets, demo)
    assert pipelines["Satış"]["type"] == "sales"
    assert [s["name"] for s in pipelines["Satış"]["stages"]] == ["Lead", "Qualified", "Proposal", "Won", "Lost"]
    assert pipelines["Servis"]["type"] == "service"
    assert [s["name"] for s in pipelines["Servis"]["stages"]] == ["New", "In progress", "Waiting", "Done"]


def test_owners_create_rename_reorder_and_delete_pipelines_and_stages(tickets, demo):
    owner = demo.owner
    created = tickets.create_pipeline(owner, {"name": "Kurumsal", "type": "sales", "stages": ["Lead", "Won"]})
    pid = created["id"]
    with_stage = tickets.add_stage(owner, pid, {"name": "Teklif", "position": 1})
    assert [s["name"] for s in with_stage["stages"]] == ["Lead", "Teklif", "Won"]
    lead, teklif, won = (s["id"] for s in with_stage["stages"])
    reordered = tickets.reorder_stages(owner, pid, {"stage_ids": [teklif, lead, won]})
    assert [(s["name"], s["position"]) for s in reordered["stages"]] == [("Teklif", 0), ("Lead", 1), ("Won", 2)]
    assert tickets.update_stage(owner, pid, teklif, {"name": "Öneri"})["stages"][0]["name"] == "Öneri"
    assert [s["name"] for s in tickets.delete_stage(owner, pid, won)["stages"]] == ["Öneri", "Lead"]
    assert tickets.update_pipeline(owner, pid, {"name": "Kurumsal satış"})["name"] == "Kurumsal satış"
    order = [p["id"] for p in tickets.list_pipelines(owner)]
    assert [p["id"] for p in tickets.reorder_pipelines(owner, {"pipeline_ids": order[::-1]})] == order[::-1]
    tickets.delete_pipeline(owner, pid)
    with pytest.raises(NotFound):
        tickets.get_pipeline(owner, pid)


def test_pipeline_changes_are_for_owners_and_refuse_what_would_lose_tickets(tickets, demo):
    service = by_name(tickets, demo)["Servis"]
    with pytest.raises(Forbidden):
        tickets.create_pipeline(demo.manager, {"name": "X", "type": "sales"})
    with pytest.raises(Forbidden):
        tickets.delete_stage(demo.agent, service["id"], service["stages"][0]["id"])
    new_ticket(tickets, demo)
    with pytest.raises(Conflict, match="move them first"):
        tickets.delete_stage(demo.owner, service["id"], service["stages"][0]["id"])
    with pytest.raises(Conflict, match="move them first"):
        tickets.delete_pipeline(demo.owner, service["id"])
    with pytest.raises(Conflict):
        tickets.update_pipeline(demo.owner, service["id"], {"type": "sales"})
    with pytest.raises(Conflict):
        tickets.create_pipeline(demo.owner, {"name": "Servis", "type": "service"})
    with pytest.raises(InvalidInput) as refused:
        tickets.create_pipeline(demo.owner, {"name": "Y", "type": "support"})
    assert refused.value.field == "type"
    with pytest.raises(InvalidInput) as refused:
        tickets.reorder_stages(demo.owner, service["id"], {"stage_ids": [service["stages"][0]["id"]]})
    assert refused.value.field == "stage_ids"


def test_owners_keep_a_two_level_category_tree_in_order(tickets, demo):
    owner = demo.owner
    kargo = tickets.create_category(owner, {"name": "Kargo"})
    fatura = tickets.create_category(owner, {"name": "Fatura", "position": 0})
    gecikme = tickets.create_category(owner, {"name": "Gecikme", "parent_id": kargo["id"]})
    assert [(c["name"], [s["name"] for s in c["children"]]) for c in tickets.list_categories(demo.agent)] == \
        [("Fatura", []), ("Kargo", ["Gecikme"])]
    with pytest.raises(InvalidInput, match="subcategories cannot have subcategories"):
        tickets.create_category(owner, {"name": "Çok derin", "parent_id": gecikme["id"]})
    with pytest.raises(Conflict):
        tickets.create_category(owner, {"name": "KARGO"})
    tickets.update_category(owner, kargo["id"], {"name": "Kargo ve teslimat", "position": 0})
    assert [c["name"] for c in tickets.list_categories(owner)] == ["Kargo ve teslimat", "Fatura"]
    with pytest.raises(Conflict, match="has subcategories"):
        tickets.delete_category(owner, kargo["id"])
    number = new_ticket(tickets, demo, subcategory_id=gecikme["id"])["number"]
    tickets.delete_category(owner, gecikme["id"])
    assert tickets.get_ticket(owner, number)["subcategory"] is None
    with pytest.raises(Forbidden):
        tickets.create_category(demo.manager, {"name": "Yönetici"})
    tickets.delete_category(owner, fatura["id"])


def test_the_board_shows_each_stage_with_its_cards_and_their_figures(tickets, demo):
    service = by_name(tickets, demo)["Servis"]
    urgent = new_ticket(tickets, demo, subject="Acil", priority=1)["number"]
    normal = new_ticket(tickets, demo, subject="Normal", customer={"name": "Deniz Ak", "phone": "05321112233"})
    three_days_ago = datetime.now(timezone.utc) - timedelta(days=3, hours=1)
    demo.execute("UPDATE tickets.tickets SET call_count = 2, last_call_at = :t, stage_entered_at = :t "
                 "WHERE number = :n", t=three_days_ago, n=normal["number"])
    board = tickets.get_board(demo.manager, service["id"])
    assert [c["stage"]["name"] for c in board["columns"]] == ["New", "In progress", "Waiting", "Done"]
    new_column = board["columns"][0]
    assert new_column["count"] == 2 and [c["number"] for c in new_column["cards"]] == [urgent, normal["number"]]
    card = new_column["cards"][1]
    assert card == {**card, "subject": "Normal", "customer_name": "Deniz Ak", "priority": 3,
                    "days_in_stage": 3, "days_since_last_call": 3, "call_count": 2}
    assert new_column["cards"][0]["days_since_last_call"] is None


def test_a_board_column_pages_and_shows_only_what_the_viewer_may_list(tickets, demo):
    service = by_name(tickets, demo)["Servis"]
    new_stage = service["stages"][0]["id"]
    made = [new_ticket(tickets, demo, subject=f"Talep {i}")["number"] for i in range(3)]
    new_ticket(tickets, demo, subject="Satış talebi", department_id=demo.satis)
    page = tickets.get_board(demo.agent, service["id"], {"stage_id": new_stage, "limit": 2})
    [column] = page["columns"]
    assert column["count"] == 3 and [c["number"] for c in column["cards"]] == made[:2]
    rest = tickets.get_board(demo.agent, service["id"], {"stage_id": new_stage, "cursor": column["next_cursor"]})
    assert [c["number"] for c in rest["columns"][0]["cards"]] == made[2:]
    with pytest.raises(InvalidInput) as refused:
        tickets.get_board(demo.agent, service["id"], {"cursor": column["next_cursor"]})
    assert refused.value.field == "cursor"
    with pytest.raises(NotFound):
        tickets.get_board(demo.agent, 999)


def test_a_ticket_opened_by_mail_lands_in_the_first_stage_of_the_service_pipeline(tickets, demo):
    from services.tickets.tests.inbound.test_service_inbound import inbound
    [result] = tickets.receive_messages([inbound("pipeline-1@example.org")])
    ticket = tickets.get_ticket(demo.owner, result["ticket_number"])
    assert ticket["pipeline"]["name"] == "Servis" and ticket["stage"]["name"] == "New"
    assert ticket["stage_entered_at"] == ticket["created_at"]
    assert [t["number"] for t in tickets.list_tickets(demo.owner, {"q": "fatura sorusu"})["items"]] == \
        [result["ticket_number"]]
