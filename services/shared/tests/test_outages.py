"""Consumers, RPC servers and the outbox relay across a PostgreSQL restart and a RabbitMQ restart (issue 20).

Each test runs real nameko containers on a private RabbitMQ node against a
database of a private PostgreSQL cluster, and restarts one of them mid-test
(see ``tests/support/private_backends.py``); nothing here touches the shared ones.
"""
from __future__ import annotations

import itertools
import time

import eventlet
import pytest
import requests
from kombu import Connection, Exchange, Queue
from nameko.standalone.events import event_dispatcher
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, func, insert, select, text

from services.shared.batch_consumers import consumes_batch, first_time_many
from services.shared.consumers import EventInbox, consumes, first_time, parked_events_table, processed_events_table
from services.shared.database import Database
from services.shared.events import new_event
from services.shared.outbox import OutboxRelay, outbox_table, record_event
from services.shared.rpc import RpcClient, RpcUnavailable, rpc
from services.shared.service_base import ServiceBase
from tests.support.private_backends import (private_postgres_for_module, private_rabbit_for_module,  # noqa: F401
                                            start_service_on)
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

metadata = MetaData(schema="outage")
parked = parked_events_table(metadata)
processed = processed_events_table(metadata)
outbox = outbox_table(metadata)
applied = Table("applied", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
                Column("n", Integer, nullable=False), Column("handler", Integer, nullable=False))
_databases = itertools.count()


class OutageService(ServiceBase):
    """One of each consumer kind, writing what it applied to its database."""
    name = "outage"
    db = Database()
    inbox = EventInbox(parked)
    relay = OutboxRelay(outbox)

    @consumes("src", "thing_happened")
    def handle_thing_happened(self, event):
        with self.db.transaction() as session:
            if first_time(session, processed, event, "single"):
                session.execute(insert(applied).values(n=event["n"], handler=1))

    @consumes_batch("src", "thing_happened", max_wait=0.05, ordered=True)
    def handle_things_happened(self, events):
        with self.db.transaction() as session:
            fresh = first_time_many(session, processed, events, "batch")
            if fresh:
                session.execute(insert(applied), [{"n": event["n"], "handler": 2} for event in fresh])

    @rpc
    def count_applied(self, handler):
        with self.db.transaction() as session:
            return session.execute(select(func.count()).where(applied.c.handler == handler)).scalar_one()

    @rpc
    def note(self, n, pause=0.0):
        eventlet.sleep(pause)
        with self.db.transaction() as session:
            record_event(session, outbox, "thing_noted", {"n": n})
        return n


@pytest.fixture
def database(private_postgres_for_module):
    """A fresh database of the private cluster with the service's tables, and an engine on it."""
    url = private_postgres_for_module.create_database(f"outage_{next(_databases)}")
    engine = create_engine(url, pool_pre_ping=True)
    with engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA outage"))
    metadata.create_all(engine)
    yield url, engine
    engine.dispose()


@pytest.fixture
def outage(database, private_postgres_for_module, private_rabbit_for_module, start_service_on):
    url, engine = database
    container = start_service_on(OutageService, private_rabbit_for_module.amqp_uri, database_url=url)

    class Outage:
        postgres, rabbit = private_postgres_for_module, private_rabbit_for_module
        amqp_uri = rabbit.amqp_uri
        service = container
        health = f"http://{container.config['WEB_SERVER_ADDRESS']}/health"

        def publish(self, numbers):
            dispatch = event_dispatcher({"AMQP_URI": self.amqp_uri, "serializer": "json"})
            for n in numbers:
                dispatch("src", "thing_happened", new_event("thing_happened", {"n": n}))

        def applied(self, handler: int) -> list[int]:
            with engine.connect() as conn:
                return sorted(conn.execute(select(applied.c.n).where(applied.c.handler == handler)).scalars())

        def parked(self) -> int:
            """Parked events not yet applied by a retry."""
            with engine.connect() as conn:
                return conn.execute(select(func.count()).where(parked.c.status != "done")).scalar_one()
    return Outage()


def readiness(url: str) -> tuple[int, dict]:
    response = requests.get(f"{url}/ready", timeout=10)
    return response.status_code, response.json()


def test_events_that_could_be_neither_applied_nor_parked_come_back_when_the_database_does(outage):
    outage.publish(range(10))
    assert eventually(lambda: outage.applied(1) == list(range(10)) and outage.applied(2) == list(range(10)),
                      timeout=20)
    with outage.postgres.down():
        outage.publish(range(10, 40))
        time.sleep(2.5)  # the operator's restart: handlers fail, and parking (same database) fails too
        status, body = readiness(outage.health)
        assert status == 503 and body["database"].startswith("failing") and body["broker"] == "ok"
        assert requests.get(f"{outage.health}/live", timeout=10).status_code == 200
    # single handler and batch handler: every event applied exactly once, none lost, none left parked
    # (an event whose handler failed just before the database came back, and was parked, is retried)
    assert eventually(lambda: outage.applied(1) == list(range(40)), timeout=30), outage.applied(1)
    assert eventually(lambda: outage.applied(2) == list(range(40)), timeout=30), outage.applied(2)
    assert eventually(lambda: outage.parked() == 0, timeout=15)
    assert eventually(lambda: readiness(outage.health)[0] == 200, timeout=10)


