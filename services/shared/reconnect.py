"""How soon a nameko consumer connects again after losing the broker: within 2 s of its return.

nameko's queue consumers (RPC servers, event handlers, in-service RPC reply
listeners) are kombu ``ConsumerMixin`` objects, which reconnect with kombu's
default backoff: 2 s, then 4, 6, ... up to 30 s between attempts. After an 11 s
broker restart that left services deaf for up to 8 s more, and after a longer
one for up to 30 s. Importing this module makes every queue consumer of the
process retry every 0.5 to 2 s instead (each attempt is one TCP connect), and
stop retrying once the container is being killed (nameko's kill otherwise waits
for a broker that may never come back).
"""
from __future__ import annotations

from contextlib import contextmanager

from nameko.messaging import QueueConsumer

RECONNECT_BACKOFF = {"interval_start": 0.5, "interval_step": 0.5, "interval_max": 2.0}


@contextmanager
def _establish_connection(self):
    def on_error(exc, interval):
        if self.should_stop:
            raise exc  # a connection error: kombu's consume loop sees should_stop and ends
        self.on_connection_error(exc, interval)

    with self.create_connection() as conn:
        conn.ensure_connection(on_error, self.connect_max_retries, **RECONNECT_BACKOFF)
        yield conn


QueueConsumer.establish_connection = _establish_connection
