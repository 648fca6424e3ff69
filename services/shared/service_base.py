"""What every nameko service of Destek has: health (liveness, readiness), metrics, parked-event retries.

A service class inherits :class:`ServiceBase` and declares ``db`` (a
:class:`~services.shared.database.Database`) and ``inbox`` (an
:class:`~services.shared.consumers.EventInbox`); nameko collects the inherited
entrypoints below as its own.
"""
from __future__ import annotations

import json
import logging

from nameko.timer import timer
from nameko.web.handlers import http
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.wrappers import Response

from services.shared.database import DB_OUTAGES
from services.shared.health import BrokerConnection, check_database, readiness
from services.shared.metrics import EntrypointMetrics
from services.shared.rpc import rpc

log = logging.getLogger(__name__)


def _json(body: dict, status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


class ServiceBase:
    metrics = EntrypointMetrics()
    broker_connection = BrokerConnection()

    @http("GET", "/health/live")
    def health_live(self, request):
        """Liveness: the process answers → ``200 {"service": "tickets", "status": "ok"}``."""
        return _json({"service": self.name, "status": "ok"}, 200)

    @http("GET", "/health/ready")
    def health_ready(self, request):
        """Readiness → ``200 {"status": "ok", "database": "ok", "broker": "ok"}``, or 503 naming what is down."""
        return _json(*readiness(self.name, database=check_database(self.db.session),
                                broker=self.broker_connection()))

    @http("GET", "/health")
    def health(self, request):
        """Readiness, under the path every caller used before liveness and readiness were told apart."""
        return self.health_ready(request)

    @http("GET", "/metrics")
    def prometheus_metrics(self, request):
        """Prometheus text exposition of this process's metrics."""
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)

    @timer(interval=5)
    def retry_parked_events(self):
        """Give failed events another go once their backoff has passed."""
        try:
            self.inbox.retry_due(self)
        except DB_OUTAGES as exc:  # the parked events wait in that database: nothing to do till it is back
            log.warning("parked events of %s wait for the database: %r", self.name, exc)

    @rpc
    def list_parked_events(self, status=None):
        """Events whose handlers failed, for operators: ``[{id, handler, error, status, ...}]``."""
        return self.inbox.list(status)

    @rpc
    def replay_parked_event(self, parked_id):
        """Run a parked event's handler again; returns ``"done"``, ``"retrying"`` or ``"parked"``."""
        return self.inbox.replay(self, parked_id)
