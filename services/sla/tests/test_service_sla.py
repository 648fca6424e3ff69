"""The sla service over the real bus and database: clocks follow the ticket's life."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from nameko.standalone.events import event_dispatcher

from services.shared.contracts.events import (ReplyPosted, TicketCreated, TicketDeleted, TicketStatusChanged,
                                              TicketUpdated)
from services.shared.events import utcnow
from services.shared.tests.sample_events import sample_wire
from services.sla.service import SlaService
from tests.support.waiting import eventually


def wait_for_state(rpc, number: str, kind: str, state: str, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        clocks = {c["kind"]: c for c in rpc.sla.get_ticket_sla(number)["clocks"]}
        if kind in clocks and clocks[kind]["state"] == state or time.monotonic() > deadline:
            return clocks.get(kind, {})
        time.sleep(0.1)


def created(number: str, priority: int, at: str) -> dict:
    return sample_wire(TicketCreated, ticket_number=number, priority=priority, created_at=at)


def replied(number: str, at: str) -> dict:
    return sample_wire(ReplyPosted, ticket_number=number, first_response=True, created_at=at)


def test_an_urgent_ticket_gets_a_fifteen_minute_first_response_clock_that_the_first_reply_stops(
        start_service, rabbit_config, clean_db, rpc, monkeypatch):
    monkeypatch.setenv("SLA_CALENDAR", "24x7")
    start_service(SlaService)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", created("2026-000100", 1, "2026-11-22T10:00:00+00:00"))
    clock = wait_for_state(rpc, "2026-000100", "first_response", "breached")  # 10:15 has long passed
    assert clock["due_at"] == "2026-11-22T10:15:00+00:00" and clock["target_seconds"] == 900
    dispatch("tickets", "reply_posted", replied("2026-000100", "2026-11-22T10:10:00+00:00"))
    assert wait_for_state(rpc, "2026-000100", "first_response", "met")["stopped_at"] == "2026-11-22T10:10:00+00:00"


def test_office_hours_push_a_friday_evening_deadline_to_monday(start_service, rabbit_config, clean_db, rpc,
                                                               monkeypatch):
    monkeypatch.setenv("SLA_CALENDAR", "office")
    start_service(SlaService)
    # Friday 20 Nov 2026, 17:00 Istanbul (14:00 UTC), normal priority: 4 business hours.
    event_dispatcher(rabbit_config)("tickets", "ticket_created", created("2026-000101", 3, "2026-11-20T14:00:00+00:00"))
    clock = wait_for_state(rpc, "2026-000101", "first_response", "breached")
    assert clock["due_at"] == "2026-11-23T09:00:00+00:00"  # Monday 12:00 Istanbul


def test_waiting_on_the_customer_pauses_the_resolution_clock(start_service, rabbit_config, clean_db, rpc,
                                                             monkeypatch):
    monkeypatch.setenv("SLA_CALENDAR", "24x7")
    start_service(SlaService)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", created("2026-000102", 2, "2026-11-22T08:00:00+00:00"))
    wait_for_state(rpc, "2026-000102", "resolution", "breached")
    for status, at in (("pending", "2026-11-22T09:00:00+00:00"), ("open", "2026-11-22T11:00:00+00:00")):
        dispatch("tickets", "ticket_status_changed", status_changed("2026-000102", status, at))
        time.sleep(0.5)  # the two changes must be applied in order
    clock = wait_for_state(rpc, "2026-000102", "resolution", "breached")
    assert clock["due_at"] == "2026-11-22T14:00:00+00:00"  # 4 h target + 2 h waiting on the customer
    dispatch("tickets", "ticket_status_changed", status_changed("2026-000102", "resolved", "2026-11-22T13:00:00+00:00"))
    assert wait_for_state(rpc, "2026-000102", "resolution", "met")["stopped_at"] == "2026-11-22T13:00:00+00:00"


def test_pausing_a_breached_clock_does_not_undo_the_breach(start_service, rabbit_config, clean_db, rpc,
                                                           monkeypatch):
    monkeypatch.setenv("SLA_CALENDAR", "24x7")
    start_service(SlaService)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", created("2026-000103", 1, "2026-11-22T08:00:00+00:00"))
    wait_for_state(rpc, "2026-000103", "resolution", "breached")  # due 10:00
    for status, at in (("pending", "2026-11-22T11:00:00+00:00"), ("open", "2026-11-22T15:00:00+00:00")):
        dispatch("tickets", "ticket_status_changed", status_changed("2026-000103", status, at))
        time.sleep(0.5)
    clock = wait_for_state(rpc, "2026-000103", "resolution", "breached")
    assert clock["due_at"] == "2026-11-22T10:00:00+00:00" and not clock["paused"]


def updated(number: str, old: int, new: int, at: str) -> dict:
    return sample_wire(TicketUpdated, ticket_number=number, updated_at=at, department_id=1, priority=new,
                       changes=[{"field": "priority", "old": str(old), "new": str(new)}])


def test_raising_the_priority_gives_the_urgent_targets_from_the_start_and_keeps_the_pause(
        start_service, rabbit_config, clean_db, rpc, monkeypatch):
    monkeypatch.setenv("SLA_CALENDAR", "24x7")
    start_service(SlaService)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", created("2026-000104", 3, "2026-11-22T08:00:00+00:00"))
    wait_for_state(rpc, "2026-000104", "first_response", "breached")  # normal: 4 h, due 12:00
    for status, at in (("pending", "2026-11-22T09:00:00+00:00"), ("open", "2026-11-22T10:00:00+00:00")):
        dispatch("tickets", "ticket_status_changed", status_changed("2026-000104", status, at))
        time.sleep(0.5)
    assert wait_for_state(rpc, "2026-000104", "resolution", "breached")["due_at"] == "2026-11-23T09:00:00+00:00"
    dispatch("tickets", "ticket_updated", updated("2026-000104", 3, 1, "2026-11-22T10:30:00+00:00"))
    clocks = eventually(lambda: {c["kind"]: c for c in rpc.sla.get_ticket_sla("2026-000104")["clocks"]
                                 if c["priority"] == 1})
    # Urgent: 15 min and 2 h from 08:00, plus the hour spent waiting on the customer.
    assert clocks["first_response"]["due_at"] == "2026-11-22T09:15:00+00:00"
    assert clocks["resolution"]["due_at"] == "2026-11-22T11:00:00+00:00"
    assert clocks["resolution"]["target_seconds"] == 7200 and clocks["resolution"]["priority"] == 1


def test_lowering_the_priority_of_a_late_ticket_gives_it_time_again(start_service, rabbit_config, clean_db, rpc,
                                                                    monkeypatch):
    monkeypatch.setenv("SLA_CALENDAR", "24x7")
    start_service(SlaService)
    dispatch = event_dispatcher(rabbit_config)
    an_hour_ago = (utcnow() - timedelta(hours=1)).isoformat()
    dispatch("tickets", "ticket_created", created("2026-000105", 1, an_hour_ago))
    wait_for_state(rpc, "2026-000105", "first_response", "breached")  # urgent: 15 minutes
    dispatch("tickets", "ticket_updated", updated("2026-000105", 1, 4, utcnow().isoformat()))
    clock = wait_for_state(rpc, "2026-000105", "first_response", "running")  # low: 8 hours
    assert clock["state"] == "running" and 6.9 * 3600 < clock["remaining_seconds"] <= 7 * 3600


def test_a_deleted_ticket_loses_its_clocks_and_never_breaches(start_service, rabbit_config, clean_db, rpc,
                                                              monkeypatch):
    monkeypatch.setenv("SLA_CALENDAR", "24x7")
    start_service(SlaService)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", created("2026-000106", 2, utcnow().isoformat()))
    wait_for_state(rpc, "2026-000106", "first_response", "running")
    dispatch("tickets", "ticket_deleted", deleted("2026-000106"))
    assert eventually(lambda: rpc.sla.get_ticket_sla("2026-000106")["clocks"] == [])


def status_changed(number: str, status: str, at: str) -> dict:
    return sample_wire(TicketStatusChanged, ticket_number=number, old_status="open", new_status=status, changed_at=at)


def deleted(number: str) -> dict:
    return sample_wire(TicketDeleted, ticket_number=number, deleted_at=utcnow().isoformat())


def resolution_clock(rpc, number: str) -> dict:
    return {c["kind"]: c for c in rpc.sla.get_ticket_sla(number)["clocks"]}["resolution"]


def test_a_pause_and_a_resume_published_back_to_back_are_applied_in_their_order(
        start_service, rabbit_config, clean_db, rpc, monkeypatch):
    monkeypatch.setenv("SLA_CALENDAR", "24x7")
    start_service(SlaService)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", created("2026-000107", 2, "2026-11-22T08:00:00+00:00"))
    wait_for_state(rpc, "2026-000107", "resolution", "breached")  # high: 4 h, due 12:00
    dispatch("tickets", "ticket_status_changed", status_changed("2026-000107", "pending", "2026-11-22T09:00:00+00:00"))
    dispatch("tickets", "ticket_status_changed", status_changed("2026-000107", "open", "2026-11-22T11:00:00+00:00"))
    clock = eventually(lambda: (c := resolution_clock(rpc, "2026-000107"))["due_at"] != "2026-11-22T12:00:00+00:00"
                       and c)
    assert clock and clock["due_at"] == "2026-11-22T14:00:00+00:00" and not clock["paused"]  # 2 h waiting added


def test_a_ticket_resolved_before_its_clocks_exist_waits_without_holding_up_the_others(
        start_service, rabbit_config, clean_db, rpc, monkeypatch):
    monkeypatch.setenv("SLA_CALENDAR", "24x7")
    start_service(SlaService)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", created("2026-000108", 3, utcnow().isoformat()))
    wait_for_state(rpc, "2026-000108", "resolution", "running")
    resolved_early = status_changed("2026-000109", "resolved", utcnow().isoformat())
    dispatch("tickets", "ticket_status_changed", resolved_early)
    dispatch("tickets", "ticket_status_changed", status_changed("2026-000108", "resolved", utcnow().isoformat()))
    assert wait_for_state(rpc, "2026-000108", "resolution", "met")["state"] == "met"
    assert [p["event_id"] for p in eventually(rpc.sla.list_parked_events)] == [resolved_early["event_id"]]
    dispatch("tickets", "ticket_created", created("2026-000109", 3, utcnow().isoformat()))
    assert wait_for_state(rpc, "2026-000109", "resolution", "met", timeout=20)["state"] == "met"


def test_each_clock_past_its_deadline_publishes_one_warning_and_one_breach_saying_how_late(
        start_service, rabbit_config, clean_db, rpc, event_tap, monkeypatch):
    monkeypatch.setenv("SLA_CALENDAR", "24x7")
    tap = event_tap("sla")
    start_service(SlaService)
    three_hours_ago = (utcnow() - timedelta(hours=3)).isoformat()  # urgent: 15 min, 2 h, update every 30 min
    event_dispatcher(rabbit_config)("tickets", "ticket_created", created("2026-000110", 1, three_hours_ago))
    breached = tap.wait_for("sla_breached", 3, timeout=30)  # the timer runs every 10 s
    kinds = {("2026-000110", "first_response"), ("2026-000110", "resolution"), ("2026-000110", "next_update")}
    assert {(e["ticket_number"], e["kind"]) for e in breached} == kinds
    late = {e["kind"]: e["late_seconds"] for e in breached}
    assert 3600 - 60 <= late["resolution"] <= 3600 + 60 and late["first_response"] > late["next_update"]
    assert {(e["ticket_number"], e["kind"]) for e in tap.wait_for("sla_warning", 3, timeout=5)} == kinds
    time.sleep(10)  # another round of the timer publishes nothing again
    for event_type in ("sla_breached", "sla_warning"):
        with pytest.raises(AssertionError):
            tap.wait_for(event_type, 4, timeout=2)


def test_events_about_a_ticket_that_come_after_its_deletion_start_no_clock_and_park_nothing(
        start_service, rabbit_config, clean_db, rpc, monkeypatch):
    # Each event type has its own queue, applied in order: once a later event of another ticket
    # shows, the one about the deleted ticket before it on the same queue has been handled.
    monkeypatch.setenv("SLA_CALENDAR", "24x7")
    start_service(SlaService)
    dispatch = event_dispatcher(rabbit_config)
    now = utcnow().isoformat()
    dispatch("tickets", "ticket_created", created("2026-000111", 3, now))
    wait_for_state(rpc, "2026-000111", "first_response", "running")
    dispatch("tickets", "ticket_deleted", deleted("2026-000110"))  # before anything else about it
    dispatch("tickets", "ticket_deleted", deleted("2026-000111"))
    assert eventually(lambda: rpc.sla.get_ticket_sla("2026-000111")["clocks"] == [])

    dispatch("tickets", "ticket_created", created("2026-000110", 3, now))
    dispatch("tickets", "ticket_created", created("2026-000112", 3, now))
    assert wait_for_state(rpc, "2026-000112", "first_response", "running")["state"] == "running"
    for number in ("2026-000110", "2026-000112"):
        dispatch("tickets", "reply_posted", replied(number, now))
        dispatch("tickets", "ticket_status_changed", status_changed(number, "resolved", now))
        dispatch("tickets", "ticket_updated", updated(number, 3, 1, now))
    assert wait_for_state(rpc, "2026-000112", "first_response", "met")["state"] == "met"
    assert wait_for_state(rpc, "2026-000112", "resolution", "met")["state"] == "met"
    assert eventually(lambda: all(c["priority"] == 1 for c in rpc.sla.get_ticket_sla("2026-000112")["clocks"]))
    assert rpc.sla.get_ticket_sla("2026-000110")["clocks"] == []
    assert rpc.sla.list_parked_events() == []


def test_an_event_the_sla_cannot_read_ends_parked_naming_the_field_and_the_others_are_applied(
        start_service, rabbit_config, clean_db, rpc, monkeypatch):
    monkeypatch.setenv("SLA_CALENDAR", "24x7")
    start_service(SlaService)
    dispatch = event_dispatcher(rabbit_config)
    unreadable = {**created("2026-000113", 3, utcnow().isoformat()), "priority": "urgent"}
    dispatch("tickets", "ticket_created", unreadable)
    dispatch("tickets", "ticket_created", created("2026-000114", 3, utcnow().isoformat()))
    assert wait_for_state(rpc, "2026-000114", "first_response", "running")["state"] == "running"
    [parked] = eventually(rpc.sla.list_parked_events)
    assert parked["event_id"] == unreadable["event_id"] and parked["handler"] == "handle_ticket_created"
    assert parked["error"] == ("services.shared.contracts.events.UnreadableEvent: cannot read a ticket_created "
                               "event: priority must be a whole number, not 'urgent'")
    while (status := rpc.sla.replay_parked_event(parked["id"])) == "retrying":
        pass  # an operator's replays, or the retries' backoff, until it stays parked
    assert status == "parked" and rpc.sla.list_parked_events("parked")[0]["error"] == parked["error"]
    assert rpc.sla.get_ticket_sla("2026-000113")["clocks"] == []
