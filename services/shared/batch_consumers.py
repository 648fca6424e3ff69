"""Event handlers that take many events per worker: one transaction for a batch, not one per event.

A nameko event handler runs one worker per message; at a thousand tickets a
second that is thousands of transactions for the read models. A batch handler
gathers the messages that are waiting (up to ``max_batch`` events, or
whatever arrived within ``max_wait`` seconds of the first), runs one worker
with the list of their events (a message may carry several, see outbox.py),
and acks them together once the worker has finished. A worker that raised
could neither apply nor park some of its events (their database is down): its
messages are requeued after a pause instead (see consumers.py).

What a message costs before its handler sees it counts as much as the handler
at that rate, so the queue consumer does not start a green thread per message,
and each handler consumes on a channel of its own, where one ``basic.ack``
with ``multiple`` settles a whole batch.
"""
from __future__ import annotations

import functools
import json
import time
from collections import deque
from contextlib import nullcontext
from functools import partial
from json.scanner import make_scanner
from struct import unpack_from

import eventlet
from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu import Consumer as KombuConsumer
from nameko.events import EventHandler
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import QueueConsumer

from services.shared.consumers import EventsRefused, apply_batch, events_of, first_time_many, refuse, requeue_later

__all__ = ["BatchEventHandler", "BatchQueueConsumer", "EventsRefused", "consumes_batch", "first_time_many", "refuse"]

MAX_BATCH = 500
# Unacked messages per handler: a whole batch being applied while the next one gathers.
BATCH_PREFETCH = 2 * MAX_BATCH
READ_AHEAD = 8192
_SCAN = make_scanner(json.JSONDecoder())


class BatchQueueConsumer(QueueConsumer):
    """The queue consumer of batch handlers: a channel per handler, messages handed over inline, acks in bulk."""

    def __init__(self):
        super().__init__()
        self._acks: dict = {}

    @property
    def prefetch_count(self):
        return BATCH_PREFETCH

    def get_consumers(self, consumer_cls, channel):
        """Kombu callback after every (re)connection: each handler's queue on a channel of its own."""
        _read_ahead(channel.connection.transport)
        self._acks = {}
        for provider in self._providers:
            own = channel.connection.channel()
            consumer = _RawConsumer(own, queues=[provider.queue], on_message=partial(self._on_message, provider),
                                    accept=self.accept)
            consumer.qos(prefetch_count=self.prefetch_count)
            self._acks[own] = _Acks()
            self._consumers[provider] = consumer
        return self._consumers.values()

    def _on_message(self, provider, message):
        try:
            body = _decoded(message, self._consumers[provider].accept)
        except Exception as exc:
            self.on_decode_error(message.channel.message_to_python(message), exc)  # logged and acked
            return
        self.handle_message(provider, body, message)

    def handle_message(self, provider, body, message):
        # The handler only adds the message to its batch: a green thread for that would cost more.
        acks = self._acks.get(message.channel)
        if acks is not None:
            acks.delivered(message)
        provider.handle_message(body, message)

    def ack_messages(self, messages: list) -> None:
        """Ack handled messages, with one ``multiple`` ack once every earlier delivery is settled too."""
        self._settle(messages, ack=True)

    def ack_message(self, message):
        self._settle([message], ack=True)

    def requeue_message(self, message):
        if message.channel.connection:  # else the broker has taken it back already
            try:
                message.channel.basic_reject(message.delivery_tag, requeue=True)
            except (AmqpConnectionError, OSError):  # pragma: no cover - the broker has it back already
                pass
        self._settle([message], ack=False)  # after the reject: an ack with ``multiple`` must not cover it

    def _settle(self, messages: list, *, ack: bool) -> None:
        if not messages:
            return
        channel = messages[0].channel
        acks = self._acks.get(channel)
        last = acks.settled(messages, ack) if acks is not None else None
        if last is not None and channel.connection:
            try:
                channel.basic_ack(last.delivery_tag, multiple=True)
            except (AmqpConnectionError, OSError):  # pragma: no cover - the broker redelivers what was not acked
                pass


class _RawConsumer(KombuConsumer):
    """Hands py-amqp's message over as it is: kombu's copy of each message costs more than it is used."""

    def _receive_callback(self, message):
        return self.on_message(message)


def _decoded(message, accept):
    """The body of a JSON message, without kombu's decoder (which calls a Python hook for every object).

    Only a body that kombu's JSON encoder marked up (``__type__``: dates, decimals),
    compressed or in another encoding needs kombu; events are plain UTF-8 JSON.
    """
    body, properties = message.body, message.properties
    if (properties.get("content_type") == "application/json" and (not accept or "application/json" in accept)
            and properties.get("content_encoding") in (None, "utf-8")
            and "compression" not in (properties.get("application_headers") or {})
            and (b'"__type__"' if isinstance(body, bytes) else '"__type__"') not in body):
        return _json(body.decode("utf-8") if isinstance(body, bytes) else body)
    decoded = message.channel.message_to_python(message)
    decoded.accept = accept
    return decoded.decode()


def _json(text: str):
    # json.loads() without its encoding detection and whitespace checks around the C scanner;
    # anything but a bare JSON document goes to json.loads() to be judged.
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


