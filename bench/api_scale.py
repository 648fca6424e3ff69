"""Benchmark: lists, search, the board and a ticket at scale, timed through the gateway.

    .venv/bin/python bench/api_scale.py --tickets 1000000            # loads, then measures
    .venv/bin/python bench/api_scale.py --tickets 1000000 --reuse    # measures the data already loaded

Loads ``--tickets`` tickets with three thread messages each (bulk COPY into
the database ``destek_api_bench``, outside the API), starts every service
and the gateway on it, and prints p50/p95 latency of each request kind as a
logged-in manager would send it. The target is p95 under 50 ms for each.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.api_scale_data import COMMON, RARE_WORDS, bulk_load, phone_of, rare_word  # noqa: E402
from deploy.run_all import DEFAULT_PORTS, System  # noqa: E402
from deploy.sandbox import fresh_database, fresh_vhost, free_port  # noqa: E402
from services.tickets.admin.auth import hash_password  # noqa: E402

DATABASE = "destek_api_bench"
EXTRA_DEPARTMENTS = ("Muhasebe", "Teknik", "Kurumsal")
AGENTS = 20


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def bench_env(reuse: bool) -> dict[str, str]:
    env = {f"{service.upper()}_PORT": str(free_port()) for service in DEFAULT_PORTS}
    url = f"postgresql://root@127.0.0.1/{DATABASE}" if reuse else fresh_database(DATABASE)
    env.update({"DATABASE_URL": url, "AMQP_URI": fresh_vhost(DATABASE), "SLA_CALENDAR": "24x7",
                "MAIL_OUTBOX_DIR": tempfile.mkdtemp(prefix="destek-bench-mail-"),
                "MAIL_CATCHER_PORT": str(free_port()), "DEMO_PASSWORD": "destek-demo"})
    return env


def loaded_tickets(url: str) -> int:
    try:
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT count(*) FROM tickets.tickets").fetchone()[0]
    except psycopg.OperationalError:
        return 0


def add_people(url: str) -> dict:
    """More departments and agents than the demo has; returns the ids the bulk load draws from."""
    password = hash_password("destek-demo")
    with psycopg.connect(url, autocommit=True) as conn:
        for name in EXTRA_DEPARTMENTS:
            conn.execute("INSERT INTO tickets.departments (name, email, is_default, send_acknowledgement, created_at) "
                         "VALUES (%s, %s, false, false, now())", (name, f"{name.lower()}@example.com"))
        departments = [r[0] for r in conn.execute("SELECT id FROM tickets.departments ORDER BY id")]
        for index in range(AGENTS):
            user_id = conn.execute(
                "INSERT INTO tickets.users (email, name, password_hash, is_owner, is_active, failed_logins, "
                "created_at) VALUES (%s, %s, %s, false, true, 0, now()) RETURNING id",
                (f"temsilci{index}@example.com", f"Temsilci {index}", password)).fetchone()[0]
            conn.execute("INSERT INTO tickets.memberships (user_id, department_id, role) VALUES (%s, %s, 'agent')",
                         (user_id, departments[index % len(departments)]))
        users = [r[0] for r in conn.execute("SELECT id FROM tickets.users")]
        stages = conn.execute("SELECT p.type, p.id, s.id FROM tickets.stages s JOIN tickets.pipelines p "
                              "ON p.id = s.pipeline_id").fetchall()
    return {"departments": departments, "users": users,
            "service_stages": [(p, s) for kind, p, s in stages if kind == "service"],
            "sales_stages": [(p, s) for kind, p, s in stages if kind == "sales"]}


def scenarios(api: str, tickets: int, rng: random.Random, pipeline: dict) -> dict:
    """Request kind → a function giving the next (path, params) of that kind."""
    stages = [s["id"] for s in pipeline["stages"]]
    customers = max(1, int(tickets * 0.4))

    def phone():
        e164 = phone_of(rng.randrange(customers))
        return f"0{e164[3:6]} {e164[6:9]} {e164[9:11]} {e164[11:]}"  # as people write it: 0532 000 01 23
    return {
        "list: a department's open tickets, newest activity first": lambda: ("/tickets", {
            "department_id": rng.choice((1, 2)), "status": rng.choice(("open", "pending", "in_progress")),
            "sort": "-updated", "limit": 50}),
        "search: a common word": lambda: ("/tickets", {"q": rng.choice(COMMON), "limit": 50}),
        "search: a rare word": lambda: ("/tickets", {"q": rare_word(rng.randrange(RARE_WORDS)), "limit": 50}),
        "search: a phone number": lambda: ("/tickets", {"q": phone(), "limit": 50}),
        "board: one column": lambda: (f"/pipelines/{pipeline['id']}/board",
                                      {"stage_id": rng.choice(stages), "limit": 20}),
        "a ticket with its thread": lambda: (f"/tickets/2026-{rng.randint(1, tickets):06d}", {}),
        "(floor: /auth/me, the gateway and one RPC doing nothing)": lambda: ("/auth/me", {}),
    }


def measure(api: str, token: str, next_request, count: int) -> tuple[list[float], int]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    timings, failures = [], 0
    for index in range(count + 10):
        path, params = next_request()
        started = time.perf_counter()
        answer = session.get(api + path, params=params, timeout=60)
        elapsed = (time.perf_counter() - started) * 1000
        failures += answer.status_code not in (200, 403, 404)  # 403/404: a ticket of another department
        if index >= 10:  # the first ten warm caches and connections
            timings.append(elapsed)
    return timings, failures


def run(system: System, tickets: int, count: int) -> None:
    api = f"http://127.0.0.1:{system.port('gateway')}/api/v1"
    token = requests.post(f"{api}/auth/login", json={"email": "manager@example.com", "password": "destek-demo"},
                          timeout=30).json()["token"]
    pipelines = requests.get(f"{api}/pipelines", headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
    service = next(p for p in pipelines["items"] if p["type"] == "service")
    rng = random.Random(7)
    print(f"\n{tickets:,} tickets, {count} requests per kind, one client, as a manager of 2 of 5 departments")
    print(f"{'request':<58}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}  errors")
    worst = 0.0
    for name, next_request in scenarios(api, tickets, rng, service).items():
        timings, failures = measure(api, token, next_request, count)
        p95 = statistics.quantiles(timings, n=20)[18]
        worst = max(worst, p95) if not name.startswith("(") else worst
        print(f"{name:<58}{statistics.median(timings):>8.1f}{p95:>8.1f}{max(timings):>8.1f}  {failures}")
    print(f"\nworst p95: {worst:.1f} ms ({'within' if worst < 50 else 'OVER'} the 50 ms target)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--messages-per-ticket", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per kind")
    parser.add_argument("--reuse", action="store_true", help="measure the data of an earlier run if it matches")
    args = parser.parse_args()
    env = bench_env(args.reuse)
    reuse = args.reuse and loaded_tickets(env["DATABASE_URL"]) == args.tickets
    system = System(env, quiet=True)
    if not reuse:
        env["DATABASE_URL"] = fresh_database(DATABASE)
        system.prepare()
        log(f"loading {args.tickets:,} tickets into {DATABASE}")
        bulk_load(env["DATABASE_URL"], args.tickets, args.messages_per_ticket, add_people(env["DATABASE_URL"]), log)
    system.start()
    try:
        run(system, args.tickets, args.requests)
    finally:
        system.stop()


if __name__ == "__main__":
    main()
