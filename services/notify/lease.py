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
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from services.notify.settings import DeliveryPacing
from services.shared.config import load_settings
from services.shared.events import utcnow

log = logging.getLogger(__name__)

LEASE_CLASS = 0x4E5459  # the first key of notify's advisory locks ("NTY"); the second is the lease number
ORPHANS = text("""
    UPDATE notify.deliveries AS d
    SET status = 'pending', sending_owner = NULL, possible_duplicate = true, next_attempt_at = :now
    WHERE d.status = 'sending' AND NOT EXISTS (
        SELECT 1 FROM pg_locks AS l
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = CAST(:lease_class AS oid) AND l.objid = CAST(d.sending_owner AS oid))
    RETURNING d.id, d.destination, d.message_id""")


@dataclass(frozen=True)
class Lease:
    """What a worker needs to send: this process's lease number, how to pace the sending, and which
    destinations workers of this process are connecting to right now (``{destination: how many}``)."""
    owner: int
    pacing: DeliveryPacing
    connecting: dict = field(default_factory=dict, compare=False)


class SendingLease(DependencyProvider):
    """Holds this process's lease from setup to stop; injects a :class:`Lease`."""

    def setup(self):
        self.pacing = DeliveryPacing.from_env()
        self.engine = create_engine(load_settings().database_url, poolclass=NullPool)
        self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        while True:
            owner = secrets.randbelow(2**31 - 2) + 1
            if self.connection.execute(text("SELECT pg_try_advisory_lock(CAST(:c AS int), CAST(:o AS int))"),
                                       {"c": LEASE_CLASS, "o": owner}).scalar():
                break
        self.lease = Lease(owner, self.pacing)

    def stop(self):
        self.connection.close()  # the lease ends: what this process left "sending" may be taken up
        self.engine.dispose()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self.lease


def recover_orphans(session: Session) -> list[tuple[int, str, str]]:
    """Put deliveries left ``sending`` by dead processes back in the queue, flagged: ``[(id, destination, message_id)]``."""
    orphans = session.execute(ORPHANS, {"now": utcnow(), "lease_class": LEASE_CLASS}).tuples().all()
    for delivery_id, destination, message_id in orphans:
        log.warning("delivery %s to %s (Message-ID %s) was being sent by a process that died; sending it again",
                    delivery_id, destination, message_id)
    return orphans
