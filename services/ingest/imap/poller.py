"""Importing one department mailbox, forever: sync what is new, then wait (IDLE or a pause), again.

The order of a batch is what makes a crash harmless at any point:

1. fetch up to ``batch_size`` new mails (``BODY.PEEK[]``: nothing changes on the server),
2. hand all of them to tickets in one call, which commits them (or none),
3. only then move the checkpoint past them, and mark them ``\\Seen`` (or move them).

A crash before 2 commits loses nothing: the checkpoint has not moved, so the
mails are fetched again. A crash between 2 and 3 fetches them again too, and
tickets answers ``duplicate`` for each (same Message-ID, same department). A
crash between the checkpoint and the marking leaves mails unread-looking on
the server, never imported twice.

A backlog keeps one batch ahead: while tickets commits a batch, the next one
is fetched, parsed and handed over; step 3 still follows each batch's own
commit, in order. If a batch fails, the checkpoint stays before it whatever
became of the one after, which is fetched again and answered ``duplicate``.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable

import eventlet

from services.ingest.domain.imap_sync import Checkpoint, backoff_seconds, chunks, resume_after, within_bytes
from services.ingest.imap.checkpoints import CheckpointStore, MailboxLease
from services.ingest.imap.client import ImapSession, MailboxConfig
from services.ingest.normalise import Inbound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PollSettings:
    poll_seconds: float = 30  # between checks when the server offers no IDLE
    idle_seconds: float = 300  # IDLE is renewed this often (RFC 2177: under 29 minutes)
    batch_size: int = 200  # mails per tickets call (the batcher sends at most 200 in one call)
    batch_bytes: int = 64 * 1024 * 1024  # ... and at most this much mail fetched into memory at once
    timeout: float = 30  # per IMAP command
    max_backoff: float = 300  # a failing mailbox waits at most this long between attempts
    lease_retry_seconds: float = 30  # how often a mailbox another process polls is looked at again


class MailboxPoller:
    """Runs in its own green thread; never raises, so one bad mailbox cannot stop the others."""

    def __init__(self, config: MailboxConfig, *, convert: Callable[[bytes, MailboxConfig], Inbound],
                 submit: Callable[[list[Inbound]], list[dict]], checkpoints: CheckpointStore,
                 lease: MailboxLease, settings: PollSettings, ssl_context=None):
        self.config, self.convert, self.submit = config, convert, submit
        self.checkpoints, self.lease, self.settings = checkpoints, lease, settings
        self.ssl_context = ssl_context
        self.running = True
        self.failures = 0
        self.imported = 0  # mails handed to tickets and committed, since this poller started

    def stop(self) -> None:
        self.running = False

    def stopping(self) -> bool:
        return not self.running

    def run(self) -> None:
        """Poll until stopped; failures are logged and retried with a growing pause."""
        try:
            while self.running:
                try:
                    if self.lease.acquire():
                        self._connected_loop()
                    else:
                        self._pause(self.settings.lease_retry_seconds)
                except Exception as exc:  # noqa: BLE001 - isolate this mailbox's failure
                    self.failures += 1
                    pause = backoff_seconds(self.failures, cap=self.settings.max_backoff)
                    log.warning("mailbox %s failed (%s in a row), retrying in %.0f s: %r",
                                self.config.key, self.failures, pause, exc)
                    self._pause(pause)
        finally:
            self._release_lease()

    def _connected_loop(self) -> None:
        session = ImapSession(self.config, timeout=self.settings.timeout, ssl_context=self.ssl_context)
        try:
            uidvalidity = session.open()
            while self.running:
                self.sync(session, uidvalidity)
                self.failures = 0
                wait = self.settings.idle_seconds if session.can_idle else self.settings.poll_seconds
                session.wait_for_news(wait, self.stopping)
        finally:
            session.close()

    def sync(self, session: ImapSession, uidvalidity: int) -> int:
        """Import everything new in the folder; returns how many mails were handed to tickets."""
        last_uid, renumbered = resume_after(self.checkpoints.load(self.config.key), uidvalidity)
        if renumbered:
            log.warning("mailbox %s has a new UIDVALIDITY %s: reading it again from the start "
                        "(mail already imported is recognised by its Message-ID)", self.config.key, uidvalidity)
        count, handed = 0, None  # handed: the batch tickets is committing now (uids, green thread)
        try:
            for group in self._batches(session, last_uid):
                if not self.running:
                    break
                messages = []
                for _, raw in session.fetch(group):
                    messages.append(self.convert(raw, self.config))
                    eventlet.sleep(0)  # parsing is CPU work: let HTTP workers and other mailboxes run between mails
                previous, handed = handed, (group, eventlet.spawn(self._submit, messages))
                if previous is not None:
                    count += self._settle(session, uidvalidity, *previous)
            if handed is not None:
                count += self._settle(session, uidvalidity, *handed)
                handed = None
        finally:
            # A batch failed: let the one in flight end before the mailbox is read again (not when
            # stopping: like a crash, whatever it committed is answered duplicate next time).
            if handed is not None and self.running:
                _quietly(handed[1].wait)
        return count

    def _batches(self, session: ImapSession, last_uid: int):
        """The new UIDs in ascending batches of at most ``batch_size`` mails and ``batch_bytes`` bytes."""
        for group in chunks(session.uids_after(last_uid), self.settings.batch_size):
            yield from within_bytes(session.sizes(group), self.settings.batch_bytes)

    def _submit(self, messages: list[Inbound]) -> int:
        if messages:
            self.submit(messages)  # raises unless tickets committed every one of them
        return len(messages)

    def _settle(self, session: ImapSession, uidvalidity: int, group: list[int], submission) -> int:
        """Once tickets committed a batch: move the checkpoint past it, then mark it imported."""
        committed = submission.wait()
        self.checkpoints.save(self.config.key, Checkpoint(uidvalidity, group[-1]))
        session.mark_imported(group)
        self.imported += committed
        return committed

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self.running and time.monotonic() < deadline:
            eventlet.sleep(min(0.5, max(0.0, deadline - time.monotonic())))

    def _release_lease(self) -> None:
        try:
            self.lease.release()
        except Exception:  # noqa: BLE001 - the lock ends with its connection anyway
            log.debug("could not release the lease of %s", self.config.key, exc_info=True)


def _quietly(wait: Callable[[], object]) -> None:
    """Wait for a batch whose outcome no longer matters: the mailbox is read again from the checkpoint."""
    try:
        wait()
    except Exception:  # noqa: BLE001 - what it could not commit is fetched again
        pass
