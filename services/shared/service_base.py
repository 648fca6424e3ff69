"""What every nameko service of Destek has: health, metrics, parked-event retries.

A service class inherits :class:`ServiceBase` and declares ``db`` (a
:class:`~services.shared.database.Database`) and ``inbox`` (an
:class:`~services.shared.consumers.EventInbox`); nameko collects the inherited
entrypoints below as its own.
"""
from __future__ import annotations

import json

from nameko.timer import timer
from nameko.web.handlers import http
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from werkzeug.wrappers import Response

from services.shared.metrics import EntrypointMetrics
from services.shared.rpc import rpc


class ServiceBase:
    metrics = EntrypointMetrics()

    @http("GET", "/health")
    def health(self, request):
        """Liveness and readiness: the process answers and its database does too."""
        try:
            self.db.session.execute(text("SELECT 1"))
            body, status = {"service": self.name, "status": "ok", "database": "ok"}, 200
        except Exception as exc:  # a health check reports, it does not raise
            body, status = {"service": self.name, "status": "failing", "database": str(exc)[:200]}, 503
        return Response(json.dumps(body), status=status, mimetype="application/json")

    @http("GET", "/metrics")
    def prometheus_metrics(self, request):
        """Prometheus text exposition of this process's metrics."""
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)

    @timer(interval=5)
    def retry_parked_events(self):
        """Give failed events another go once their backoff has passed."""
        self.inbox.retry_due(self)

    @rpc
    def list_parked_events(self, status=None):
        """Events whose handlers failed, for operators: ``[{id, handler, error, status, ...}]``."""
        return self.inbox.list(status)

    @rpc
    def replay_parked_event(self, parked_id):
        """Run a parked event's handler again; returns ``"done"``, ``"retrying"`` or ``"parked"``."""
        return self.inbox.replay(self, parked_id)
