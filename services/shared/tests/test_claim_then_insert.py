"""The idempotent consumer's write: claim the events, then insert what only the events claimed now bring."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import (Column, DateTime, Integer, MetaData, SmallInteger, Table, Text, UniqueConstraint, insert,
                        select, text)
from sqlalchemy.orm import Session

from services.shared.consumers import claim_then_insert, first_time_many, processed_events_table


@pytest.fixture
def tables(engine):
    schema = f"claims_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    metadata = MetaData(schema=schema)
    processed = processed_events_table(metadata)
    clocks = Table("clocks", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
                   Column("ticket_number", Text, nullable=False), Column("kind", Text, nullable=False),
                   Column("priority", SmallInteger, nullable=False), Column("due_at", DateTime(timezone=True)),
                   UniqueConstraint("ticket_number", "kind"))
    deleted = Table("deleted_tickets", metadata, Column("ticket_number", Text, primary_key=True))
    metadata.create_all(engine)
    yield processed, clocks, deleted
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def clock_rows(event_id, number, due="2026-12-05T09:00:00+00:00", priority=2):
    return [{"event_id": str(event_id), "ticket_number": number, "kind": kind, "priority": priority, "due_at": due}
            for kind in ("first_response", "resolution")]


def stored(engine, clocks) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(
            select(clocks.c.ticket_number, clocks.c.kind, clocks.c.priority, clocks.c.due_at)
            .order_by(clocks.c.ticket_number, clocks.c.kind))]


def test_rows_of_events_claimed_now_are_inserted_once_however_often_the_events_come(engine, tables):
    processed, clocks, _ = tables
    first, second = uuid.uuid4(), uuid.uuid4()
    rows = clock_rows(first, "T-1") + clock_rows(second, "T-2")
    with Session(engine) as session, session.begin():
        assert claim_then_insert(session, processed, "start", clocks, rows, order_by=("ticket_number", "kind")) == 4
    with Session(engine) as session, session.begin():  # the same batch delivered again
        assert claim_then_insert(session, processed, "start", clocks, rows) == 0
    due = datetime(2026, 12, 5, 9, tzinfo=timezone.utc)
    assert stored(engine, clocks) == [("T-1", "first_response", 2, due), ("T-1", "resolution", 2, due),
                                      ("T-2", "first_response", 2, due), ("T-2", "resolution", 2, due)]
    with Session(engine) as session:  # each event claimed once, for that handler only
        assert sorted(session.execute(select(processed.c.event_id, processed.c.handler)).all()) == sorted(
            [(first, "start"), (second, "start")])


def test_an_event_claimed_by_another_handler_is_still_new_to_this_one(engine, tables):
    processed, clocks, _ = tables
    event = uuid.uuid4()
    with Session(engine) as session, session.begin():
        assert first_time_many(session, processed, [{"event_id": event}], "other") == [{"event_id": event}]
        assert claim_then_insert(session, processed, "start", clocks, clock_rows(event, "T-1")) == 2
        assert first_time_many(session, processed, [{"event_id": event}], "start") == []


def test_a_row_already_there_is_kept_and_a_deleted_ticket_gets_none_though_its_event_is_claimed(engine, tables):
    processed, clocks, deleted = tables
    with engine.begin() as conn:
        conn.execute(insert(clocks).values(ticket_number="T-1", kind="resolution", priority=1))
        conn.execute(insert(deleted).values(ticket_number="T-9"))
    gone, kept = uuid.uuid4(), uuid.uuid4()
    with Session(engine) as session, session.begin():
        inserted = claim_then_insert(session, processed, "start", clocks,
                                     clock_rows(kept, "T-1", due=None) + clock_rows(gone, "T-9"), unless_in=deleted)
    assert inserted == 1
    assert stored(engine, clocks) == [("T-1", "first_response", 2, None), ("T-1", "resolution", 1, None)]
    with Session(engine) as session, session.begin():
        assert first_time_many(session, processed, [{"event_id": gone}], "start") == []


def test_a_column_the_table_does_not_have_is_refused_before_anything_is_claimed(engine, tables):
    processed, clocks, _ = tables
    with Session(engine) as session, session.begin():
        with pytest.raises(ValueError, match="no column colour"):
            claim_then_insert(session, processed, "start", clocks, [{"event_id": str(uuid.uuid4()), "colour": "red"}])
    assert claim_then_insert(Session(engine), processed, "start", clocks, []) == 0
