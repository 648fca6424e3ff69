"""Transactional outbox: what a service commits reaches the bus, even if it dies right after.

A service writes its events into its own ``outbox`` table in the same
transaction as the change they describe. :class:`OutboxRelay` publishes
pending rows in batches inside one AMQP transaction (one broker round trip per
batch, not per event) and only then marks them published. A crash between
the two republishes the batch; consumers are idempotent on ``event_id``.

Events of one type that are pending together travel as one AMQP message whose
body is the JSON list of their envelopes (``destek.event_count`` says how
many); a lone event is its envelope alone. At a thousand mails a second the
broker's and the consumers' cost per message outweighed everything they did
with the events; the consumers in ``consumers.py`` and ``batch_consumers.py``
take both forms. The relay is woken by the commit of a transaction that
recorded events in its own process, and otherwise looks once a second
(``OUTBOX_IDLE_SECONDS``) for events other processes of its service left.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import eventlet
from kombu import Connection, Exchange, Producer
from nameko.extensions import DependencyProvider
from sqlalchemy import (ARRAY, BigInteger, Column, DateTime, Index, MetaData, Table, Text, Uuid, any_, cast,
                        delete, insert, literal, select, text, update)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from services.shared.bulk_rows import insert_rows
from services.shared.config import env_float
from services.shared.database import DB_OUTAGES, make_engine
from services.shared.events import event_exchange_name, new_event, utcnow
from services.shared.metrics import EVENTS_PUBLISHED
from services.shared.rpc import BUS_ERRORS

# A broker or database that is down or restarting: the relay waits and tries again, without a traceback each second.
OUTAGES = (*BUS_ERRORS, *DB_OUTAGES)

log = logging.getLogger(__name__)

BATCH_SIZE = 500
EVENTS_PER_MESSAGE = 100
KEEP_PUBLISHED_SECONDS = 24 * 3600
_committed = threading.Event()  # set when this process commits a transaction that recorded events


@event.listens_for(Session, "after_commit")
def _wake_relay(session: Session) -> None:
    if session.info.pop("destek_outbox", False):
        _committed.set()


def outbox_table(metadata: MetaData) -> Table:
    """The outbox table, in the schema of the metadata it is added to."""
    return Table(
        "outbox", metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("event_type", Text, nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True)),
        Index("ix_outbox_pending", "id", postgresql_where=text("published_at IS NULL")),
    )


def record_event(session: Session, outbox: Table, event_type: str, payload: dict) -> dict:
    """Add an event to the outbox in the caller's transaction; returns the envelope."""
    event = new_event(event_type, payload)
    session.execute(insert(outbox).values(
        event_id=event["event_id"], event_type=event_type, payload=event, created_at=utcnow()))
    session.info["destek_outbox"] = True
    return event


def record_events(session: Session, outbox: Table, events: list[tuple[str, dict]]) -> list[dict]:
    """Add many events in one statement (bulk ingest writes hundreds per transaction)."""
    envelopes = [new_event(event_type, payload) for event_type, payload in events]
    now = utcnow()
    insert_rows(session, outbox, [{"event_id": e["event_id"], "event_type": e["event_type"], "payload": e,
                                   "created_at": now} for e in envelopes])
    if envelopes:
        session.info["destek_outbox"] = True
    return envelopes


