"""The database provider under eventlet: one worker's slow query does not block the others."""
from __future__ import annotations

import time

import eventlet
import pytest
from nameko.rpc import rpc
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.shared.database import Database, make_engine


class SleepyService:
    name = "sleepy"
    db = Database()

    @rpc
    def slow_query(self):
        started = time.monotonic()
        with self.db.transaction() as session:
            session.execute(text("SELECT pg_sleep(0.5)"))
        return started, time.monotonic()


def test_concurrent_workers_queries_overlap(start_service, rabbit_config, database_url):
    start_service(SleepyService)

    def call(_):
        with ClusterRpcProxy(rabbit_config, timeout=30) as client:
            return client.sleepy.slow_query()
    spans = list(eventlet.GreenPool(8).imap(call, range(8)))
    latest_start = max(start for start, _ in spans)
    earliest_end = min(end for _, end in spans)
    # Serialised queries would each start after the previous one ended.
    assert latest_start < earliest_end, spans


def test_a_failed_transaction_leaves_nothing_behind(engine, database_url):
    from sqlalchemy.orm import sessionmaker
    from services.shared.database import UnitOfWork
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS public.uow_probe (v int)"))
        conn.execute(text("TRUNCATE public.uow_probe"))
    unit = UnitOfWork(sessionmaker(engine))
    try:
        with unit.transaction() as session:
            session.execute(text("INSERT INTO public.uow_probe VALUES (1)"))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with unit.transaction() as session:
        session.execute(text("INSERT INTO public.uow_probe VALUES (2)"))
    unit.close()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT array_agg(v) FROM public.uow_probe")).scalar() == [2]


def test_a_transaction_left_idle_is_ended_and_frees_its_locks(database_url, monkeypatch):
    monkeypatch.setenv("DB_IDLE_IN_TRANSACTION_SECONDS", "1")
    engine = make_engine(database_url, pool_size=2)
    try:
        stalled = engine.connect()
        stalled.execute(text("SELECT pg_advisory_xact_lock(4242)"))
        time.sleep(1.5)  # a worker killed mid-transaction never comes back
        with engine.connect() as other:
            other.execute(text("SET lock_timeout = '2s'"))
            assert other.execute(text("SELECT pg_try_advisory_xact_lock(4242)")).scalar() is True
        with pytest.raises(DBAPIError, match="idle-in-transaction timeout"):
            stalled.execute(text("SELECT 1"))
    finally:
        engine.dispose()
