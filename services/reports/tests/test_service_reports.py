"""The reports read model over the real bus: built from ticket events, each applied once."""
from __future__ import annotations

import time

import pytest

from nameko.standalone.events import event_dispatcher

from services.reports.service import ReportsService
from services.shared.contracts.events import (ReplyPosted, TicketCreated, TicketDeleted, TicketStatusChanged,
                                              TicketUpdated)
from services.shared.errors import Forbidden
from services.shared.tests.sample_events import sample_wire

# Viewers as tickets.get_user gives them: the figures are scoped by the reports service itself.
OWNER = {"id": 1, "is_owner": True, "departments": {}}


def manager_of(*departments: int) -> dict:
    return {"id": 2, "is_owner": False, "departments": {str(d): "manager" for d in departments}}


def wait_until(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.1)
    return check()


def created_event(number: str, department_id: int = 1) -> dict:
    return sample_wire(TicketCreated, ticket_number=number, department_id=department_id, priority=3,
                       status="new", created_at="2026-11-20T09:00:00+00:00")


def deleted_event(number: str) -> dict:
    return sample_wire(TicketDeleted, ticket_number=number, deleted_at="2026-11-20T11:00:00+00:00")


def replied_event(number: str, at: str, *, first_response: bool = True) -> dict:
    return sample_wire(ReplyPosted, ticket_number=number, first_response=first_response, created_at=at)


def transferred_event(number: str, department_id: int) -> dict:
    return sample_wire(TicketUpdated, ticket_number=number, department_id=department_id, priority=1,
                       updated_at="2026-11-20T10:00:00+00:00",
                       changes=[{"field": "department", "old": "Destek", "new": "Satış"},
                                {"field": "priority", "old": "3", "new": "1"}])


def test_a_redelivered_event_is_counted_once(start_service, rabbit_config, clean_db, rpc):
    start_service(ReportsService)
    dispatch = event_dispatcher(rabbit_config)
    event = created_event("2026-000001")
    dispatch("tickets", "ticket_created", event)
    dispatch("tickets", "ticket_created", event)  # the same event again, as after a relay crash
    dispatch("tickets", "ticket_created", created_event("2026-000002"))
    assert wait_until(lambda: rpc.reports.summary(OWNER)["total_tickets"] == 2)
    time.sleep(0.5)
    assert rpc.reports.summary(OWNER)["total_tickets"] == 2


def test_first_response_time_comes_from_the_first_reply(start_service, rabbit_config, clean_db, rpc):
    start_service(ReportsService)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", created_event("2026-000003"))
    assert wait_until(lambda: rpc.reports.summary(OWNER)["total_tickets"] == 1)
    for minutes in (30, 90):  # only the first reply is the first response
        dispatch("tickets", "reply_posted", replied_event(
            "2026-000003", f"2026-11-20T{9 + minutes // 60:02d}:{minutes % 60:02d}:00+00:00",
            first_response=minutes == 30))
    assert wait_until(lambda: rpc.reports.summary(OWNER)["responded_tickets"] == 1)
    time.sleep(0.5)
    assert rpc.reports.summary(OWNER)["avg_first_response_seconds"] == 1800.0


def test_an_event_reports_cannot_read_is_parked_for_an_operator_naming_the_field(start_service, rabbit_config, clean_db, rpc):
    start_service(ReportsService)
    broken = {**created_event("2026-000004")}
    del broken["department_id"], broken["created_at"]
    event_dispatcher(rabbit_config)("tickets", "ticket_created", broken)
    assert wait_until(lambda: rpc.reports.list_parked_events())
    [parked] = rpc.reports.list_parked_events()
    assert parked["event_id"] == broken["event_id"] and parked["status"] == "parked"  # at once: retrying cannot help
    assert parked["error"] == ("services.shared.contracts.events.UnreadableEvent: cannot read a ticket_created "
                               "event: department_id is missing")
    assert rpc.reports.summary(OWNER)["total_tickets"] == 0


def test_a_reply_seen_before_its_ticket_is_counted_once_the_ticket_arrives(
        start_service, rabbit_config, clean_db, rpc):
    start_service(ReportsService)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "reply_posted", replied_event("2026-000005", "2026-11-20T09:10:00+00:00"))
    assert wait_until(lambda: rpc.reports.list_parked_events())
    dispatch("tickets", "ticket_created", created_event("2026-000005"))
    assert wait_until(lambda: rpc.reports.summary(OWNER)["responded_tickets"] == 1, timeout=20)
    assert rpc.reports.summary(OWNER)["avg_first_response_seconds"] == 600.0
    assert [p["status"] for p in rpc.reports.list_parked_events()] == ["done"]


def test_one_bad_event_in_a_batch_parks_only_itself(start_service, rabbit_config, clean_db, rpc):
    start_service(ReportsService)
    dispatch = event_dispatcher(rabbit_config)
    broken = {**created_event("2026-000099"), "priority": None}
    for index in range(20):
        dispatch("tickets", "ticket_created", created_event(f"2026-0001{index:02d}"))
        if index == 10:
            dispatch("tickets", "ticket_created", broken)
    assert wait_until(lambda: rpc.reports.summary(OWNER)["total_tickets"] == 20)
    assert [p["event_id"] for p in rpc.reports.list_parked_events()] == [broken["event_id"]]


