"""notify's own Prometheus metrics: failures, possible duplicates, and what waits where."""
from __future__ import annotations

from prometheus_client import Counter, Gauge

DELIVERY_FAILURES = Counter(
    "destek_notify_delivery_failures_total", "Attempts at a delivery that did not send it",
    ["channel", "failure"])  # failure: temporary | permanent | unreachable
DESTINATION_FAILURES = Counter(
    "destek_notify_destination_failures_total", "Rounds in which a destination failed and was put back",
    ["channel"])
POSSIBLE_DUPLICATES = Counter(
    "destek_notify_possible_duplicates_total",
    "Deliveries sent again after a process died while sending them: the first copy may have gone out",
    ["channel"])
WAITING = Gauge(
    "destek_notify_deliveries_waiting", "Deliveries not yet sent, by the state of their destination",
    ["state"])  # healthy | failing
DESTINATIONS = Gauge("destek_notify_destinations", "Destinations with deliveries, by state", ["state"])
