"""The IMAP pollers of the ingest service: one green thread per enabled department mailbox.

A supervisor thread asks tickets for the enabled mailboxes every
``IMAP_REFRESH_SECONDS`` (60) and starts, restarts (settings changed) or stops
pollers to match. Mail goes to tickets through the service's batcher, so IMAP
and HTTP mail share the same batched calls. Settings come from the container
config or the environment: ``IMAP_POLLING`` (``on``/``off``), ``IMAP_POLL_SECONDS``,
``IMAP_IDLE_SECONDS``, ``IMAP_BATCH_SIZE``, ``IMAP_BATCH_MEGABYTES``, ``IMAP_TIMEOUT_SECONDS``,
``IMAP_MAX_BACKOFF_SECONDS``, ``IMAP_CA_FILE`` (extra trusted certificates).
"""
from __future__ import annotations

import logging
import ssl
import time

import eventlet
from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from services.ingest.batching import RPC_TIMEOUT, InboundBatcher, TicketsUnavailable
from services.ingest.imap.checkpoints import CheckpointStore, MailboxLease
from services.ingest.imap.client import MailboxConfig
from services.ingest.imap.poller import MailboxPoller, PollSettings
from services.ingest.normalise import Inbound, raw_mail_to_message
from services.shared.attachment_store import attachment_store
from services.shared.config import env, load_settings
from services.shared.database import make_engine
from services.shared.rpc import RpcClient

log = logging.getLogger(__name__)
STOP_GRACE_SECONDS = 5


class ImapPollers(DependencyProvider):
    """Background IMAP import; not injected into workers (``get_dependency`` gives the pollers for tests)."""

    def setup(self):
        config = self.container.config
        self.enabled = self._setting("IMAP_POLLING", "on").lower() not in ("off", "0", "false", "no")
        self.refresh_seconds = float(self._setting("IMAP_REFRESH_SECONDS", "60"))
        self.settings = PollSettings(
            poll_seconds=float(self._setting("IMAP_POLL_SECONDS", "30")),
            idle_seconds=float(self._setting("IMAP_IDLE_SECONDS", "300")),
            batch_size=int(self._setting("IMAP_BATCH_SIZE", "200")),
            batch_bytes=int(float(self._setting("IMAP_BATCH_MEGABYTES", "64")) * 1024 * 1024),
            timeout=float(self._setting("IMAP_TIMEOUT_SECONDS", "30")),
            max_backoff=float(self._setting("IMAP_MAX_BACKOFF_SECONDS", "300")))
        self.max_attachment_bytes = int(self._setting("MAX_ATTACHMENT_BYTES", str(25 * 1024 * 1024)))
        self.store = attachment_store(config)
        self.ssl_context = ssl.create_default_context()  # the system's trusted CAs, plus IMAP_CA_FILE's
        if self._setting("IMAP_CA_FILE", ""):
            self.ssl_context.load_verify_locations(cafile=self._setting("IMAP_CA_FILE", ""))
        self.pollers: dict[str, tuple[MailboxPoller, object]] = {}
        self._running = False

    def _setting(self, name: str, default: str) -> str:
        return str(self.container.config.get(name) or env(name, default))

    def start(self):
        if not self.enabled:
            return
        self.engine = make_engine(pool_size=2)
        # Leases hold a connection each for as long as a poller runs: outside the pool, so closing ends the lock.
        self.lease_engine = create_engine(load_settings().database_url, poolclass=NullPool)
        self.checkpoints = CheckpointStore(self.engine)
        self.batcher = next(d for d in self.container.dependencies if isinstance(d, InboundBatcher))
        self._running = True
        self._supervisor = self.container.spawn_managed_thread(self._supervise, identifier="imap-supervisor")

    def stop(self):
        self._shut_down(grace=STOP_GRACE_SECONDS)

    def kill(self):
        self._shut_down(grace=0)

    def get_dependency(self, worker_ctx):
        return self.pollers

    def _shut_down(self, grace: float) -> None:
        if not self._running:
            return
        self._running = False
        for poller, _ in self.pollers.values():
            poller.stop()
        deadline = time.monotonic() + grace
        for key in list(self.pollers):
            self._finish(key, max(0.0, deadline - time.monotonic()))
        self.engine.dispose()
        self.lease_engine.dispose()

    def _supervise(self) -> None:
        # One client for the thread's life: it connects again by itself after the broker was away.
        client = RpcClient(self.container.config, timeout=RPC_TIMEOUT)
        try:
            self._refresh_forever(client)
        finally:
            client.stop()

    def _refresh_forever(self, client: RpcClient) -> None:
        while self._running:
            pause = self.refresh_seconds
            try:
                mailboxes = [MailboxConfig.from_rpc(m) for m in client.proxy().tickets.list_imap_mailboxes()]
                self._reconcile({m.key: m for m in mailboxes})
            except Exception as exc:  # noqa: BLE001 - keep the pollers we have; ask again soon
                log.warning("could not refresh the IMAP mailboxes from tickets: %r", exc)
                pause = min(pause, 5.0)
            deadline = time.monotonic() + pause
            while self._running and time.monotonic() < deadline:
                eventlet.sleep(0.2)

    def _reconcile(self, wanted: dict[str, MailboxConfig]) -> None:
        for key in list(self.pollers):
            if key not in wanted or self.pollers[key][0].config != wanted[key]:
                self.pollers[key][0].stop()
                self._finish(key, STOP_GRACE_SECONDS)
        for key, config in wanted.items():
            if key not in self.pollers and self._running:
                self._start_poller(config)

    def _start_poller(self, config: MailboxConfig) -> None:
        poller = MailboxPoller(config, convert=self._convert, submit=self._submit, checkpoints=self.checkpoints,
                               lease=MailboxLease(self.lease_engine, config.key), settings=self.settings,
                               ssl_context=self.ssl_context)
        thread = self.container.spawn_managed_thread(poller.run, identifier=f"imap:{config.key}")
        self.pollers[config.key] = (poller, thread)
        log.info("polling mailbox %s", config.key)

    def _finish(self, key: str, grace: float) -> None:
        poller, thread = self.pollers.pop(key)
        try:
            with eventlet.Timeout(grace):
                thread.wait()
        except eventlet.Timeout:
            thread.kill()  # safe at any point: nothing is marked imported before tickets committed it
        except Exception:  # noqa: BLE001 - the poller logged its own failure
            pass

    def _convert(self, raw: bytes, config: MailboxConfig) -> Inbound:
        # The mailbox says which department the mail is for: its address is the envelope recipient.
        return raw_mail_to_message(raw, envelope_recipient=config.department_email, store=self.store,
                                   max_attachment_bytes=self.max_attachment_bytes)

    def _submit(self, messages: list[Inbound]) -> list[dict]:
        with eventlet.Timeout(RPC_TIMEOUT * 2, TicketsUnavailable("no answer from the batcher")):
            return self.batcher.submit(messages)
