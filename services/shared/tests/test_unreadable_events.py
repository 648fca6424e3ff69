"""An event its handler cannot read is parked for an operator at once: five retries of the same bytes cannot help."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import MetaData, select, text
from sqlalchemy.orm import sessionmaker

from services.shared.consumers import MAX_ATTEMPTS, EventInbox, _apply_one, parked_events_table
from services.shared.contracts.events import UnreadableEvent
from services.shared.contracts.inbound import UnreadableMessage
from services.shared.events import new_event


@pytest.fixture
def inbox(engine):
    """An inbox on a parked-events table of a schema of the test's own (in the shared test database)."""
    schema = f"unreadable_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    table = parked_events_table(MetaData(schema=schema))
    table.metadata.create_all(engine)
    box = EventInbox(table)
    box.engine, box.sessions = engine, sessionmaker(engine)
    yield box
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


class Reader:
    """A service whose handler fails on an event as ``error_for(event)`` says (None: it applies it)."""
    name = "reader"

    def __init__(self, inbox, error_for):
        self.inbox, self.error_for, self.runs = inbox, error_for, 0

    def handle_ticket_created(self, event):
        self.runs += 1
        error = self.error_for(event)
        if error is not None:
            raise error


Reader.handle_ticket_created.__wrapped__ = Reader.handle_ticket_created  # as consumes() leaves it


def rows(inbox) -> list:
    with inbox.sessions() as session:
        return session.execute(select(inbox.parked).order_by(inbox.parked.c.id)).all()


@pytest.mark.parametrize("error", [UnreadableEvent("ticket_created", "ticket_id is missing"),
                                   UnreadableMessage("attachments[0].sha256", "is not a hex digest")],
                         ids=["UnreadableEvent", "UnreadableMessage"])
def test_an_event_its_handler_cannot_read_is_parked_at_once_and_never_retried(inbox, error):
    service = Reader(inbox, lambda event: error)
    _apply_one(service, Reader.handle_ticket_created, new_event("ticket_created", {"n": 1}))

    [row] = rows(inbox)
    assert (row.status, row.attempts, row.next_attempt_at) == ("parked", 1, None)
    assert str(error) in row.error
    assert inbox.retry_due(service) == 0 and service.runs == 1
    assert [r["status"] for r in inbox.list("parked")] == ["parked"]


def test_an_event_that_fails_for_another_reason_is_still_retried(inbox):
    service = Reader(inbox, lambda event: KeyError("department_id"))
    _apply_one(service, Reader.handle_ticket_created, new_event("ticket_created", {"n": 1}))

    [row] = rows(inbox)
    assert (row.status, row.attempts) == ("retrying", 1) and row.next_attempt_at is not None
    assert MAX_ATTEMPTS > 1


def test_a_retried_event_found_unreadable_is_parked_at_that_retry_not_after_five(inbox):
    failures = iter([ConnectionError("the database is restarting"),
                     UnreadableEvent("ticket_created", "occurred_at has no time zone")])
    service = Reader(inbox, lambda event: next(failures))
    _apply_one(service, Reader.handle_ticket_created, new_event("ticket_created", {"n": 1}))
    [row] = rows(inbox)
    assert row.status == "retrying"

    assert inbox.replay(service, row.id) == "parked"
    [row] = rows(inbox)
    assert (row.status, row.attempts, row.next_attempt_at) == ("parked", 2, None)
    assert "occurred_at has no time zone" in row.error


def test_an_operator_replay_of_an_unreadable_event_made_readable_applies_it(inbox):
    readable = iter([False, True])
    service = Reader(inbox, lambda event: None if next(readable) else UnreadableEvent("ticket_created", "bad"))
    _apply_one(service, Reader.handle_ticket_created, new_event("ticket_created", {"n": 1}))
    [row] = rows(inbox)
    assert row.status == "parked"
    assert inbox.replay(service, row.id) == "done"
