"""Which notify process is sending what: a lease each process holds for as long as it lives.

A delivery is marked ``sending`` with the sender's lease number, and
committed, before its SMTP transaction starts; it is marked sent after. A
process killed in between cannot say whether the server took the mail. Its
lease is a PostgreSQL advisory lock on a connection of its own, which the
server drops the moment that connection does: deliveries still ``sending``
under a lease nobody holds were left by a dead process, and any process puts
them back in the queue, as possible duplicates, to be sent again as they were
(the same bytes, so the same Message-ID: the customer's mail program shows one
mail if both arrive).

A PostgreSQL restart drops the lease of every live process too, while their
workers still hold what the servers answered. So a process checks its lease
every ``DELIVERY_LEASE_CHECK_SECONDS``; when it is gone it claims nothing (the
claim itself asks PostgreSQL whether the lease is held) and takes it again, on
a new connection, under the same number, so that its deliveries ``sending`` are
covered again; its workers then record what they sent. Nobody takes deliveries
for a dead process's during the first ``DELIVERY_LEASE_GRACE_SECONDS`` after
the server started, which is the time the live ones have to take their leases
again.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

from eventlet import Timeout
from eventlet.event import Event
from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from services.notify.settings import DeliveryPacing, LeaseTiming
from services.shared.config import load_settings
from services.shared.events import utcnow

log = logging.getLogger(__name__)

LEASE_CLASS = 0x4E5459  # the first key of notify's advisory locks ("NTY"); the second is the lease number
HELD = """SELECT 1 FROM pg_locks AS l
          WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND l.classid = CAST(:lease_class AS oid) AND l.objid = CAST({owner} AS oid)"""
ORPHANS = text(f"""
    UPDATE notify.deliveries AS d
    SET status = 'pending', sending_owner = NULL, possible_duplicate = true, next_attempt_at = :now
    WHERE d.status = 'sending' AND NOT EXISTS ({HELD.format(owner="d.sending_owner")})
      AND now() - pg_postmaster_start_time() > make_interval(secs => :grace)
    RETURNING d.id, d.destination, d.message_id""")
TRY_LOCK = text("SELECT pg_try_advisory_lock(CAST(:c AS int), CAST(:o AS int))")
# Deliveries the process had claimed under a number it could not take again (another process took it).
ADOPT = text("UPDATE notify.deliveries SET sending_owner = :new WHERE status = 'sending' AND sending_owner = :old")


@dataclass(eq=False)
class Lease:
    """What a worker needs to send: this process's lease number, whether the process holds it right now,
    how to pace the sending, and which destinations workers of this process are connecting to right now
    (``{destination: how many}``)."""
    owner: int
    pacing: DeliveryPacing
    timing: LeaseTiming = LeaseTiming()
    connecting: dict = field(default_factory=dict)
    held: bool = True

    def held_clause(self):
        """A SQL condition true while PostgreSQL sees this lease held: claims carry it, so that nothing is
        claimed under a lease a restart dropped, even before this process has noticed."""
        return text(f"EXISTS ({HELD.format(owner=':lease_owner')})").bindparams(
            lease_class=LEASE_CLASS, lease_owner=self.owner)


class SendingLease(DependencyProvider):
    """Holds this process's lease from setup to stop, taking it again when PostgreSQL drops it; injects a
    :class:`Lease`."""

    def setup(self):
        self.engine = create_engine(load_settings().database_url, poolclass=NullPool,
                                    connect_args={"connect_timeout": 5})
        self.connection = None
        self.timing = LeaseTiming.from_env()
        self.lease = Lease(0, DeliveryPacing.from_env(), self.timing, held=False)
        self.should_stop = Event()
        self.gt = None
        self._take()

    def start(self):
        self.gt = self.container.spawn_managed_thread(self._keep)

    def stop(self):
        if not self.should_stop.ready():
            self.should_stop.send(True)
        if self.gt is not None:
            self.gt.wait()
        self._close()  # the lease ends: what this process left "sending" may be taken up
        self.engine.dispose()

    def kill(self):
        if self.gt is not None:
            self.gt.kill()
        self._close()
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        return self.lease

    def _keep(self):
        """Check the lease's connection; when it is gone, take the lease again until that works."""
        while not self._stopping(self.timing.check_seconds):
            if self._still_connected():
                continue
            self.lease.held = False
            log.warning("the sending lease %s was lost with its database connection; claiming nothing until "
                        "it is taken again", self.lease.owner)
            pause = 0.2
            while not self._stopping(pause):
                try:
                    self._take()
                except Exception as error:  # the database is still away
                    log.info("could not take the sending lease again yet: %s", str(error).strip())
                    pause = min(pause * 2, 2.0)
                else:
                    log.warning("the sending lease %s is held again", self.lease.owner)
                    break

    def _still_connected(self) -> bool:
        try:
            self.connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def _take(self) -> None:
        """Lock the lease number on a new connection: the one held before if free, else a new one that
        takes over this process's deliveries ``sending``."""
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            owner = self.lease.owner or _new_number()
            while not connection.execute(TRY_LOCK, {"c": LEASE_CLASS, "o": owner}).scalar():
                owner = _new_number()
            if self.lease.owner and owner != self.lease.owner:
                connection.execute(ADOPT, {"new": owner, "old": self.lease.owner})
        except BaseException:
            connection.close()
            raise
        self._close()
        self.connection, self.lease.owner, self.lease.held = connection, owner, True

    def _close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:  # a connection the server dropped already
                pass
            self.connection = None

    def _stopping(self, seconds: float) -> bool:
        with Timeout(seconds, exception=False):
            self.should_stop.wait()
            return True
        return False


def _new_number() -> int:
    return secrets.randbelow(2**31 - 2) + 1


def recover_orphans(session: Session, lease: Lease) -> list[tuple[int, str, str]]:
    """Put deliveries left ``sending`` by dead processes back in the queue, flagged: ``[(id, destination, message_id)]``.

    Not while this process's own lease is lost: its deliveries would look like a dead process's.
    """
    if not lease.held:
        return []
    orphans = session.execute(ORPHANS, {"now": utcnow(), "lease_class": LEASE_CLASS,
                                        "grace": lease.timing.grace_seconds}).tuples().all()
    for delivery_id, destination, message_id in orphans:
        log.warning("delivery %s to %s (Message-ID %s) was being sent by a process that died; sending it again",
                    delivery_id, destination, message_id)
    return orphans
