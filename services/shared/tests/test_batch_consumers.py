"""Batch event handlers over the real bus: each event applied, in order when asked, acked, the faulty one parked.

The handler under test records what it applied in memory and parks into a list,
so that these tests are about delivery, batching and acks, not a database.
"""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import eventlet
import pytest
from nameko.standalone.events import event_dispatcher

from services.shared.batch_consumers import _Acks, consumes_batch, refuse
from services.shared.events import new_event
from tests.support.waiting import eventually


class RecordingInbox:
    """Stands in for the parked-events table."""

    def __init__(self):
        self.parked: list[tuple[str, int, str]] = []

    def park(self, handler, event, error, *, attempts=1):
        self.parked.append((handler, event["n"], type(error).__name__))


class CountingService:
    name = "counting"
    inbox = RecordingInbox()
    batches: list[list[int]] = []
    events: list[dict] = []

    @consumes_batch("tickets", "ticket_status_changed", max_wait=0.3, ordered=True)
    def handle_ticket_status_changed(self, events):
        eventlet.sleep(0.02)  # long enough for the next events to arrive while this batch runs
        if any(event.get("broken") for event in events):
            raise KeyError("department_id")
        refuse(events, [(event, LookupError("not known yet")) for event in events if event.get("unknown")])
        type(self).batches.append([event["n"] for event in events])
        type(self).events.extend(events)


@pytest.fixture
def counting():
    CountingService.inbox = RecordingInbox()
    CountingService.batches = []
    CountingService.events = []
    return CountingService


def applied(service) -> list[int]:
    return [n for batch in service.batches for n in batch]


def publish(rabbit_config, *events: dict) -> None:
    dispatch = event_dispatcher(rabbit_config)
    for event in events:
        dispatch("tickets", "ticket_status_changed", event)


def numbered(n: int, **extra) -> dict:
    return new_event("ticket_status_changed", {"n": n, **extra})


def test_events_published_back_to_back_are_applied_in_their_order_in_few_batches(
        start_service, rabbit_config, counting):
    start_service(counting)
    publish(rabbit_config, *(numbered(n) for n in range(200)))
    assert eventually(lambda: len(applied(counting)) == 200, timeout=20)
    assert applied(counting) == list(range(200))
    assert len(counting.batches) < 50


def test_applied_events_are_acked_and_not_delivered_again_after_a_restart(start_service, rabbit_config, counting):
    container = start_service(counting)
    publish(rabbit_config, *(numbered(n) for n in range(50)))
    assert eventually(lambda: len(applied(counting)) == 50, timeout=20)
    container.stop()
    start_service(counting)
    publish(rabbit_config, numbered(50))
    assert eventually(lambda: 50 in applied(counting), timeout=20)
    eventlet.sleep(0.5)
    assert applied(counting) == list(range(51))


def test_events_refused_by_a_batch_are_parked_and_the_others_applied_together(
        start_service, rabbit_config, counting):
    start_service(counting)
    publish(rabbit_config, *(numbered(n, unknown=n in (3, 7)) for n in range(10)))
    assert eventually(lambda: len(applied(counting)) == 8, timeout=20)
    assert applied(counting) == [0, 1, 2, 4, 5, 6, 8, 9]
    assert sorted(n for _, n, _ in counting.inbox.parked) == [3, 7]
    assert max(len(batch) for batch in counting.batches) > 1  # not replayed one by one


def test_a_batch_that_fails_is_applied_event_by_event_and_only_the_faulty_event_is_parked(
        start_service, rabbit_config, counting):
    start_service(counting)
    publish(rabbit_config, *(numbered(n, broken=n == 4) for n in range(6)))
    assert eventually(lambda: len(applied(counting)) == 5, timeout=20)
    assert applied(counting) == [0, 1, 2, 3, 5]
    assert counting.inbox.parked == [("handle_ticket_status_changed", 4, "KeyError")]


def test_an_event_carrying_a_date_in_kombu_s_own_json_reaches_the_handler_as_a_date(
        start_service, rabbit_config, counting):
    start_service(counting)
    when = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)
    publish(rabbit_config, numbered(0, at=when), numbered(1, at="2026-11-20T09:30:00+00:00"))
    assert eventually(lambda: len(applied(counting)) == 2, timeout=20)
    assert [event["at"] for event in counting.events] == [when, "2026-11-20T09:30:00+00:00"]


def message(tag: int):
    return SimpleNamespace(delivery_tag=tag)


def test_one_ack_covers_a_batch_only_once_every_earlier_delivery_is_settled():
    acks, delivered = _Acks(), [message(tag) for tag in range(1, 7)]
    for each in delivered:
        acks.delivered(each)
    assert acks.settled(delivered[1:3], ack=True) is None  # delivery 1 is still being handled
    assert acks.settled(delivered[:1], ack=True) is delivered[2]
    assert acks.settled(delivered[3:4], ack=False) is None  # requeued, not acked
    assert acks.settled(delivered[4:6], ack=True) is delivered[5]


def test_messages_carrying_several_events_give_each_to_the_batches_in_their_order(
        start_service, rabbit_config, counting):
    start_service(counting)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("tickets", "ticket_status_changed", [numbered(n) for n in range(0, 300)])
    dispatch("tickets", "ticket_status_changed", numbered(300))
    dispatch("tickets", "ticket_status_changed", [numbered(n) for n in range(301, 310)])
    assert eventually(lambda: len(applied(counting)) == 310, timeout=20)
    assert applied(counting) == list(range(310))
