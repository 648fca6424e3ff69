"""Prometheus metrics every service shares, and the provider that times entrypoints."""
from __future__ import annotations

import time

from nameko.extensions import DependencyProvider
from prometheus_client import Counter, Histogram

EVENTS_PUBLISHED = Counter(
    "destek_events_published_total", "Events relayed from the outbox to the bus", ["service"])
EVENTS_HANDLED = Counter(
    "destek_events_handled_total", "Events consumed, by outcome", ["service", "handler", "outcome"])
ENTRYPOINT_SECONDS = Histogram(
    "destek_entrypoint_seconds", "Time spent in each RPC, event or HTTP entrypoint",
    ["service", "entrypoint", "outcome"])


class EntrypointMetrics(DependencyProvider):
    """Counts and times every worker of the service it is attached to."""

    def setup(self):
        self.started: dict = {}  # not worker_ctx.data, which nameko forwards in RPC headers

    def worker_setup(self, worker_ctx):
        self.started[worker_ctx] = time.perf_counter()

    def worker_teardown(self, worker_ctx):
        self.started.pop(worker_ctx, None)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self.started.get(worker_ctx)
        if started is None:
            return
        ENTRYPOINT_SECONDS.labels(
            self.container.service_name, worker_ctx.entrypoint.method_name,
            "error" if exc_info else "ok",
        ).observe(time.perf_counter() - started)

    def get_dependency(self, worker_ctx):
        return None
