"""Mailbox checkpoints in ingest's own schema, and the lease that lets one process poll each mailbox.

A checkpoint only moves forward within one UIDVALIDITY, so a slower process
that saves an older position cannot rewind it. The lease is a PostgreSQL
advisory lock held on its own connection for as long as a poller runs: a
second ingest process skips the mailbox, and takes it over when the first one
dies (its connection, and with it the lock, goes away).
"""
from __future__ import annotations

import hashlib

from sqlalchemy import case, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection, Engine

from services.ingest.domain.imap_sync import Checkpoint
from services.ingest.models import MailboxCheckpoint
from services.shared.events import utcnow


class CheckpointStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    def load(self, mailbox: str) -> Checkpoint | None:
        """The committed position of a mailbox, or None before its first import."""
        with self.engine.connect() as conn:
            row = conn.execute(select(MailboxCheckpoint.uidvalidity, MailboxCheckpoint.last_uid)
                               .where(MailboxCheckpoint.mailbox == mailbox)).first()
        return Checkpoint(row.uidvalidity, row.last_uid) if row else None

    def save(self, mailbox: str, checkpoint: Checkpoint) -> None:
        """Record that every UID up to ``last_uid`` is committed on the ticket side."""
        table = MailboxCheckpoint.__table__
        statement = insert(table).values(mailbox=mailbox, uidvalidity=checkpoint.uidvalidity,
                                         last_uid=checkpoint.last_uid, updated_at=utcnow())
        same_validity = table.c.uidvalidity == statement.excluded.uidvalidity
        statement = statement.on_conflict_do_update(index_elements=[table.c.mailbox], set_={
            "uidvalidity": statement.excluded.uidvalidity,
            "last_uid": case((same_validity, func.greatest(table.c.last_uid, statement.excluded.last_uid)),
                             else_=statement.excluded.last_uid),
            "updated_at": statement.excluded.updated_at})
        with self.engine.begin() as conn:
            conn.execute(statement)


class MailboxLease:
    """``lease.acquire()`` → True if this process may poll the mailbox; ``release()`` when done."""

    def __init__(self, engine: Engine, mailbox: str):
        self.engine = engine
        # Advisory locks take a 64-bit key: a stable hash of the mailbox key.
        self.key = int.from_bytes(hashlib.sha256(f"ingest-mailbox:{mailbox}".encode()).digest()[:8],
                                  "big", signed=True)
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        if self._conn is not None:
            return True
        conn = self.engine.connect()
        try:
            taken = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
            conn.commit()
        except Exception:
            conn.close()
            raise
        if not taken:
            conn.close()
            return False
        self._conn = conn
        return True

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            conn.commit()
        finally:
            conn.close()  # closing alone would end the lock too, but the pool keeps connections open
