"""Where a benchmark's CPU went on this machine: seconds per part of the system, from /proc.

A run is CPU-bound when the parts together used about all the cores for its
whole length; the split says which part to make cheaper. Processes started
during the run count whole; those that ended before its end are missed (pooled
PostgreSQL backends live on). Only where /proc exists; elsewhere the split is empty.
"""
from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
# What a process is, from its command line; the first pattern that matches names its group.
GROUPS = [
    (re.compile(r"services\.shared\.runner (\w+)"), None),  # a Destek service: its own name
    (re.compile(r"gunicorn .*services\.gateway"), "gateway"),
    (re.compile(r"mail_catcher\.py"), "mail catcher"),
    (re.compile(r"(^|/)postgres\b"), "PostgreSQL"),
    (re.compile(r"beam\.smp"), "RabbitMQ"),
    (re.compile(r"(^|/)dovecot\b"), "Dovecot"),
]


def group_of(command: str) -> str | None:
    for pattern, name in GROUPS:
        match = pattern.search(command)
        if match:
            return name or match.group(1)
    return None


def snapshot() -> dict[int, tuple[str, int]]:
    """pid → (group, CPU ticks used so far) for every process of a known group."""
    taken = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        group = group_of(command or "")
        if group is not None:
            taken[int(entry.name)] = (group, int(fields[11]) + int(fields[12]))  # utime + stime
    return taken


def cpu_seconds_since(before: dict[int, tuple[str, int]]) -> Counter:
    """CPU seconds per group used since ``before`` (a process new since then counts from its start)."""
    used = Counter()
    for pid, (group, ticks) in snapshot().items():
        used[group] += (ticks - before.get(pid, (group, 0))[1]) / TICKS
    return used


def describe(used: Counter, elapsed: float) -> str:
    """One line: the groups, most first, and their share of what the cores could give."""
    if not used:
        return "CPU split: no Destek processes found on this machine"
    total = sum(used.values())
    parts = ", ".join(f"{group} {seconds:.2f}" for group, seconds in used.most_common() if seconds >= 0.01)
    return (f"CPU seconds meanwhile: {parts}; {total:.1f} s in all, {total / (elapsed * os.cpu_count()):.0%} "
            f"of {os.cpu_count()} cores for {elapsed:.1f} s")
