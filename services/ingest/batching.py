"""Many inbound messages per RPC: the batcher behind the ingest endpoints.

One RPC round trip costs more than parsing a mail, so HTTP workers do not
call tickets one by one. Each worker hands its message to the batcher and
waits; a background green thread sends whatever has gathered (up to
``MAX_BATCH``) in one ``tickets.receive_messages`` call and wakes every waiter
with its own result. Under light load a batch is just one message, sent at once.

The files those messages name were written to the attachment store without
a sync each; the batcher syncs the store once before a batch goes out, and
writes the batch's original mails (handed in beside each message, as bytes)
to one file of the mail archive and sets each message's ``original`` to
where its mail is, so tickets never commits a row whose file a crash could
still take away.

While one batch is out, what has gathered meanwhile goes out too, up to
``INBOUND_BATCHES_IN_FLIGHT`` batches (default 2), so mail keeps moving
while tickets commits. tickets applies inbound batches one after another,
so a reply and its original in two batches still find each other, and the
answers come back in the order the batches went out.

The bus can go away under it (issue 20). A batch that could not be sent is
answered at once with :class:`TicketsUnavailable` (ingest's 503), and the next
batch connects anew; a batch whose reply was lost with the broker connection
is answered the same way (tickets may have stored it: the sender's retry is
then a ``duplicate`` with the same ticket). When the service stops, mail not
yet sent is answered at once and mail in flight waits at most
``INGEST_STOP_GRACE_SECONDS`` (5) for tickets, not the 30 s RPC timeout: a
supervisor gives the process 20 s before it kills it.
"""
from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import replace

import eventlet
from eventlet.event import Event
from eventlet import tpool
from eventlet.queue import Empty, LightQueue
from nameko.extensions import DependencyProvider, Entrypoint

from services.ingest.normalise import Inbound
from services.shared.attachment_store import attachment_store
from services.shared.contracts.inbound import InboundMessage, OriginalLocation
from services.shared.config import env_float, env_int
from services.shared.mail_archive import mail_archive
from services.shared.rpc import RpcClient, RpcUnavailable

log = logging.getLogger(__name__)

MAX_BATCH = 200
RPC_TIMEOUT = 30


class TicketsUnavailable(Exception):
    """The tickets service did not take the batch; the caller should ask the sender to retry."""


class _StopNotice(Entrypoint):
    """Hears first that the container stops (entrypoints stop before nameko waits for the workers)."""

    batcher = None

    def stop(self):
        if self.batcher is not None:
            self.batcher.stopping()


