"""Reliable event consumption: idempotent on ``event_id``, failures retried then parked.

nameko's event handlers ack even when they fail, which would lose the event.
:func:`consumes` (and :func:`apply_batch`, for the events of a batch handler)
wraps a handler so that a failure is written to the service's
``parked_events`` table instead; :meth:`EventInbox.retry_due` (driven by a
timer in each service) retries with backoff and, after ``MAX_ATTEMPTS``,
leaves the event parked for an operator to inspect and replay. An event its
handler cannot read (:class:`~services.shared.contracts.events.UnreadableEvent`,
:class:`~services.shared.contracts.inbound.UnreadableMessage`) is parked at once:
the same bytes would fail the same way five times.

Nothing is acked before it is settled, applied or parked. Parking writes to the
service's own database, so when that database is what failed (a restart), the
parking fails too: the message is then given back to the broker after
``UNSETTLED_RETRY_SECONDS`` and comes back when the database does (issue 20:
acking it anyway lost 110 tickets' SLA clocks and report rows).
"""
from __future__ import annotations

import functools
import json
import logging
import traceback
from datetime import timedelta

import eventlet
from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from sqlalchemy import (BigInteger, Column, DateTime, Integer, MetaData, PrimaryKeyConstraint,
                        Table, Text, Uuid, bindparam, insert, select, text, update)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB, insert as pg_insert
from sqlalchemy.orm import Session, sessionmaker

from services.shared.contracts.events import UnreadableEvent
from services.shared.contracts.inbound import UnreadableMessage
from services.shared.database import make_engine
from services.shared.events import utcnow
from services.shared.metrics import EVENTS_HANDLED
from services.shared.rpc import ack_quietly

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=5)
# How long a message whose events could be neither applied nor parked stays unacked before it is requeued:
# long enough not to spin against a database that is down, short enough to follow it when it is back.
UNSETTLED_RETRY_SECONDS = 2.0
# Failures no retry can cure: the event itself is at fault, not the moment.
UNREADABLE = (UnreadableEvent, UnreadableMessage)


def retry_can_help(error: BaseException) -> bool:
    """False for an event that cannot be read: it is parked for an operator at once, not retried."""
    return not isinstance(error, UNREADABLE)


