"""Benchmark: the SLA timer's sweep over a million running clocks.

    .venv/bin/python bench/sla_sweep.py                        # 1,000,000 clocks, 1,000 of them due
    .venv/bin/python bench/sla_sweep.py --clocks 100000 --due 500
    .venv/bin/python bench/sla_sweep.py --reuse                # the clocks already loaded

Loads ``--clocks`` running clocks into the database ``destek_sla_bench``
(server-side, with generate_series), ``--due`` of them past their next
instant, then prints:

- the time the sla service's own sweep (``clocks.publish_alerts``: find the
  due clocks through ``ix_clocks_next_due``, mark them, write ``sla_breached``
  to the outbox, commit) and the outbox relay (publish to RabbitMQ with a
  committed channel) take for the due ones; target under 1 s;
- the CPU one round of the timer uses when nothing is due (this process and
  the PostgreSQL backend that answered, from /proc), and the plan that shows
  the index giving back no rows.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deploy.sandbox import fresh_database, fresh_vhost  # noqa: E402
from services.shared.config import sqlalchemy_url  # noqa: E402
from services.shared.events import utcnow  # noqa: E402
from services.shared.migrate import upgrade_all  # noqa: E402
from services.shared.outbox import OutboxPublisher  # noqa: E402
from services.sla import clocks  # noqa: E402
from services.sla.models import outbox  # noqa: E402
from services.sla.rulebook import load_rulebook  # noqa: E402

DATABASE = "destek_sla_bench"
IDLE_ROUNDS = 50
TICKS = 1 / os.sysconf("SC_CLK_TCK")  # /proc times are in clock ticks

# Three clocks per ticket; the first ``due`` rows are a minute past their deadline (already warned), the rest
# are due from an hour on, spread over days, as a live desk's are.
LOAD = text("""
INSERT INTO sla.clocks (ticket_number, kind, priority, calendar, target_seconds, started_at, due_at, warn_at,
                        warned_at, pauses_on_hold, warn_share, next_due_at)
SELECT format('%s-%s', 2000 + (i / 3) / 1000000, lpad(((i / 3) % 1000000)::text, 6, '0')),
       (ARRAY['first_response', 'resolution', 'next_update'])[i % 3 + 1], 1 + i % 4, '24x7', 7200,
       d - interval '2 hours', d, d - interval '24 minutes', CASE WHEN i < :due THEN d - interval '24 minutes' END,
       false, 0.8, CASE WHEN i < :due THEN d ELSE d - interval '24 minutes' END
FROM generate_series(0, :clocks - 1) AS i,
     LATERAL (SELECT CASE WHEN i < :due THEN CAST(:now AS timestamptz) - interval '1 minute'
                          ELSE CAST(:now AS timestamptz) + interval '1 hour' + i * interval '1 second' END AS d) AS t
""")


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def load(engine, count: int, due: int, now) -> None:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE sla.clocks, sla.outbox"))
        conn.execute(LOAD, {"clocks": count, "due": due, "now": now})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE sla.clocks"))


def backend_cpu(session) -> float:
    """CPU seconds the PostgreSQL backend of this session has used (it runs on this machine)."""
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * TICKS


def sweep_due(sessions, publisher, now) -> tuple[int, float, float, int]:
    """One sweep of the due clocks and the relay of what it recorded: (clocks, sweep s, relay s, events)."""
    started = time.perf_counter()
    with sessions() as session, session.begin():
        found = clocks.publish_alerts(session, now, load_rulebook(session, "24x7"), limit=1000)
    swept = time.perf_counter()
    published = 0
    while sent := publisher.publish_pending():
        published += sent
    return found, swept - started, time.perf_counter() - swept, published


def idle_rounds(sessions, now) -> tuple[list[float], float, float]:
    """Rounds of the timer with nothing due: wall times, and CPU per round here and in the backend."""
    walls = []
    with sessions() as session:
        cpu_db = backend_cpu(session)
        session.commit()
        cpu_here = time.process_time()
        for _ in range(IDLE_ROUNDS):
            started = time.perf_counter()
            with session.begin():
                assert clocks.publish_alerts(session, now, load_rulebook(session, "24x7"), limit=1000) == 0
            walls.append(time.perf_counter() - started)
        cpu_here, cpu_db = time.process_time() - cpu_here, backend_cpu(session) - cpu_db
    return walls, cpu_here / IDLE_ROUNDS, cpu_db / IDLE_ROUNDS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clocks", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--reuse", action="store_true", help="measure the clocks already loaded")
    args = parser.parse_args()
    url = f"postgresql://root@127.0.0.1/{DATABASE}" if args.reuse else fresh_database(DATABASE)
    if not args.reuse:
        upgrade_all(url, services=("sla",))
    engine = create_engine(sqlalchemy_url(url), pool_size=2)
    sessions = sessionmaker(engine)
    publisher = OutboxPublisher(service_name="sla", outbox=outbox, amqp_uri=fresh_vhost(DATABASE),
                                sessions=sessions)
    now = utcnow()
    started = time.perf_counter()
    load(engine, args.clocks, args.due, now)
    with engine.connect() as conn:
        running = conn.execute(text("SELECT count(*) FROM sla.clocks WHERE next_due_at IS NOT NULL")).scalar()
    log(f"loaded {running:,} running clocks, {args.due:,} due, in {time.perf_counter() - started:.1f} s")

    publisher.publish_pending()  # connect once: the timer's relay keeps its connection
    found, sweep, relay, published = sweep_due(sessions, publisher, now)
    log(f"due clocks: {found:,} found and marked in {sweep * 1000:.0f} ms (one transaction), "
        f"{published:,} sla_breached published in {relay * 1000:.0f} ms; total {(sweep + relay) * 1000:.0f} ms "
        f"(target < 1000 ms)")

    walls, cpu_here, cpu_db = idle_rounds(sessions, now + timedelta(seconds=1))
    log(f"nothing due: a round takes {statistics.median(walls) * 1000:.2f} ms (median of {IDLE_ROUNDS}), "
        f"CPU {cpu_here * 1000:.2f} ms here + {cpu_db * 1000:.2f} ms in PostgreSQL per round; "
        f"at one round per 10 s that is {(cpu_here + cpu_db) * 360:.2f} CPU-s an hour")
    with engine.connect() as conn:
        plan = conn.execute(text("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT id FROM sla.clocks "
                                 "WHERE next_due_at <= :now ORDER BY next_due_at LIMIT 1000"),
                            {"now": now + timedelta(seconds=1)}).scalars().all()
    log("the idle query's plan:\n    " + "\n    ".join(plan))
    publisher.close()
    engine.dispose()


if __name__ == "__main__":
    main()
