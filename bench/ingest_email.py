"""Benchmark: realistic mails posted into a running Destek, timed until all are visible in the API.

    .venv/bin/python bench/ingest_email.py --mails 2000            # starts its own sandbox system
    .venv/bin/python bench/ingest_email.py --mails 2000 --ingest http://127.0.0.1:8001 --api http://127.0.0.1:8000

Prints mails/s from the first post until every mail is committed and the API
shows every ticket, and the share of replies threaded into the right ticket
(some replies are delivered before the mail they answer).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.mail_corpus import build_corpus, delivery_order  # noqa: E402


def post_all(ingest: str, mails, concurrency: int) -> dict[str, dict]:
    """Post every mail; returns message id → ingest's answer."""
    local = threading.local()

    def post(mail):
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        for attempt in range(5):
            answer = session.post(f"{ingest}/ingest/email", data=mail.raw, timeout=60,
                                  headers={"Content-Type": "message/rfc822"})
            if answer.status_code == 202:
                return mail.message_id, answer.json()
            time.sleep(0.5 * (attempt + 1))
        raise RuntimeError(f"ingest answered {answer.status_code}: {answer.text[:200]}")
    with ThreadPoolExecutor(concurrency) as pool:
        return dict(pool.map(post, mails))


def wait_until_listed(api: str, expected_tickets: int, timeout: float = 300) -> int:
    token = requests.post(f"{api}/api/v1/auth/login", timeout=30,
                          json={"email": "owner@example.com", "password": "destek-demo"}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        total = requests.get(f"{api}/api/v1/tickets", params={"limit": 1}, headers=headers, timeout=30).json()["total"]
        if total >= expected_tickets:
            return total
        time.sleep(0.05)
    raise RuntimeError(f"the API lists {total} tickets, expected {expected_tickets}")


def threading_share(mails, answers) -> tuple[float, int]:
    """Share of replies whose ticket is the ticket of their conversation's first mail."""
    ticket_of = {mid: answer["ticket_number"] for mid, answer in answers.items()}
    replies = [m for m in mails if m.message_id != m.root_id]
    right = sum(ticket_of[m.message_id] == ticket_of[m.root_id] for m in replies)
    return (right / len(replies) if replies else 1.0), len(replies)


def run(ingest: str, api: str, count: int, concurrency: int) -> None:
    mails = build_corpus(count)
    order = delivery_order(mails)
    conversations = len({m.root_id for m in mails})
    size = sum(len(m.raw) for m in mails)
    print(f"{count} mails ({size / 1e6:.1f} MB), {conversations} conversations, concurrency {concurrency}")
    started = time.perf_counter()
    answers = post_all(ingest, order, concurrency)
    posted = time.perf_counter() - started
    listed = wait_until_listed(api, conversations)
    elapsed = time.perf_counter() - started
    share, replies = threading_share(mails, answers)
    duplicates = sum(a["status"] == "duplicate" for a in answers.values())
    print(f"all accepted (202) after {posted:.2f} s; all {listed} tickets listed after {elapsed:.2f} s")
    print(f"throughput: {count / elapsed:.0f} mails/s end to end")
    print(f"threading: {share:.1%} of {replies} replies in their conversation's ticket; {duplicates} duplicates")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--ingest", help="ingest base URL of a running system (default: start a sandbox)")
    parser.add_argument("--api", help="gateway base URL of a running system")
    args = parser.parse_args()
    if args.ingest and args.api:
        run(args.ingest, args.api, args.mails, args.concurrency)
        return
    from deploy.run_all import System
    from deploy.sandbox import free_port, sandbox_env
    env = {**sandbox_env("destek_bench"), "SLA_CALENDAR": "24x7",
           "MAIL_OUTBOX_DIR": tempfile.mkdtemp(prefix="destek-bench-mail-"), "MAIL_CATCHER_PORT": str(free_port())}
    system = System(env, quiet=True)
    system.prepare()
    system.start()
    try:
        run(f"http://127.0.0.1:{system.port('ingest')}", f"http://127.0.0.1:{system.port('gateway')}",
            args.mails, args.concurrency)
    finally:
        system.stop()


if __name__ == "__main__":
    main()