def processed_events_table(metadata: MetaData) -> Table:
    """Which handler has already applied which event."""
    return Table(
        "processed_events", metadata,
        Column("event_id", Uuid, nullable=False),
        Column("handler", Text, nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint("event_id", "handler"),
    )


def parked_events_table(metadata: MetaData) -> Table:
    """Events whose handler failed: retrying, parked for an operator, or replayed."""
    return Table(
        "parked_events", metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("handler", Text, nullable=False),
        Column("event_type", Text, nullable=False),
        Column("event_id", Text, nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("error", Text, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("status", Text, nullable=False),  # retrying | parked | done
        Column("next_attempt_at", DateTime(timezone=True)),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    )


def first_time(session: Session, processed: Table, event: dict, handler: str) -> bool:
    """Claim an event for a handler in the caller's transaction; False if already applied."""
    claimed = session.execute(
        pg_insert(processed).values(event_id=event["event_id"], handler=handler, processed_at=utcnow())
        .on_conflict_do_nothing().returning(processed.c.event_id)).first()
    return claimed is not None


def first_time_many(session: Session, processed: Table, events: list[dict], handler: str) -> list[dict]:
    """Claim a batch of events for a handler; returns those not applied before, in order."""
    if not events:
        return []
    rows = {str(e["event_id"]): e for e in events}
    claimed = set(session.execute(_claim_statement(processed), {
        "ids": json.dumps(list(rows)), "handler": handler, "now": utcnow()}).scalars().all())  # all at once: cheaper
    return [event for key, event in rows.items() if key in claimed]


def _claim_sql(processed: Table, source: str) -> str:
    """The one text of "claim these events for :handler": ``source`` is a query of an ``event_id`` column (uuid)."""
    return (f"INSERT INTO {_name(processed)} (event_id, handler, processed_at) "
            f"SELECT DISTINCT event_id, :handler, CAST(:now AS timestamptz) FROM ({source}) AS claiming "
            "ON CONFLICT DO NOTHING RETURNING event_id")


@functools.cache
def _claim_statement(processed: Table):
    # One statement text whatever the batch size, so that it is parsed and planned once, not per batch.
    ids = "SELECT CAST(id AS uuid) AS event_id FROM jsonb_array_elements_text(CAST(:ids AS jsonb)) AS ids(id)"
    return text(f"WITH claimed AS ({_claim_sql(processed, ids)}) SELECT CAST(event_id AS text) FROM claimed"
                ).bindparams(bindparam("ids", type_=Text))


def claim_then_insert(session: Session, processed: Table, handler: str, target: Table, rows: list[dict], *,
                      unless_in: Table | None = None, key: str = "ticket_number",
                      order_by: tuple[str, ...] = ()) -> int:
    """Claim each row's ``event_id`` for ``handler`` and insert the rows whose event is claimed now into ``target``.

    The idempotent consumer's write, in one statement and one round trip: ``rows`` are dicts of
    ``event_id`` and columns of ``target`` (values as JSON gives them: times as ISO strings); several rows
    may share an event (a ticket's two clocks). A row already in ``target`` is left as it is (``ON
    CONFLICT DO NOTHING``), and with ``unless_in`` (a ``deleted_tickets`` table) a row whose ``key``
    is there is not inserted, though its event is claimed. ``order_by`` (column names) orders the
    insert, so that concurrent batches take their locks in the same order. Returns the rows inserted.
    The statement text is the same whatever the batch size: parsed and planned once.
    """
    if not rows:
        return 0
    columns = tuple(sorted({name for row in rows for name in row} - {"event_id"}))
    statement = _claim_then_insert_statement(processed, target, columns, unless_in, key, order_by)
    return session.execute(statement, {"rows": json.dumps(rows, default=str), "handler": handler,
                                       "now": utcnow()}).rowcount


@functools.cache
def _claim_then_insert_statement(processed: Table, target: Table, columns: tuple[str, ...],
                                 unless_in: Table | None, key: str, order_by: tuple[str, ...]):
    dialect = postgresql.dialect()
    unknown = set(columns) - set(target.c.keys())
    if unknown:
        raise ValueError(f"{_name(target)} has no column {', '.join(sorted(unknown))}")
    record = ", ".join(["event_id uuid", *(f"{name} {target.c[name].type.compile(dialect=dialect)}"
                                          for name in columns)])
    listed = ", ".join(columns)
    where = (f"WHERE NOT EXISTS (SELECT FROM {_name(unless_in)} AS d WHERE d.{key} = r.{key}) "
             if unless_in is not None else "")
    order = f"ORDER BY {', '.join(f'r.{name}' for name in order_by)} " if order_by else ""
    return text(
        f"WITH r AS (SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({record})), "
        f"claimed AS ({_claim_sql(processed, 'SELECT event_id FROM r')}) "
        f"INSERT INTO {_name(target)} ({listed}) "
        f"SELECT {', '.join(f'r.{name}' for name in columns)} FROM r JOIN claimed USING (event_id) "
        f"{where}{order}ON CONFLICT DO NOTHING").bindparams(bindparam("rows", type_=Text))


def _name(table: Table) -> str:
    return f"{table.schema}.{table.name}" if table.schema else table.name


class EventInbox(DependencyProvider):
    """Parks failed events and retries them; injected as ``self.inbox``."""

    def __init__(self, parked: Table):
        self.parked = parked

    def setup(self):
        self.engine = make_engine(pool_size=2)
        self.sessions = sessionmaker(self.engine)

    def stop(self):
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        return self

    def park(self, handler: str, event: dict, error: BaseException, *, attempts: int = 1) -> None:
        """Record a failed event so that it is retried, not lost (or, unreadable, parked for an operator)."""
        now = utcnow()
        retrying = retry_can_help(error)
        with self.sessions() as session, session.begin():
            session.execute(insert(self.parked).values(
                handler=handler, event_type=event.get("event_type", ""), event_id=str(event.get("event_id")),
                payload=event, error=_describe(error), attempts=attempts,
                status="retrying" if retrying else "parked",
                next_attempt_at=now + FIRST_RETRY if retrying else None, created_at=now, updated_at=now))

    def retry_due(self, service) -> int:
        """Re-run every parked event whose retry time has come; returns how many ran."""
        with self.sessions() as session:
            due = session.execute(select(self.parked).where(
                self.parked.c.status == "retrying", self.parked.c.next_attempt_at <= utcnow())
                .order_by(self.parked.c.id).limit(100)).all()
        for row in due:
            self._run_again(service, row)
        return len(due)

    def replay(self, service, parked_id: int) -> str:
        """Operator replay of one parked event; returns its new status."""
        with self.sessions() as session:
            row = session.execute(select(self.parked).where(self.parked.c.id == parked_id)).first()
        if row is None:
            raise LookupError(f"no parked event {parked_id}")
        return self._run_again(service, row)

    def list(self, status: str | None = None) -> list[dict]:
        """Parked events for operators, newest first."""
        query = select(self.parked).order_by(self.parked.c.id.desc()).limit(200)
        if status:
            query = query.where(self.parked.c.status == status)
        with self.sessions() as session:
            return [_as_dict(row) for row in session.execute(query).mappings()]

    def _run_again(self, service, row) -> str:
        entrypoint = getattr(type(service), row.handler)
        handler = entrypoint.__wrapped__
        try:
            handler(service, [row.payload] if getattr(entrypoint, "destek_batch", False) else row.payload)
            status, error, next_at = "done", row.error, None
        except Exception as exc:
            attempts = row.attempts + 1
            status = "parked" if attempts >= MAX_ATTEMPTS or not retry_can_help(exc) else "retrying"
            error = _describe(exc)
            next_at = utcnow() + FIRST_RETRY * (4 ** row.attempts) if status == "retrying" else None
            log.warning("event %s for %s failed again (%s)", row.event_id, row.handler, status)
        with self.sessions() as session, session.begin():
            session.execute(update(self.parked).where(self.parked.c.id == row.id).values(
                status=status, error=error, next_attempt_at=next_at, updated_at=utcnow(),
                attempts=row.attempts + (status != "done")))
        return status


class SettledEventHandler(EventHandler):
    """nameko's event handler, acking a message only once its worker settled it (applied or parked).

    A worker that raised could not park what failed: its message is requeued after
    ``UNSETTLED_RETRY_SECONDS``, and an ack or requeue on a connection that is gone is
    left to the broker, which redelivers (raising there would kill the container).
    """

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            ack_quietly(self.queue_consumer, message)
            return
        requeue_later(self.queue_consumer, [message], exc_info[1])


def requeue_later(queue_consumer, messages: list, error: BaseException) -> None:
    """Give unsettled messages back to the broker after a pause, so that they come back, not spin."""
    log.warning("%d message(s) neither applied nor parked (%r); requeued in %.0fs",
                len(messages), error, UNSETTLED_RETRY_SECONDS)
    eventlet.sleep(UNSETTLED_RETRY_SECONDS)
    for message in messages:
        try:
            queue_consumer.requeue_message(message)
        except Exception as exc:  # the connection is gone: the broker has them back already
            log.warning("could not requeue a message (%r); the broker will deliver it again", exc)


def consumes(source_service: str, event_type: str):
    """Declare an event handler whose failures are parked and retried instead of lost."""
    def decorate(method):
        @functools.wraps(method)
        def entrypoint(self, body):
            for event in events_of(body):
                _apply_one(self, method, event)
        return SettledEventHandler.decorator(source_service, event_type)(entrypoint)
    return decorate


def events_of(body) -> list[dict]:
    """The events of one message: the relay sends events of one type pending together as a list."""
    return body if isinstance(body, list) else [body]


def _apply_one(service, method, event: dict) -> None:
    try:
        method(service, event)
    except Exception as exc:
        _park(service, method, event, exc)
    else:
        EVENTS_HANDLED.labels(type(service).name, method.__name__, "ok").inc()


class EventsRefused(Exception):
    """Raised by a batch handler for events it cannot apply (yet): they are parked, the others applied."""

    def __init__(self, refused: list[tuple[dict, Exception]]):
        super().__init__("; ".join(f"{event.get('event_id')}: {error!r}" for event, error in refused[:5]))
        self.refused = refused


def refuse(events: list[dict], refused: list[tuple[dict, Exception]]) -> None:
    """Fail the batch over the ``refused`` events, rolling back what it did (a batch of one raises the error)."""
    if len(events) == 1 and len(refused) == 1:
        raise refused[0][1]
    if refused:
        raise EventsRefused(refused)


def apply_batch(service, method, events: list[dict], event_type: str) -> None:
    """Run a batch handler: refused events parked and the rest run again, a failed batch run event by event."""
    while events:
        try:
            method(service, events)
        except EventsRefused as refusal:
            refused = {id(event): error for event, error in refusal.refused}
            rest = [event for event in events if id(event) not in refused]
            if len(rest) == len(events):
                return _apply_each(service, method, events, event_type)
            for event in events:
                if id(event) in refused:
                    _park(service, method, event, refused[id(event)])
            events = rest
        except Exception:
            return _apply_each(service, method, events, event_type)
        else:
            EVENTS_HANDLED.labels(type(service).name, method.__name__, "ok").inc(len(events))
            return


def _apply_each(service, method, events, event_type) -> None:
    log.warning("batch of %d %s events failed; applying them one by one", len(events), event_type)
    for event in events:
        _apply_alone(service, method, event)


def _apply_alone(service, method, event) -> None:
    try:
        method(service, [event])
    except Exception as exc:
        _park(service, method, event, exc)
    else:
        EVENTS_HANDLED.labels(type(service).name, method.__name__, "ok").inc()


def _park(service, method, event, error: Exception) -> None:
    """Park a failed event; if parking fails too, raise, so that its message is not acked."""
    try:
        service.inbox.park(method.__name__, event, error)
    except Exception as park_error:
        log.error("handler %s failed on event %s (%r) and it could not be parked (%r); left on the bus",
                  method.__name__, event.get("event_id"), error, park_error)
        EVENTS_HANDLED.labels(type(service).name, method.__name__, "unsettled").inc()
        raise park_error from error
    if retry_can_help(error):
        log.error("handler %s failed on event %s; parked for retry", method.__name__, event.get("event_id"),
                  exc_info=error)
    else:
        log.error("handler %s cannot read event %s (%s); parked for an operator, not retried",
                  method.__name__, event.get("event_id"), error)
    EVENTS_HANDLED.labels(type(service).name, method.__name__, "parked").inc()


def _describe(error: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(error), error)).strip()[:2000]


def _as_dict(row) -> dict:
    data = dict(row)
    for key in ("created_at", "updated_at", "next_attempt_at"):
        data[key] = data[key].isoformat() if data[key] else None
    return data
