"""An entrypoint that starts one worker per destination with mail due, never two for the same one.

nameko's timer runs one worker and waits for it: one slow destination (a
server that lets connections hang until they time out) would hold up every
other. Here each destination with deliveries due gets a worker of its own;
the scan runs at start (deliveries a crash left behind go out within
seconds) and then every ``DELIVERY_SCAN_SECONDS``.
"""
from __future__ import annotations

import logging

from eventlet import Timeout
from eventlet.event import Event
from nameko.extensions import Entrypoint

from services.notify.destinations import due_destinations
from services.notify.settings import DeliveryPacing
from services.shared.database import make_engine

log = logging.getLogger(__name__)


class DestinationScheduler(Entrypoint):
    """``@destinations_due``: the decorated method is called with one destination key per worker."""

    def setup(self):
        self.interval = DeliveryPacing.from_env().scan_seconds
        self.engine = make_engine(pool_size=1)
        self.in_flight: set[str] = set()
        self.should_stop = Event()
        self.gt = None

    def start(self):
        self.gt = self.container.spawn_managed_thread(self._run)

    def stop(self):
        self.should_stop.send(True)
        self.gt.wait()
        self.engine.dispose()

    def kill(self):
        if self.gt is not None:
            self.gt.kill()
        self.engine.dispose()

    def _run(self):
        while True:
            self._scan()
            with Timeout(self.interval, exception=False):
                self.should_stop.wait()
                return

    def _scan(self):
        try:
            with self.engine.connect() as connection:
                due = due_destinations(connection)
        except Exception as error:  # the database is away: the next scan tries again
            log.warning("could not look for deliveries due: %s", (str(error).strip().splitlines() or [error])[0])
            return
        for destination in due:
            if destination in self.in_flight:
                continue
            self.in_flight.add(destination)
            try:
                self.container.spawn_worker(self, (destination,), {}, handle_result=self._finished(destination))
            except Exception:  # the container is stopping
                self.in_flight.discard(destination)
                raise

    def _finished(self, destination: str):
        def handle_result(worker_ctx, result, exc_info):
            self.in_flight.discard(destination)
            return result, exc_info
        return handle_result


destinations_due = DestinationScheduler.decorator
