"""How soon a nameko consumer connects again after losing the broker: within 2 s of its return.

nameko's queue consumers (RPC servers, event handlers, in-service RPC reply
listeners) are kombu ``ConsumerMixin`` objects, which reconnect with kombu's
default backoff: 2 s, then 4, 6, ... up to 30 s between attempts. After an 11 s
broker restart that left services deaf for up to 8 s more, and after a longer
one for up to 30 s. Importing this module makes every queue consumer of the
process retry every 0.5 to 2 s instead (each attempt is one TCP connect), and
stop retrying once the container is being stopped or killed (nameko otherwise
waits for a broker that may never come back).
"""
from __future__ import annotations

from contextlib import contextmanager

from nameko.messaging import QueueConsumer

RECONNECT_BACKOFF = {"interval_start": 0.5, "interval_step": 0.5, "interval_max": 2.0}


@contextmanager
def _establish_connection(self):
    def on_error(exc, interval):
        _let_go_of_removed_providers(self)
        if self.should_stop:
            raise exc  # a connection error: kombu's consume loop sees should_stop and ends
        self.on_connection_error(exc, interval)

    with self.create_connection() as conn:
        conn.ensure_connection(on_error, self.connect_max_retries, reraise_as_library_errors=False,
                               **RECONNECT_BACKOFF)
        yield conn


def _let_go_of_removed_providers(queue_consumer) -> None:
    """What nameko does after each read of a live connection, done while there is none.

    A stopping container waits for its consumers to be cancelled, which nameko
    does only between reads: with the broker away it would wait for its return.
    A consumer on a dead connection has nothing to cancel.
    """
    pending, queue_consumer._pending_remove_providers = queue_consumer._pending_remove_providers, {}
    for provider, removed in pending.items():
        queue_consumer._consumers.pop(provider, None)
        removed.send()
    if pending and not queue_consumer._consumers:
        queue_consumer.should_stop = True


QueueConsumer.establish_connection = _establish_connection