def test_a_transferred_ticket_counts_under_its_new_department_and_a_deleted_one_not_at_all(
        start_service, rabbit_config, clean_db, rpc):
    start_service(ReportsService)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", created_event("2026-000004"))
    assert wait_until(lambda: rpc.reports.summary(OWNER, 1)["total_tickets"] == 1)
    dispatch("tickets", "ticket_updated", transferred_event("2026-000004", 2))
    assert wait_until(lambda: rpc.reports.summary(OWNER, 2)["total_tickets"] == 1)
    assert rpc.reports.summary(OWNER, 1)["total_tickets"] == 0
    dispatch("tickets", "ticket_deleted", deleted_event("2026-000004"))
    assert wait_until(lambda: rpc.reports.summary(OWNER)["total_tickets"] == 0)


def status_changed(number: str, status: str) -> dict:
    return sample_wire(TicketStatusChanged, ticket_number=number, old_status="new", new_status=status,
                       changed_at="2026-11-20T10:00:00+00:00")


def test_a_status_change_for_a_ticket_not_known_yet_parks_only_itself(start_service, rabbit_config, clean_db, rpc):
    start_service(ReportsService)
    dispatch = event_dispatcher(rabbit_config)
    for number in ("2026-000201", "2026-000202", "2026-000203"):
        dispatch("tickets", "ticket_created", created_event(number))
    assert wait_until(lambda: rpc.reports.summary(OWNER)["open_tickets"] == 3)
    early = status_changed("2026-000299", "resolved")
    for event in (status_changed("2026-000201", "resolved"), early, status_changed("2026-000202", "closed")):
        dispatch("tickets", "ticket_status_changed", event)
    assert wait_until(lambda: rpc.reports.summary(OWNER)["open_tickets"] == 1)
    assert rpc.reports.summary(OWNER)["avg_resolution_seconds"] == 3600.0
    assert [(p["event_id"], p["status"]) for p in rpc.reports.list_parked_events()] == [(early["event_id"], "retrying")]


def test_the_last_of_several_status_changes_in_a_row_is_the_one_that_counts(start_service, rabbit_config, clean_db,
                                                                             rpc):
    start_service(ReportsService)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", created_event("2026-000204"))
    assert wait_until(lambda: rpc.reports.summary(OWNER)["total_tickets"] == 1)
    for status in ("pending", "closed", "open", "resolved"):
        dispatch("tickets", "ticket_status_changed", status_changed("2026-000204", status))
    assert wait_until(lambda: rpc.reports.summary(OWNER)["open_tickets"] == 0)
    time.sleep(0.5)
    assert rpc.reports.summary(OWNER)["open_tickets"] == 0


def test_events_about_a_ticket_that_come_after_its_deletion_change_nothing_and_park_nothing(
        start_service, rabbit_config, clean_db, rpc):
    # Each event type has its own queue, so a deletion can overtake the ticket's creation and changes.
    # Every queue is applied in order, so once the later events of another ticket (in department 2)
    # show, the ones about the deleted ticket before them on the same queue have been handled.
    start_service(ReportsService)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_created", created_event("2026-000301"))
    assert wait_until(lambda: rpc.reports.summary(OWNER, 1)["total_tickets"] == 1)
    dispatch("tickets", "ticket_deleted", deleted_event("2026-000300"))
    dispatch("tickets", "ticket_deleted", deleted_event("2026-000301"))
    assert wait_until(lambda: rpc.reports.summary(OWNER, 1)["total_tickets"] == 0)

    dispatch("tickets", "ticket_created", created_event("2026-000300"))
    dispatch("tickets", "ticket_created", created_event("2026-000302", 2))
    assert wait_until(lambda: rpc.reports.summary(OWNER, 2)["total_tickets"] == 1)
    for number in ("2026-000300", "2026-000302"):
        dispatch("tickets", "reply_posted", replied_event(number, "2026-11-20T09:30:00+00:00"))
        dispatch("tickets", "ticket_status_changed", status_changed(number, "resolved"))
        dispatch("tickets", "ticket_updated", transferred_event(number, 3))
    assert wait_until(lambda: rpc.reports.summary(OWNER, 3) == {
        "total_tickets": 1, "open_tickets": 0, "responded_tickets": 1, "avg_first_response_seconds": 1800.0,
        "avg_resolution_seconds": 3600.0})
    assert rpc.reports.summary(manager_of(1, 2))["total_tickets"] == 0  # the deleted ticket was never counted again
    assert rpc.reports.list_parked_events() == []


def test_a_manager_sees_the_figures_of_their_departments_only_and_an_agent_none(start_service, rabbit_config,
                                                                                clean_db, rpc):
    start_service(ReportsService)
    dispatch = event_dispatcher(rabbit_config)
    for number, department in (("2026-000401", 1), ("2026-000402", 2), ("2026-000403", 2), ("2026-000404", 3)):
        dispatch("tickets", "ticket_created", created_event(number, department))
    assert wait_until(lambda: rpc.reports.summary(OWNER)["total_tickets"] == 4)
    manager = {"id": 2, "is_owner": False, "departments": {"1": "agent", "2": "manager", "3": "manager"}}
    assert rpc.reports.summary(manager)["total_tickets"] == 3
    assert rpc.reports.summary(manager, "3")["total_tickets"] == 1
    with pytest.raises(Forbidden, match="you do not manage department 1"):
        rpc.reports.summary(manager, "1")
    agent = {"id": 3, "is_owner": False, "departments": {"1": "agent", "2": "agent"}}
    with pytest.raises(Forbidden, match="reports are for managers and owners"):
        rpc.reports.summary(agent)
