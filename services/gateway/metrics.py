"""HTTP metrics of the gateway, summed over gunicorn's workers (prometheus-client multiprocess mode)."""
from __future__ import annotations

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

REQUESTS = Counter("destek_http_requests_total", "API requests by endpoint and status",
                   ["method", "endpoint", "status"])
LATENCY = Histogram("destek_http_request_seconds", "API request latency by endpoint", ["method", "endpoint"])


def install(app: Flask) -> None:
    """Time every request and serve ``/metrics``."""
    app.before_request(_start_timer)
    app.after_request(_observe)
    app.add_url_rule("/metrics", "metrics", metrics_page)


def _start_timer():
    g.request_started = time.perf_counter()


def _observe(response):
    endpoint = request.endpoint or "unmatched"
    REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
    if "request_started" in g:
        LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - g.request_started)
    return response


def metrics_page():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
