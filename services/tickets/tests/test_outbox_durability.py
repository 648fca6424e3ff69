"""What the tickets service commits reaches the bus even if the process dies right after the commit."""
from __future__ import annotations

import time

from nameko.testing.services import replace_dependencies
from sqlalchemy import text

from services.tickets.service import TicketsService
from services.tickets.tests.inbound.test_service_inbound import inbound


def unpublished(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text(
            "SELECT event_type FROM tickets.outbox WHERE published_at IS NULL ORDER BY id")).scalars())


def test_a_ticket_committed_just_before_a_crash_is_still_announced(
        container_factory, start_service, rabbit_config, demo_org, event_tap, rpc):
    tap = event_tap("tickets")
    # First life: the process commits a ticket, then dies before its relay runs
    # (the relay is swapped out, as if the process was killed at that instant).
    doomed = container_factory(TicketsService, {**rabbit_config, "WEB_SERVER_ADDRESS": "127.0.0.1:0"})
    replace_dependencies(doomed, "relay")
    doomed.start()
    [result] = rpc.tickets.receive_messages([inbound("crash-1@example.org")])
    doomed.kill()
    assert unpublished(demo_org) == ["ticket_created", "message_received"]
    assert not tap.events

    # Second life: a fresh process publishes what the first one committed.
    start_service(TicketsService)
    [created] = tap.wait_for("ticket_created")
    assert created["ticket_number"] == result["ticket_number"]
    assert created["event_id"] and created["occurred_at"]
    tap.wait_for("message_received")
    deadline = time.monotonic() + 5
    while unpublished(demo_org) and time.monotonic() < deadline:  # marked just after the broker took them
        time.sleep(0.05)
    assert unpublished(demo_org) == []