def _read_ahead(transport) -> None:
    """Let py-amqp read what the socket holds, not exactly the next part of a frame, and use what it read.

    A delivered event is three frames, each read as a header then a payload, each
    read with the socket's timeout set and restored: six receives and twelve
    timeout changes per event. py-amqp keeps what it read beyond a frame in its
    buffer and reads the next frames from there; a frame that is whole in the
    buffer needs no socket, so no timeout. (This connection only consumes.)
    """
    recv = getattr(transport, "_quick_recv", None)
    if recv is None or not isinstance(getattr(transport, "_read_buffer", None), bytes):
        return
    transport._quick_recv = lambda wanted: recv(wanted if wanted > READ_AHEAD else READ_AHEAD)
    with_timeout, no_socket = transport.having_timeout, nullcontext()

    def having_timeout(timeout):
        buffered = transport._read_buffer
        if len(buffered) >= 7 and len(buffered) > 7 + unpack_from(">I", buffered, 3)[0]:
            return no_socket
        return with_timeout(timeout)
    transport.having_timeout = having_timeout


class _Acks:
    """One channel's deliveries in order, so that one ack covers everything settled before a message."""

    def __init__(self):
        self._order: deque = deque()
        self._settled: dict = {}

    def delivered(self, message) -> None:
        self._order.append(message.delivery_tag)

    def settled(self, messages: list, ack: bool):
        """Record handled (or requeued) messages; returns the message to ack with ``multiple``, if any."""
        for message in messages:
            self._settled[message.delivery_tag] = message if ack else None
        last = None
        while self._order and self._order[0] in self._settled:
            last = self._settled.pop(self._order.popleft()) or last
        return last


class BatchEventHandler(EventHandler):
    """An event handler whose worker takes a list of events.

    ``ordered``: one batch at a time, so that the events of a queue are applied
    in the order they were published; what arrives meanwhile makes the next batch.
    """
    queue_consumer = BatchQueueConsumer()

    def __init__(self, source_service, event_type, *, max_wait: float = 0.02, max_batch: int = MAX_BATCH,
                 ordered: bool = False, **kwargs):
        super().__init__(source_service, event_type, **kwargs)
        self.max_wait, self.max_batch, self.ordered = max_wait, min(max_batch, MAX_BATCH), ordered

    def setup(self):
        super().setup()
        self._pending: list = []  # (the events of a message, the message)
        self._pending_events = 0
        self._first_at = 0.0
        self._timer = None
        self._running = 0
        self._stopping = False

    def stop(self):
        super().stop()  # no message arrives after this
        self._stopping = True
        self._schedule()

    def handle_message(self, body, message):
        if not self._pending:
            self._first_at = time.monotonic()
        events = events_of(body)
        self._pending.append((events, message))
        self._pending_events += len(events)
        self._schedule()

    def _schedule(self):
        """Flush when the batch is full or its first message has waited ``max_wait``; never inline."""
        if self._stopping:
            self._requeue_pending()
        elif self._pending and self._timer is None and not (self.ordered and self._running):
            full = self._pending_events >= self.max_batch
            delay = 0 if full else max(0.0, self._first_at + self.max_wait - time.monotonic())
            self._timer = eventlet.spawn_after(delay, self._flush)

    def _flush(self):
        self._timer = None
        batch = self._take_batch()
        if not batch:
            return
        self._running += 1
        try:
            self.container.spawn_worker(self, ([event for events, _ in batch for event in events],), {},
                                        context_data={}, handle_result=partial(self._batch_result, batch))
        except ContainerBeingKilled:
            self._running -= 1
            for _, message in batch:
                self.queue_consumer.requeue_message(message)
        self._schedule()

    def _take_batch(self) -> list:
        """Whole messages from the front, up to ``max_batch`` events (at least one message)."""
        taken, count = 0, 0
        while taken < len(self._pending) and (not taken or count + len(self._pending[taken][0]) <= self.max_batch):
            count += len(self._pending[taken][0])
            taken += 1
        batch, self._pending = self._pending[:taken], self._pending[taken:]
        self._pending_events -= count
        return batch

    def _batch_result(self, batch, worker_ctx, result=None, exc_info=None):
        messages = [message for _, message in batch]
        try:
            if exc_info is not None:  # not settled: an ordered handler waits with it, keeping the order
                requeue_later(self.queue_consumer, messages, exc_info[1])
                if self.ordered:  # and what arrived meanwhile goes back too, or it would overtake them
                    self._requeue_pending()
            else:
                self.queue_consumer.ack_messages(messages)
        finally:  # whatever became of the acks, the next batch may go
            self._running -= 1
            self._schedule()
        return result, exc_info

    def _requeue_pending(self):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        pending, self._pending, self._pending_events = self._pending, [], 0
        for _, message in pending:
            self.queue_consumer.requeue_message(message)


def consumes_batch(source_service: str, event_type: str, **options):
    """Like :func:`~services.shared.consumers.consumes`, for a method taking a list of events.

    ``options`` go to :class:`BatchEventHandler` (``max_wait``, ``max_batch``, ``ordered``).
    If the batch raises :class:`EventsRefused`, those events are parked and the
    rest applied again without them; if it fails otherwise, its events are
    applied one by one so that only the event at fault is parked for retry.
    """
    def decorate(method):
        @functools.wraps(method)
        def entrypoint(self, events):
            apply_batch(self, method, events, event_type)
        entrypoint.destek_batch = True
        return BatchEventHandler.decorator(source_service, event_type, **options)(entrypoint)
    return decorate