class OutboxPublisher:
    """Publishes outbox rows of one service; usable inside or outside nameko."""

    def __init__(self, *, service_name: str, outbox: Table, amqp_uri: str, sessions: sessionmaker):
        self.service_name = service_name
        self.outbox = outbox
        self.amqp_uri = amqp_uri
        self.sessions = sessions
        self.exchange = Exchange(event_exchange_name(service_name), type="topic", durable=True)
        self._connection: Connection | None = None

    def publish_pending(self) -> int:
        """Publish one batch of pending events; returns how many were published."""
        with self.sessions() as session, session.begin():
            # The payload is taken as the JSON text it is stored as, and published as such: decoding
            # and encoding it again cost the relay more than the broker does.
            rows = session.execute(
                select(self.outbox.c.id, self.outbox.c.event_type, self.outbox.c.event_id,
                       cast(self.outbox.c.payload, Text).label("body"))
                .where(self.outbox.c.published_at.is_(None))
                .order_by(self.outbox.c.id).limit(BATCH_SIZE)
                .with_for_update(skip_locked=True)).all()
            if not rows:
                return 0
            self._send(rows)
            session.execute(update(self.outbox).where(self.outbox.c.id == any_(literal([r.id for r in rows],
                                                                                          ARRAY(BigInteger))))
                            .values(published_at=utcnow()))
        EVENTS_PUBLISHED.labels(self.service_name).inc(len(rows))
        return len(rows)

    def _send(self, rows) -> None:
        channel = self._channel()
        try:
            producer = Producer(channel, exchange=self.exchange)
            for event_type, bodies in _messages(rows):
                producer.publish(bodies[0] if len(bodies) == 1 else f"[{','.join(bodies)}]",
                                 routing_key=event_type, delivery_mode=2, serializer=None,
                                 content_type="application/json", content_encoding="utf-8",
                                 headers={"destek.event_count": len(bodies)})
            channel.tx_commit()  # the broker has every message of the batch, or none
        except Exception:
            self.close()
            raise

    def _channel(self):
        if self._connection is None:
            self._connection = Connection(self.amqp_uri)
            self._tx_channel = self._connection.channel()
            self.exchange(self._tx_channel).declare()
            self._tx_channel.tx_select()
        return self._tx_channel

    def delete_old(self) -> None:
        """Forget events published more than a day ago."""
        cutoff = utcnow() - timedelta(seconds=KEEP_PUBLISHED_SECONDS)
        with self.sessions() as session, session.begin():
            session.execute(delete(self.outbox).where(self.outbox.c.published_at < cutoff))

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.release()
            except Exception as exc:  # a connection the broker dropped is closed already
                log.debug("closing the relay's connection: %r", exc)


def _messages(rows) -> list[tuple[str, list[str]]]:
    """The rows as messages: each type's events in their order, up to ``EVENTS_PER_MESSAGE`` a message."""
    by_type: dict[str, list[str]] = {}
    for row in rows:
        by_type.setdefault(row.event_type, []).append(row.body)
    return [(event_type, bodies[start:start + EVENTS_PER_MESSAGE])
            for event_type, bodies in by_type.items() for start in range(0, len(bodies), EVENTS_PER_MESSAGE)]


class OutboxRelay(DependencyProvider):
    """Runs an :class:`OutboxPublisher` loop in the background of a nameko service."""

    def __init__(self, outbox: Table):
        self.outbox = outbox

    def setup(self):
        self.engine = make_engine(pool_size=2)
        self.publisher = OutboxPublisher(
            service_name=self.container.service_name, outbox=self.outbox,
            amqp_uri=self.container.config["AMQP_URI"], sessions=sessionmaker(self.engine))
        self._running = False

    def start(self):
        self._running = True
        self._thread = self.container.spawn_managed_thread(self._run)

    def stop(self):
        self._running = False
        _committed.set()
        self._thread.wait()
        self.publisher.close()
        self.engine.dispose()

    def kill(self):
        self._running = False
        self.publisher.close()

    def _run(self):
        last_cleanup = time.monotonic()
        idle_seconds = env_float("OUTBOX_IDLE_SECONDS", 1.0)
        while self._running:
            _committed.clear()
            try:
                published = self.publisher.publish_pending()
            except OUTAGES as exc:  # the broker or the database is away: nothing is marked published
                log.warning("outbox relay of %s is waiting for the bus and the database: %r",
                            self.container.service_name, exc)
                eventlet.sleep(1)
                continue
            except Exception:
                log.exception("outbox relay of %s failed; retrying", self.container.service_name)
                eventlet.sleep(1)
                continue
            if time.monotonic() - last_cleanup > 3600:
                self.publisher.delete_old()
                last_cleanup = time.monotonic()
            if published < BATCH_SIZE:
                _committed.wait(idle_seconds)

    def get_dependency(self, worker_ctx):
        return None
