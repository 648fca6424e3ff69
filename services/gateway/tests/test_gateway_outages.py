"""The gateway across a broker restart: 503 while the broker is away, answers again by itself after (issue 20).

Runs a real tickets service and the gateway's Flask app on a private RabbitMQ
node (``tests/support/private_backends.py``), restarted mid-test; the database
is the suite's shared test database.
"""
from __future__ import annotations

import time

import eventlet
import pytest

from services.gateway.app import create_app
from services.gateway.rpc import RpcPool
from services.shared.config import Settings, load_settings
from services.shared.rpc import RpcUnavailable, rpc
from services.tickets.service import TicketsService
from tests.support.private_backends import private_rabbit_for_module, start_service_on  # noqa: F401 (fixtures)
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow


def login(client) -> int:
    return client.post("/api/v1/auth/login", json={"email": "owner@example.com", "password": "destek-demo"}
                       ).status_code


def test_the_gateway_answers_503_while_the_broker_is_away_and_logs_in_again_after(
        demo_org, private_rabbit_for_module, start_service_on):
    start_service_on(TicketsService, private_rabbit_for_module.amqp_uri)
    app = create_app(Settings(amqp_uri=private_rabbit_for_module.amqp_uri, database_url=load_settings().database_url,
                              host="127.0.0.1", max_workers=2))
    client = app.test_client()
    try:
        assert login(client) == 200  # a pooled proxy now holds a connection the restart will cut
        assert client.get("/health/ready").status_code == 200
        with private_rabbit_for_module.down():
            started = time.monotonic()
            refused = client.post("/api/v1/auth/login", json={"email": "owner@example.com",
                                                                "password": "destek-demo"})
            assert refused.status_code == 503 and refused.headers["Retry-After"]
            assert refused.get_json()["error"]["code"] == "unavailable"
            assert time.monotonic() - started < 3
            ready = client.get("/health/ready")
            assert ready.status_code == 503
            assert ready.get_json()["broker"].startswith("failing") and ready.get_json()["database"] == "ok"
            assert client.get("/health").status_code == 503  # the old path: readiness, as before
            assert client.get("/health/live").status_code == 200
        codes = []
        assert eventually(lambda: codes.append(login(client)) or codes[-1] == 200, timeout=30, interval=0.5), codes
        assert [login(client) for _ in range(3)] == [200, 200, 200]
        assert client.get("/health").status_code == 200
    finally:
        app.extensions["destek.rpc"].close()


class Echo:
    name = "echo"

    @rpc
    def slow(self, seconds):
        eventlet.sleep(seconds)
        return seconds


def test_a_pooled_call_in_flight_when_the_broker_goes_fails_at_once_with_a_retryable_error(
        private_rabbit_for_module, start_service_on):
    start_service_on(Echo, private_rabbit_for_module.amqp_uri)
    pool = RpcPool({"AMQP_URI": private_rabbit_for_module.amqp_uri, "serializer": "json"}, size=2, timeout=20)
    try:
        proxy = pool.acquire()
        assert proxy.echo.slow(0) == 0
        # long enough to be still in flight however long stop_app takes on a loaded machine
        call = eventlet.spawn(proxy.echo.slow, 15)
        eventlet.sleep(0.5)
        with private_rabbit_for_module.down():
            broker_gone = time.monotonic()
            with pytest.raises(RpcUnavailable):
                call.wait()
            assert time.monotonic() - broker_gone < 5  # failed when the connection went: not the 20 s timeout
            pool.release(proxy)
            with pytest.raises(RpcUnavailable):
                pool.acquire()
        assert eventually(lambda: _answers(pool), timeout=30, interval=0.5)
    finally:
        pool.close()


def _answers(pool: RpcPool) -> bool:
    try:
        proxy = pool.acquire()
    except RpcUnavailable:
        return False
    try:
        return proxy.echo.slow(0) == 0
    finally:
        pool.release(proxy)
