"""Call records over the real bus and database: idempotent, linked by hand, card figures kept right."""
from __future__ import annotations

import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import text

from services.shared.errors import Forbidden, InvalidInput
from services.tickets.service import TicketsService
from services.tickets.tests.support_3y import Org


@pytest.fixture
def org(start_service, demo_org, rpc):
    start_service(TicketsService)
    return Org(rpc.tickets)


def call(**fields) -> dict:
    return {"outcome": "success", "duration_seconds": 95, "summary": "Kargo yarın gelecek.", **fields}


def card(demo_org, number: str) -> tuple:
    with demo_org.connect() as conn:
        return tuple(conn.execute(text("SELECT call_count, last_call_at IS NOT NULL FROM tickets.tickets "
                                       "WHERE number = :n"), {"n": number}).one())


def test_a_call_recorded_on_a_ticket_counts_on_its_card(org, demo_org):
    number = org.ticket_from("ali@example.org")
    recorded = org.tickets.record_call(org.manager, call(started_at="2026-11-20T10:00:00+03:00"), number)
    assert recorded["created"] and recorded["call"]["ticket_number"] == number
    org.tickets.record_call(org.manager, call(outcome="no_answer", started_at="2026-11-21T10:00:00+03:00"), number)
    listed = org.tickets.list_ticket_calls(org.manager, number)
    assert listed["call_count"] == 2 and listed["last_call_at"].startswith("2026-11-21T07:00:00")
    assert [c["outcome"] for c in listed["items"]] == ["no_answer", "success"]
    assert card(demo_org, number) == (2, True)


def test_the_same_provider_call_recorded_twice_is_one_record(org, demo_org):
    number = org.ticket_from("ali@example.org")
    first = org.tickets.record_call(org.manager, call(provider_call_id="prov-1"), number)
    again = org.tickets.record_call(org.manager, call(provider_call_id="prov-1"), number)
    assert again == {"call": first["call"], "created": False}
    assert card(demo_org, number) == (1, True)


def test_concurrent_recordings_of_one_ticket_count_every_call(org, demo_org, rabbit_config):
    number = org.ticket_from("ali@example.org")

    def record(index):
        with ClusterRpcProxy(rabbit_config, timeout=30) as own:
            return own.tickets.record_call(org.manager, call(provider_call_id=f"c-{index % 6}"), number)
    results = list(eventlet.GreenPool(8).imap(record, range(12)))
    assert sum(r["created"] for r in results) == 6
    assert card(demo_org, number) == (6, True)


def test_linking_and_unlinking_a_call_moves_it_between_cards(org, demo_org):
    first, second = org.ticket_from("ali@example.org"), org.ticket_from("veli@example.org")
    loose = org.tickets.record_call(org.manager, call(phone="0555 123 45 67"))["call"]
    assert loose["ticket_number"] is None and loose["customer_id"]
    assert org.tickets.list_calls(org.manager, {"linked": "false"})["total"] == 1
    org.tickets.link_call(org.manager, loose["id"], first)
    assert card(demo_org, first) == (1, True)
    org.tickets.link_call(org.manager, loose["id"], second)
    assert (card(demo_org, first), card(demo_org, second)) == ((0, False), (1, True))
    assert org.tickets.unlink_call(org.manager, loose["id"])["ticket_number"] is None
    assert card(demo_org, second) == (0, False)
    actions = [e["action"] for e in org.tickets.list_audit(org.owner, {"object_type": "call"})["items"]]
    assert actions == ["unlinked", "linked", "linked", "created"]


def test_deleting_a_call_takes_it_off_the_card_and_is_for_managers(org, demo_org):
    number = org.ticket_from("ali@example.org")
    with demo_org.begin() as conn:
        conn.execute(text("UPDATE tickets.tickets SET assignee_id = :a WHERE number = :n"),
                     {"a": org.agent, "n": number})
    recorded = org.tickets.record_call(org.agent, call(), number)["call"]
    with pytest.raises(Forbidden):
        org.tickets.delete_call(org.agent, recorded["id"])
    org.tickets.delete_call(org.manager, recorded["id"])
    assert card(demo_org, number) == (0, False)


def test_a_call_needs_a_known_outcome_and_a_sane_duration(org):
    number = org.ticket_from("ali@example.org")
    for bad, field in ((call(outcome="maybe"), "outcome"), (call(duration_seconds=-1), "duration_seconds"),
                       (call(started_at="dün"), "started_at"), (call(phone="12"), "phone")):
        with pytest.raises(InvalidInput) as refused:
            org.tickets.record_call(org.manager, bad, number)
        assert refused.value.field == field


def test_an_answered_call_is_the_customers_last_contact(org):
    number = org.ticket_from("ali@example.org")
    customer = org.tickets.get_ticket(org.owner, number)["customer"]["id"]
    org.tickets.record_call(org.manager, call(started_at="2099-01-01T09:00:00+00:00"), number)
    assert org.tickets.get_customer(org.owner, customer)["last_contact_at"].startswith("2099-01-01")


def test_agents_record_calls_only_on_tickets_assigned_to_them(org):
    number = org.ticket_from("ali@example.org")
    with pytest.raises(Forbidden):
        org.tickets.record_call(org.agent, call(), number)
    with pytest.raises(Forbidden):
        org.tickets.record_call(org.agent, call())
    with pytest.raises(Forbidden):
        org.tickets.list_calls(org.agent, {})