def test_an_rpc_call_while_the_database_is_down_fails_at_once_and_the_next_one_after_it_works(outage):
    client = RpcClient({"AMQP_URI": outage.amqp_uri, "serializer": "json"}, timeout=10)
    try:
        assert client.proxy().outage.note(1) == 1
        with outage.postgres.down():
            started = time.monotonic()
            with pytest.raises(Exception) as refused:
                client.proxy().outage.note(2)
            assert time.monotonic() - started < 5
            assert "OperationalError" in repr(refused.value)
        assert client.proxy().outage.note(3) == 3
    finally:
        client.stop()


def test_a_broker_restart_leaves_every_consumer_connected_again_and_the_service_alive(outage):
    client = RpcClient({"AMQP_URI": outage.amqp_uri, "serializer": "json"}, timeout=10)
    try:
        assert client.proxy().outage.note(0) == 0
        in_flight = client.proxy().outage.note.call_async(1, pause=1.5)  # its reply is due while the broker is away
        eventlet.sleep(0.3)
        with outage.rabbit.down():
            with pytest.raises(RpcUnavailable):
                in_flight.result()  # a clear, retryable error, at once, not a 10 s timeout
            time.sleep(1.5)  # the tickets service died here, sending this reply (issue 20)
            assert not outage.service._died.ready()
            status, body = readiness(outage.health)
            assert status == 503 and body["broker"].startswith("failing") and body["database"] == "ok"
        assert not outage.service._died.ready()
        assert eventually(lambda: readiness(outage.health)[0] == 200, timeout=20), readiness(outage.health)
        outage.publish(range(5))
        assert eventually(lambda: outage.applied(1) == list(range(5)) and outage.applied(2) == list(range(5)),
                          timeout=20)
        assert client.proxy().outage.note(2) == 2  # the client connected again by itself
    finally:
        client.stop()


def test_the_outbox_relay_delivers_every_event_across_a_broker_and_a_database_restart(outage):
    exchange = Exchange("outage.events", type="topic", durable=True)
    tap = Queue("outage-tap", exchange, routing_key="thing_noted", durable=True)
    with Connection(outage.amqp_uri) as conn:
        tap(conn.default_channel).declare()
    client = RpcClient({"AMQP_URI": outage.amqp_uri, "serializer": "json"}, timeout=10)

    def note(n: int) -> None:  # a caller that retries until the bus is back
        deadline = time.monotonic() + 30
        while True:
            try:
                client.proxy().outage.note(n)
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    try:
        for n in range(5):
            note(n)
        outage.rabbit.restart(down_for=1)
        for n in range(5, 10):
            note(n)
        outage.postgres.restart(down_for=1)
        for n in range(10, 15):
            note(n)
    finally:
        client.stop()
    seen: set = set()

    def drain() -> bool:
        with Connection(outage.amqp_uri) as conn:
            while (message := tap(conn.default_channel).get(accept=["json"])) is not None:
                body = message.payload
                seen.update(event["n"] for event in (body if isinstance(body, list) else [body]))
                message.ack()
        return seen == set(range(15))
    assert eventually(drain, timeout=30), sorted(seen)


class Bystander:
    """A service that only consumes, to be killed while the broker is away."""
    name = "bystander"

    @rpc
    def ping(self):
        return "pong"

    @consumes_batch("src", "thing_happened", max_wait=0.05)
    def handle_things_happened(self, events):
        pass


def test_a_service_killed_while_the_broker_is_away_dies_at_once_instead_of_waiting_for_it(
        private_rabbit_for_module, start_service_on):
    container = start_service_on(Bystander, private_rabbit_for_module.amqp_uri)
    with private_rabbit_for_module.down():
        time.sleep(1)  # its consumers are reconnecting now
        started = time.monotonic()
        container.kill()
        assert time.monotonic() - started < 5


def test_a_service_stopped_while_the_broker_is_away_stops_without_waiting_for_it(
        private_rabbit_for_module, start_service_on):
    container = start_service_on(Bystander, private_rabbit_for_module.amqp_uri)
    with private_rabbit_for_module.down():
        time.sleep(1)
        started = time.monotonic()
        container.stop()  # SIGTERM from a supervisor, which kills what has not stopped in 20 s
        assert time.monotonic() - started < 5
