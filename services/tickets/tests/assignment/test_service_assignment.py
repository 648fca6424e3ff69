"""Automatic assignment over the real bus and database: settings, availability, hand-back, and a burst."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import text

from services.shared.errors import Forbidden, InvalidInput, NotFound
from services.tickets.service import TicketsService
from services.tickets.tests.core_support import Demo, demo, new_ticket, tickets  # noqa: F401 (fixtures)
from services.tickets.tests.inbound.test_service_inbound import inbound


def add_agent(demo: Demo, name: str, department_id: int, availability: str = "available") -> int:
    """An agent of the department, straight into the database (no login needed here)."""
    user_id = demo.execute(
        "INSERT INTO tickets.users (email, name, password_hash, is_owner, is_active, failed_logins, created_at, "
        "availability) VALUES (:email, :name, 'x', false, true, 0, now(), :availability) RETURNING id",
        email=f"{name.lower()}@example.com", name=name, availability=availability).scalar()
    demo.execute("INSERT INTO tickets.memberships (user_id, department_id, role) VALUES (:u, :d, 'agent')",
                 u=user_id, d=department_id)
    return user_id


def assignee_counts(demo: Demo) -> dict:
    with demo.engine.connect() as conn:
        return dict(conn.execute(text("SELECT assignee_id, count(*) FROM tickets.tickets GROUP BY assignee_id")).all())


def test_a_new_ticket_goes_round_the_available_agents_and_history_says_the_system_did_it(tickets, demo,
                                                                                          event_tap):
    tap = event_tap("tickets")
    second = add_agent(demo, "Deniz", demo.destek)
    add_agent(demo, "Ece", demo.destek, availability="away")
    setting = tickets.set_department_assignment(demo.manager, demo.destek, {"mode": "round_robin"})
    assert setting == {"department_id": demo.destek, "mode": "round_robin", "max_open_per_agent": None,
                       "unassigned_open": 0}
    assigned = [new_ticket(tickets, demo)["assignee_id"] for _ in range(4)]
    assert assigned == [demo.agent, second, demo.agent, second]  # the away agent is skipped
    created = tap.wait_for("ticket_created", count=4)
    assert [e["assignee_id"] for e in created] == assigned
    number = created[0]["ticket_number"]
    history = tickets.get_ticket_history(demo.manager, number)["items"]
    assert [(h["actor"], h["field"], h["new"]) for h in history][-1] == ("system", "assignee", "Ayşe Temsilci")


def test_a_ticket_that_finds_nobody_stays_unassigned_and_is_counted(tickets, demo):
    tickets.set_department_assignment(demo.manager, demo.destek, {"mode": "least_open", "max_open_per_agent": 1})
    first, second = new_ticket(tickets, demo), new_ticket(tickets, demo)
    assert (first["assignee_id"], second["assignee_id"]) == (demo.agent, None)
    assert tickets.get_department_assignment(demo.agent, demo.destek)["unassigned_open"] == 1
    listed = tickets.list_tickets(demo.manager, {"assignee": "unassigned"})["items"]
    assert [t["number"] for t in listed] == [second["number"]]


def test_an_agent_away_until_a_date_gets_nothing_and_a_reopened_ticket_of_theirs_moves_on(tickets, demo):
    colleague = add_agent(demo, "Deniz", demo.destek)
    tickets.set_department_assignment(demo.manager, demo.destek, {"mode": "round_robin"})
    ticket = new_ticket(tickets, demo)
    assert ticket["assignee_id"] == demo.agent
    tickets.update_ticket(demo.manager, ticket["number"], {"status": "resolved"})
    until = (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()
    shown = tickets.set_availability(demo.agent, {"status": "away", "away_until": until})
    assert shown["status"] == "away" and shown["available"] is False
    assert new_ticket(tickets, demo)["assignee_id"] == colleague
    reopened = tickets.update_ticket(demo.manager, ticket["number"], {"status": "open"})
    assert reopened["assignee_id"] == colleague
    history = tickets.get_ticket_history(demo.manager, ticket["number"])["items"]
    assert (history[-1]["actor"], history[-1]["old"], history[-1]["new"]) == ("system", "Ayşe Temsilci", "Deniz")


def test_only_owners_and_the_departments_managers_change_the_setting_and_each_user_only_their_availability(
        tickets, demo):
    with pytest.raises(Forbidden):
        tickets.set_department_assignment(demo.agent, demo.destek, {"mode": "round_robin"})
    with pytest.raises(Forbidden):
        tickets.get_department_assignment(demo.agent, demo.satis)
    with pytest.raises(NotFound):
        tickets.set_department_assignment(demo.owner, 99_999, {"mode": "off"})
    for body, field in (({"mode": "fast"}, "mode"), ({}, "mode"), ({"mode": "off", "max_open_per_agent": 0},
                        "max_open_per_agent"), ({"mode": "off", "x": 1}, "x")):
        with pytest.raises(InvalidInput) as refused:
            tickets.set_department_assignment(demo.owner, demo.destek, body)
        assert refused.value.field == field
    for body, field in (({"status": "busy"}, "status"), ({"status": "available", "away_until": "2030-01-01"},
                        "away_until"), ({"status": "away", "away_until": "2001-01-01T00:00:00Z"}, "away_until")):
        with pytest.raises(InvalidInput) as refused:
            tickets.set_availability(demo.agent, body)
        assert refused.value.field == field
    assert tickets.set_availability(demo.agent, {"status": "available"})["available"] is True


def test_a_manager_hands_an_absent_agents_open_tickets_to_a_colleague_or_the_pool(tickets, demo, event_tap):
    colleague = add_agent(demo, "Deniz", demo.destek)
    numbers = [new_ticket(tickets, demo, assignee_id=demo.agent)["number"] for _ in range(3)]
    tickets.update_ticket(demo.manager, numbers[2], {"status": "resolved"})  # not open: stays
    with pytest.raises(Forbidden):
        tickets.hand_back_tickets(demo.agent, demo.agent, {"to_user_id": None})
    with pytest.raises(InvalidInput) as refused:
        tickets.hand_back_tickets(demo.manager, demo.agent, {})
    assert refused.value.field == "to_user_id"
    tap = event_tap("tickets")
    moved = tickets.hand_back_tickets(demo.manager, demo.agent, {"to_user_id": colleague})
    assert moved == {"user_id": demo.agent, "to_user_id": colleague, "ticket_numbers": numbers[:2]}
    updated = tap.wait_for("ticket_updated", count=2)
    assert {e["ticket_number"] for e in updated} == set(numbers[:2])
    assert updated[0]["changes"] == [{"field": "assignee", "old": "Ayşe Temsilci", "new": "Deniz"}]
    # what notify needs to tell the colleague, and not to tell the manager who did it
    assert {(e["assignee_id"], e["updated_by_user_id"]) for e in updated} == {(colleague, demo.manager)}
    pooled = tickets.hand_back_tickets(demo.manager, colleague, {"to_user_id": None})
    assert pooled["ticket_numbers"] == numbers[:2]
    assert tickets.get_ticket(demo.manager, numbers[0])["assignee_id"] is None


WORKERS, TICKETS = 8, 1000


def test_a_thousand_tickets_created_at_once_spread_within_one_of_even(start_service, demo, rabbit_config):
    for _ in range(2):  # two containers, each with its own workers and database pool, as in production
        start_service(TicketsService, max_workers=6)
    agents = [demo.agent] + [add_agent(demo, f"Temsilci{i}", demo.destek) for i in range(4)]
    away = add_agent(demo, "Tatilde", demo.destek, availability="away")
    with ClusterRpcProxy(rabbit_config, timeout=60) as proxy:
        proxy.tickets.set_department_assignment(demo.manager, demo.destek, {"mode": "round_robin"})
        customer_id = new_ticket(proxy.tickets, demo)["customer"]["id"]

    def create(count):
        with ClusterRpcProxy(rabbit_config, timeout=120) as proxy:
            for _ in range(count):
                proxy.tickets.create_ticket(demo.manager, {"subject": "Toplu", "priority": 3,
                                                           "department_id": demo.destek, "customer_id": customer_id})

    callers = [eventlet.spawn(create, (TICKETS - 1) // WORKERS + (i < (TICKETS - 1) % WORKERS))
               for i in range(WORKERS)]
    for caller in callers:
        caller.wait()
    counts = assignee_counts(demo)
    assert sum(counts.values()) == TICKETS and away not in counts and None not in counts
    spread = [counts.get(agent, 0) for agent in agents]
    assert max(spread) - min(spread) <= 1, spread


def test_mail_that_opens_tickets_in_one_batch_gives_them_to_the_agents_in_turn(tickets, demo):
    second = add_agent(demo, "Deniz", demo.destek)
    tickets.set_department_assignment(demo.owner, demo.destek, {"mode": "round_robin"})
    results = tickets.receive_messages([inbound(f"toplu{i}@example.org", recipients=["destek@example.com"])
                                        for i in range(3)])
    assigned = [tickets.get_ticket(demo.owner, r["ticket_number"])["assignee_id"] for r in results]
    assert assigned == [demo.agent, second, demo.agent]
    history = tickets.get_ticket_history(demo.owner, results[1]["ticket_number"])["items"]
    assert ("system", "assignee", "Deniz") in [(h["actor"], h["field"], h["new"]) for h in history]
