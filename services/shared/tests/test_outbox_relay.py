"""The outbox relay over the real bus and database: woken by commits, several events to a message, none lost.

The relay under test publishes the tickets schema's outbox, as the tickets
service's does; events are recorded by the test itself, in its own
transactions, the way a service's workers record them.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from nameko.standalone.events import event_dispatcher
from sqlalchemy.orm import Session

from services.shared.consumers import consumes
from services.shared.database import Database
from services.shared.events import new_event
from services.shared.outbox import EVENTS_PER_MESSAGE, OutboxRelay, _messages, record_events
from services.tickets.models import outbox
from tests.support.waiting import eventually


class RelayingService:
    name = "tickets"  # publishes on tickets.events, as the tickets service does
    db = Database()
    relay = OutboxRelay(outbox)


def test_events_of_one_type_pending_together_share_messages_in_their_order():
    rows = [SimpleNamespace(event_type="ticket_created" if n % 3 else "message_received", body=f'{{"n": {n}}}')
            for n in range(3 * EVENTS_PER_MESSAGE)]
    messages = _messages(rows)
    assert [(kind, len(bodies)) for kind, bodies in messages] == [
        ("message_received", EVENTS_PER_MESSAGE), ("ticket_created", EVENTS_PER_MESSAGE),
        ("ticket_created", EVENTS_PER_MESSAGE)]
    created = [body for kind, bodies in messages if kind == "ticket_created" for body in bodies]
    assert created == [row.body for row in rows if row.event_type == "ticket_created"]


def test_a_commit_wakes_the_relay_and_a_burst_reaches_the_bus_in_few_messages(
        start_service, event_tap, clean_db, monkeypatch):
    monkeypatch.setenv("OUTBOX_IDLE_SECONDS", "60")  # only the commit can make it look in time
    start_service(RelayingService)
    tap = event_tap("tickets")
    with Session(clean_db) as session, session.begin():
        record_events(session, outbox, [("ticket_status_changed", {"n": n}) for n in range(150)] +
                      [("ticket_deleted", {"n": n}) for n in range(20)])
    changed = tap.wait_for("ticket_status_changed", 150, timeout=20)
    assert [event["n"] for event in changed] == list(range(150))
    assert len(tap.wait_for("ticket_deleted", 20)) == 20
    assert tap.messages == 3  # 100 and 50 status changes, 20 deletions


class ListeningService:
    name = "listening"
    applied: list[int] = []
    parked: list[int] = []
    inbox = SimpleNamespace(park=lambda handler, event, error: ListeningService.parked.append(event["n"]))

    @consumes("tickets", "ticket_status_changed")
    def handle_ticket_status_changed(self, event):
        if event.get("broken"):
            raise KeyError("department_id")
        type(self).applied.append(event["n"])


@pytest.fixture
def listening():
    ListeningService.applied, ListeningService.parked = [], []
    return ListeningService


def test_a_single_event_handler_applies_each_event_of_a_message_and_parks_only_the_faulty_one(
        start_service, rabbit_config, listening):
    start_service(listening)
    several = [new_event("ticket_status_changed", {"n": n, "broken": n == 1}) for n in range(3)]
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_status_changed", several)
    dispatch("tickets", "ticket_status_changed", new_event("ticket_status_changed", {"n": 3}))
    assert eventually(lambda: len(listening.applied) == 3, timeout=20)
    assert listening.applied == [0, 2, 3] and listening.parked == [1]
