"""Liveness and readiness, for the nameko services and the gateway.

Liveness (``/health/live``): the process answers; an orchestrator restarts it
only when it does not. Readiness (``/health/ready``, and ``/health`` as it was
before): its database answers and it holds its broker connection, so that a
load balancer sends it nothing while either is away, without restarting a
process that will recover by itself. The answer names what is down.
"""
from __future__ import annotations

from kombu import Connection
from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer
from sqlalchemy import text

BROKER_PROBE_SECONDS = 2.0


def check_database(session) -> str:
    """``"ok"``, or why the database did not answer ``SELECT 1``."""
    try:
        session.execute(text("SELECT 1"))
    except Exception as exc:  # a health check reports, it does not raise
        return f"failing: {str(exc).splitlines()[0][:200]}"
    finally:
        session.rollback()
    return "ok"


def check_broker(amqp_uri: str, timeout: float = BROKER_PROBE_SECONDS) -> str:
    """``"ok"`` if the broker takes a connection now, else why not (for processes holding no connection)."""
    try:
        with Connection(amqp_uri, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as exc:
        return f"failing: {exc!r}"[:200]
    return "ok"


def readiness(service: str, **checks: str) -> tuple[dict, int]:
    """The readiness answer: ``({"service", "status", <check>: "ok"|"failing: ..."}, 200|503)``."""
    ready = all(result == "ok" for result in checks.values())
    return {"service": service, "status": "ok" if ready else "failing", **checks}, 200 if ready else 503


class BrokerConnection(DependencyProvider):
    """Injects a callable saying whether every consumer of this service is connected to the broker.

    nameko's consumers reconnect by themselves after a broker restart; until they
    have, the service is alive but not ready.
    """

    def get_dependency(self, worker_ctx):
        return self.check

    def check(self) -> str:
        consumers = [ext for ext in self.container.extensions if isinstance(ext, QueueConsumer)]
        for queue_consumer in consumers:
            kombu_consumers = list(queue_consumer._consumers.values())
            if not kombu_consumers or not all(_connected(c.channel) for c in kombu_consumers):
                return "failing: not connected to the broker (reconnecting)"
        return "ok"


def _connected(channel) -> bool:
    connection = getattr(channel, "connection", None)
    return bool(connection is not None and getattr(connection, "connected", False) and channel.is_open)
