"""Which agent a new (or reopened) ticket goes to: pure rules on frozen inputs.

A department assigns ``off`` (nobody: managers assign by hand),
``round_robin`` (the next available agent after the last one given a ticket,
by user id, wrapping around) or ``least_open`` (the available agent with the
fewest open tickets; ties go round the same cursor). Only agents who are
available and under the department's cap of open tickets are candidates; when
none is, the ticket stays unassigned.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from services.shared.errors import InvalidInput

OFF, ROUND_ROBIN, LEAST_OPEN = "off", "round_robin", "least_open"
MODES = (OFF, ROUND_ROBIN, LEAST_OPEN)
AVAILABLE, AWAY = "available", "away"
AVAILABILITIES = (AVAILABLE, AWAY)
MAX_CAP = 10_000


@dataclass(frozen=True)
class Agent:
    """An agent of the department as assignment sees them: who, whether available now, how many open tickets."""
    user_id: int
    available: bool
    open_tickets: int


@dataclass(frozen=True)
class Policy:
    mode: str
    max_open_per_agent: int | None  # None: no cap


@dataclass(frozen=True)
class Turn:
    """The state the next choice starts from: the agents and the round-robin cursor."""
    agents: tuple[Agent, ...]
    last_assigned_user_id: int | None


def is_available(availability: str, away_until: datetime | None, now: datetime) -> bool:
    """Available when set so, or when the date an absence was set to end has come."""
    return availability == AVAILABLE or (away_until is not None and away_until <= now)


def choose_agent(*, policy: Policy, turn: Turn) -> int | None:
    """The user id the next ticket goes to, or None when assignment is off or nobody may take it."""
    if policy.mode == OFF:
        return None
    candidates = [a for a in _after_cursor(turn) if a.available and _under_cap(a, policy.max_open_per_agent)]
    if not candidates:
        return None
    if policy.mode == LEAST_OPEN:
        return min(candidates, key=lambda a: a.open_tickets).user_id  # min keeps the first of equals
    return candidates[0].user_id


def after_choice(turn: Turn, user_id: int | None) -> Turn:
    """The turn after ``user_id`` got a ticket: one more open ticket, and the cursor on them."""
    if user_id is None:
        return turn
    agents = tuple(replace(a, open_tickets=a.open_tickets + 1) if a.user_id == user_id else a for a in turn.agents)
    return Turn(agents=agents, last_assigned_user_id=user_id)


def choose_many(*, policy: Policy, turn: Turn, count: int) -> tuple[list[int | None], Turn]:
    """Choices for ``count`` tickets of one department in a row, and the turn after them."""
    chosen = []
    for _ in range(count):
        user_id = choose_agent(policy=policy, turn=turn)
        chosen.append(user_id)
        turn = after_choice(turn, user_id)
    return chosen, turn


def check_mode(value) -> str:
    if value not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}", "mode")
    return value


def check_availability(value) -> str:
    if value not in AVAILABILITIES:
        raise InvalidInput(f"status must be one of {', '.join(AVAILABILITIES)}", "status")
    return value


def _after_cursor(turn: Turn) -> list[Agent]:
    """Agents by user id, starting with the first one after the cursor."""
    ordered = sorted(turn.agents, key=lambda a: a.user_id)
    if turn.last_assigned_user_id is None:
        return ordered
    later = [a for a in ordered if a.user_id > turn.last_assigned_user_id]
    return later + [a for a in ordered if a.user_id <= turn.last_assigned_user_id]


def _under_cap(agent: Agent, cap: int | None) -> bool:
    return cap is None or agent.open_tickets < cap
