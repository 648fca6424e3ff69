"""PostgreSQL access for nameko workers: one engine per process, one session per worker.

nameko-sqlalchemy pins SQLAlchemy < 2, so this is our own small provider. The
engine's pool is at least as large as the worker pool so that workers never
queue for a connection, and psycopg is told (in ``services.shared``) to wait
with select() so that a slow query yields to the other green threads.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from services.shared.config import env_int, load_settings

# What a database that is down, restarting or unreachable raises (psycopg's errors, as SQLAlchemy wraps them).
DB_OUTAGES = (OperationalError, InterfaceError)


def make_engine(url: str | None = None, *, pool_size: int = 10) -> Engine:
    """An engine with a pool sized for ``pool_size`` concurrent users.

    A transaction left idle (a worker killed mid-way, a process frozen) is ended
    by the server after ``DB_IDLE_IN_TRANSACTION_SECONDS`` (default 120), so its
    locks, among them the one that serialises inbound mail, cannot stall every
    other worker for good. A server that does not answer at all fails a connection
    after ``DB_CONNECT_TIMEOUT_SECONDS`` (5) instead of holding the worker; a
    connection a restart ended is replaced on its next checkout (``pool_pre_ping``).
    """
    idle_ms = env_int("DB_IDLE_IN_TRANSACTION_SECONDS", 120) * 1000
    return create_engine(
        url or load_settings().database_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={"options": f"-c idle_in_transaction_session_timeout={idle_ms}",
                      "connect_timeout": env_int("DB_CONNECT_TIMEOUT_SECONDS", 5)},
    )


class UnitOfWork:
    """A worker's handle on the database: ``with db.transaction() as session``."""

    def __init__(self, factory: sessionmaker):
        self._factory = factory
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        """The worker's session, opened on first use."""
        if self._session is None:
            self._session = self._factory()
        return self._session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit what the block did, or roll all of it back if it raised."""
        session = self.session
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


class Database(DependencyProvider):
    """Injects a :class:`UnitOfWork` into every worker and closes it afterwards."""

    def setup(self):
        max_workers = self.container.config.get("max_workers", 10)
        self.engine = make_engine(pool_size=max_workers + 2)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Kept here, not in worker_ctx.data: nameko copies that into every outgoing RPC's headers.
        self.units: dict = {}

    def stop(self):
        self.engine.dispose()

    def kill(self):
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        unit = UnitOfWork(self.sessions)
        self.units[worker_ctx] = unit
        return unit

    def worker_teardown(self, worker_ctx):
        unit = self.units.pop(worker_ctx, None)
        if unit is not None:
            unit.close()
