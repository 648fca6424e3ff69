"""Logins against the real tickets container: checking a password must not stall the service's other calls.

The container runs in this test's process, on the same eventlet hub as the
RPC clients here: CPU work on the hub would hold up both, which is what a
tickets worker answering an agent would feel in production.
"""
from __future__ import annotations

import time

import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.tickets.service import TicketsService
from services.tickets.tests.core_support import demo, new_ticket  # noqa: F401 (fixture)

PASSWORD = "destek-demo"
LOGINS = 6


@pytest.fixture
def tickets(start_service, demo, rpc):  # noqa: F811
    start_service(TicketsService, max_workers=LOGINS + 4)
    return rpc.tickets


def _answers_during_logins(rabbit_config, probe) -> tuple[float, int, float]:
    """While ``LOGINS`` people log in twice each at once, probe again and again: the slowest probe, how many
    probes were answered, and how long the logins took."""
    def log_in():
        with ClusterRpcProxy(rabbit_config, timeout=60) as proxy:
            for _ in range(2):
                proxy.tickets.authenticate("agent@example.com", PASSWORD)

    latencies = []
    with ClusterRpcProxy(rabbit_config, timeout=60) as proxy:
        probe(proxy.tickets)  # connected and warm before the burst
        burst_started = time.perf_counter()
        logins = [eventlet.spawn(log_in) for _ in range(LOGINS)]
        eventlet.sleep(0.05)  # the logins reach the service first
        while not all(login.dead for login in logins):
            started = time.perf_counter()
            probe(proxy.tickets)
            latencies.append(time.perf_counter() - started)
        for login in logins:
            login.wait()  # a failed login fails the test
        burst = time.perf_counter() - burst_started
    return max(latencies), len(latencies), burst


def test_a_ticket_opens_quickly_while_several_people_log_in(tickets, demo, rabbit_config):  # noqa: F811
    number = new_ticket(tickets, demo)["number"]

    slowest, probes, burst = _answers_during_logins(
        rabbit_config, lambda service: service.get_ticket(demo.manager, number))

    # Measured on two busy cores: off the hub, about 150 probes of 30 ms and the slowest 0.3 s in a 3 s burst;
    # on the hub, 3 probes, the slowest waiting out most of the burst (1.5 s) behind the password checks.
    assert probes >= 20, (probes, slowest, burst)
    assert slowest < burst / 4, (probes, slowest, burst)
