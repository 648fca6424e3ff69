"""Event handlers that take many events per worker: one transaction for a batch, not one per event.

A nameko event handler runs one worker per message; at a thousand tickets a
second that is thousands of transactions for the read models. A batch handler
gathers the messages that are waiting (up to ``BATCH_PREFETCH``, or whatever
arrived within ``max_wait`` seconds), runs one worker with the list, and acks
them together once the worker has finished.
"""
from __future__ import annotations

import functools
import logging
from functools import partial

import eventlet
from nameko.events import EventHandler
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import QueueConsumer
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from services.shared.events import utcnow
from services.shared.metrics import EVENTS_HANDLED

log = logging.getLogger(__name__)

BATCH_PREFETCH = 200


class BatchQueueConsumer(QueueConsumer):
    """A queue consumer of its own, allowed more unacked messages than the worker pool size."""

    @property
    def prefetch_count(self):
        return BATCH_PREFETCH


class BatchEventHandler(EventHandler):
    queue_consumer = BatchQueueConsumer()

    def __init__(self, source_service, event_type, *, max_wait: float = 0.02, **kwargs):
        super().__init__(source_service, event_type, **kwargs)
        self.max_wait = max_wait

    def setup(self):
        super().setup()
        self._pending: list = []
        self._timer = None

    def handle_message(self, body, message):
        self._pending.append((body, message))
        if len(self._pending) >= BATCH_PREFETCH:
            self._flush()
        elif self._timer is None:
            self._timer = eventlet.spawn_after(self.max_wait, self._flush)

    def _flush(self):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            self.container.spawn_worker(self, ([body for body, _ in batch],), {}, context_data={},
                                        handle_result=partial(self._batch_result, batch))
        except ContainerBeingKilled:
            for _, message in batch:
                self.queue_consumer.requeue_message(message)

    def _batch_result(self, batch, worker_ctx, result=None, exc_info=None):
        for _, message in batch:
            self.handle_message_processed(message, result, exc_info)
        return result, exc_info


def consumes_batch(source_service: str, event_type: str):
    """Like :func:`~services.shared.consumers.consumes`, for a method taking a list of events.

    If the batch fails, its events are applied one by one so that only the
    event at fault is parked for retry.
    """
    def decorate(method):
        @functools.wraps(method)
        def entrypoint(self, events):
            try:
                method(self, events)
            except Exception:
                log.warning("batch of %d %s events failed; applying them one by one", len(events), event_type)
                for event in events:
                    _apply_alone(self, method, event)
            else:
                EVENTS_HANDLED.labels(type(self).name, method.__name__, "ok").inc(len(events))
        entrypoint.destek_batch = True
        return BatchEventHandler.decorator(source_service, event_type)(entrypoint)
    return decorate


def _apply_alone(service, method, event) -> None:
    try:
        method(service, [event])
    except Exception as exc:
        log.exception("handler %s failed on event %s; parked for retry", method.__name__, event.get("event_id"))
        service.inbox.park(method.__name__, event, exc)
        EVENTS_HANDLED.labels(type(service).name, method.__name__, "parked").inc()
    else:
        EVENTS_HANDLED.labels(type(service).name, method.__name__, "ok").inc()


def first_time_many(session: Session, processed: Table, events: list[dict], handler: str) -> list[dict]:
    """Claim a batch of events for a handler; returns those not applied before, in order."""
    if not events:
        return []
    now = utcnow()
    rows = {str(e["event_id"]): e for e in events}
    claimed = set(map(str, session.execute(
        pg_insert(processed).values([{"event_id": key, "handler": handler, "processed_at": now} for key in rows])
        .on_conflict_do_nothing().returning(processed.c.event_id)).scalars()))
    return [event for key, event in rows.items() if key in claimed]