class InboundBatcher(DependencyProvider):
    """Injected as a callable: ``results = self.batcher([(message, original bytes or None), ...])``."""

    def bind(self, container, attr_name):
        bound = super().bind(container, attr_name)
        notice = _StopNotice().bind(container, f"{attr_name}:stopping")
        notice.batcher = bound
        container.entrypoints.add(notice)
        return bound

    def setup(self):
        self.queue: LightQueue = LightQueue()
        self._running = False
        self._accepting = False
        self._deadline = 0.0  # when a stopping batcher stops waiting for tickets
        self._unanswered: set = set()  # the Events of every message not answered yet

    def start(self):
        self._running = self._accepting = True
        self._max_in_flight = max(1, env_int("INBOUND_BATCHES_IN_FLIGHT", 2))
        self._grace = env_float("INGEST_STOP_GRACE_SECONDS", 5.0)
        self._store = attachment_store(self.container.config)
        self._archive = mail_archive(self.container.config)
        self._client = RpcClient(self.container.config, timeout=RPC_TIMEOUT)
        self._thread = self.container.spawn_managed_thread(self._run)

    def stopping(self) -> None:
        """No new mail; mail still waiting is answered now, mail in flight within the grace period."""
        if not self._accepting:
            return
        self._accepting = False
        self._deadline = time.monotonic() + self._grace
        self.queue.put(None)
        eventlet.spawn_after(self._grace, self._answer_all, TicketsUnavailable("ingest is stopping"))

    def stop(self):
        self.stopping()
        self._running = False
        self.queue.put(None)
        with eventlet.Timeout(max(0.0, self._deadline - time.monotonic()), False):  # one grace period in all
            self._thread.wait()
        self._thread.kill()  # still waiting on a tickets that does not answer
        self._answer_all(TicketsUnavailable("ingest is stopping"))
        self._client.stop()

    def kill(self):
        self._running = self._accepting = False
        self._answer_all(TicketsUnavailable("ingest was killed"))
        self._client.stop()

    def get_dependency(self, worker_ctx):
        return self.submit

    def submit(self, messages: list[Inbound]) -> list[dict]:
        """Send messages (each with its mail's bytes) with whatever else is waiting; returns their results in order."""
        if not self._accepting:
            raise TicketsUnavailable("ingest is stopping")
        waiters = [(inbound, Event()) for inbound in messages]
        for item in waiters:
            self._unanswered.add(item[1])
            self.queue.put(item)
        outcomes = [event.wait() for _, event in waiters]
        for outcome in outcomes:
            if isinstance(outcome, Exception):
                raise TicketsUnavailable(str(outcome)) from outcome
        return outcomes

    def _answer(self, event: Event, outcome) -> None:
        if not event.ready():
            event.send(outcome)
        self._unanswered.discard(event)

    def _answer_all(self, outcome: Exception) -> None:
        for event in list(self._unanswered):
            self._answer(event, outcome)

    def _run(self):
        in_flight: deque = deque()  # (batch, reply) in the order sent
        while self._running or in_flight:
            if self._running and len(in_flight) < self._max_in_flight:
                batch = self._gather(wait=not in_flight)
                if batch:
                    in_flight.append((batch, self._call(batch)))
                    continue
            if in_flight:
                self._deliver(*in_flight.popleft())

    def _gather(self, wait: bool) -> list:
        """What is waiting now, up to ``MAX_BATCH``; with ``wait``, at least one message (or [] on stop)."""
        if wait:
            first = self.queue.get()
        else:
            try:
                first = self.queue.get_nowait()
            except Empty:
                return []
        if first is None:
            self._running = self._running and self._accepting
            return []
        batch = [first]
        eventlet.sleep(0)  # let the workers that are ready now enqueue too
        while len(batch) < MAX_BATCH:
            try:
                item = self.queue.get_nowait()
            except Empty:
                break
            if item is not None:
                batch.append(item)
        if not self._accepting:  # stopping: what has not gone out yet is answered now, not sent
            for _, event in batch:
                self._answer(event, TicketsUnavailable("ingest is stopping"))
            self._running = False
            return []
        return batch

    def _call(self, batch):
        try:
            messages = tpool.execute(self._keep_files, [inbound for inbound, _ in batch])  # mail keeps arriving
            return self._send([message.to_wire() for message in messages])
        except Exception as exc:
            return exc

    def _send(self, messages: list[dict]):
        """Send a batch; a connection found lost before anything went out is replaced and the batch sent once more."""
        try:
            return self._client.proxy().tickets.receive_messages.call_async(messages)
        except RpcUnavailable as exc:
            log.warning("could not send a batch to tickets (%s); connecting again", exc)
            return self._client.proxy().tickets.receive_messages.call_async(messages)

    def _keep_files(self, batch: list[Inbound]) -> list[InboundMessage]:
        """Attachments synced, originals archived: on disk before tickets commits rows that name them."""
        self._store.sync()
        kept = [raw for _, raw in batch if raw is not None]
        places = iter(self._archive.write(kept) if kept else [])
        return [message if raw is None else replace(message, original=OriginalLocation(**next(places)))
                for message, raw in batch]

    def _deliver(self, batch, reply) -> None:
        try:
            if isinstance(reply, Exception):
                raise reply
            results = reply.result()
        except Exception as exc:
            log.warning("tickets did not take a batch of %d messages: %s", len(batch), exc)
            results = [exc] * len(batch)
        for (_, event), result in zip(batch, results):
            self._answer(event, result)
