"""Policies and calendars owners set, over the real bus and database: new clocks take them, running ones keep theirs."""
from __future__ import annotations

import time

import pytest
from nameko.standalone.events import event_dispatcher

from services.shared.contracts.events import TicketCreated, TicketUpdated
from services.shared.errors import Forbidden, InvalidInput
from services.shared.tests.sample_events import sample_wire
from services.sla.service import SlaService
from services.sla.tests.test_service_sla import wait_for_state

OWNER = {"id": 1, "is_owner": True, "departments": {}}
AGENT = {"id": 2, "is_owner": False, "departments": {"5": "manager"}}


def created(number: str, department_id: int, at: str, priority: int = 3) -> dict:
    return sample_wire(TicketCreated, ticket_number=number, priority=priority, department_id=department_id,
                       created_at=at)


def test_only_an_owner_changes_a_policy_and_a_bad_one_is_refused_naming_the_field(
        start_service, clean_db, rpc, monkeypatch):
    monkeypatch.setenv("SLA_CALENDAR", "24x7")
    start_service(SlaService)
    with pytest.raises(Forbidden):
        rpc.sla.set_policy(AGENT, 5, {"warn_percent": 50})
    with pytest.raises(InvalidInput) as refused:
        rpc.sla.set_policy(OWNER, 5, {"targets": {"1": {"first_response_minutes": -5}}})
    assert refused.value.field == "targets.1.first_response_minutes"
    assert rpc.sla.get_policy(5)["inherited"] is True
    assert rpc.sla.get_policies()["default"]["targets"]["1"] == {
        "first_response_minutes": 15, "resolution_minutes": 120, "update_every_minutes": 30}


def test_a_department_s_policy_and_calendar_apply_to_its_new_tickets_and_running_clocks_keep_their_target(
        start_service, rabbit_config, clean_db, rpc, monkeypatch):
    monkeypatch.setenv("SLA_CALENDAR", "24x7")
    start_service(SlaService)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", created("2026-000200", 5, "2026-11-20T14:00:00+00:00"))
    assert wait_for_state(rpc, "2026-000200", "first_response", "breached")["due_at"] == "2026-11-20T18:00:00+00:00"

    rpc.sla.set_policy(OWNER, 5, {"targets": {"3": {"first_response_minutes": 60}}, "pause_on_hold": True})
    calendar = rpc.sla.set_calendar(OWNER, 5, {"timezone": "Europe/Istanbul", "turkish_public_holidays": True,
                                               "hours": {"monday": {"opens": "09:00", "closes": "18:00"}}})
    assert calendar["inherited"] is False and calendar["hours"]["tuesday"] is None
    assert rpc.sla.get_policy(5)["pause_on_hold"] is True and rpc.sla.get_policy(6)["inherited"] is True

    # Friday 17:00 Istanbul: the department opens Monday 09:00; one hour later is 10:00 (07:00 UTC).
    dispatch("tickets", "ticket_created", created("2026-000201", 5, "2026-11-20T14:00:00+00:00"))
    dispatch("tickets", "ticket_created", created("2026-000202", 6, "2026-11-20T14:00:00+00:00"))
    assert wait_for_state(rpc, "2026-000201", "first_response", "breached")["due_at"] == "2026-11-23T07:00:00+00:00"
    assert wait_for_state(rpc, "2026-000202", "first_response", "breached")["due_at"] == "2026-11-20T18:00:00+00:00"
    clocks = {c["kind"]: c for c in rpc.sla.get_ticket_sla("2026-000200")["clocks"]}
    assert clocks["first_response"]["target_seconds"] == 4 * 3600  # started before the change: kept


def test_a_priority_change_retargets_under_the_department_s_policy_from_the_ticket_s_start(
        start_service, rabbit_config, clean_db, rpc, monkeypatch):
    monkeypatch.setenv("SLA_CALENDAR", "24x7")
    start_service(SlaService)
    rpc.sla.set_policy(OWNER, 5, {"targets": {"1": {"resolution_minutes": 60}}})
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", created("2026-000203", 5, "2026-11-20T10:00:00+00:00"))
    wait_for_state(rpc, "2026-000203", "resolution", "breached")
    dispatch("tickets", "ticket_updated", sample_wire(
        TicketUpdated, ticket_number="2026-000203", department_id=5, priority=1, updated_at="2026-11-20T10:30:00+00:00",
        changes=[{"field": "priority", "old": "3", "new": "1"}]))
    clock = {}
    deadline = time.monotonic() + 20  # the update arrives on its own queue: wait for it, not for 100 quick polls
    while time.monotonic() < deadline:
        clock = {c["kind"]: c for c in rpc.sla.get_ticket_sla("2026-000203")["clocks"]}["resolution"]
        if clock["priority"] == 1:
            break
        time.sleep(0.1)
    assert clock["due_at"] == "2026-11-20T11:00:00+00:00"


def test_a_low_ticket_raised_to_urgent_gains_a_next_update_clock(start_service, rabbit_config, clean_db, rpc,
                                                                  monkeypatch):
    monkeypatch.setenv("SLA_CALENDAR", "24x7")
    start_service(SlaService)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", created("2026-000204", 5, "2026-11-20T10:00:00+00:00", priority=4))
    wait_for_state(rpc, "2026-000204", "resolution", "breached")
    dispatch("tickets", "ticket_updated", sample_wire(
        TicketUpdated, ticket_number="2026-000204", department_id=5, priority=1, updated_at="2026-11-20T10:30:00+00:00",
        changes=[{"field": "priority", "old": "4", "new": "1"}]))
    update = wait_for_state(rpc, "2026-000204", "next_update", "breached")
    assert update["started_at"] == "2026-11-20T10:30:00+00:00" and update["due_at"] == "2026-11-20T11:00:00+00:00"
