"""SLA policies: targets per priority (1 urgent … 4 low) in business time, which statuses pause, when to warn.

A policy is what new clocks are started with; a running clock keeps the target
it was started with (see ``clocks.py``) until the ticket's priority changes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Mapping

from services.shared.contracts.tickets import WAITING_ON_CUSTOMER
from services.shared.errors import InvalidInput

# The clocks a ticket runs, by kind: one per target below that has a clock.
FIRST_RESPONSE, RESOLUTION, NEXT_UPDATE = "first_response", "resolution", "next_update"
KINDS = (FIRST_RESPONSE, RESOLUTION, NEXT_UPDATE)
PRIORITIES = (1, 2, 3, 4)
ON_HOLD = "on_hold"  # pauses the clocks where the policy says so; WAITING_ON_CUSTOMER always does
DEFAULT_WARN_SHARE = 0.8
LONGEST_TARGET = timedelta(days=365)


@dataclass(frozen=True)
class SlaTargets:
    """How soon a ticket is answered, solved, and (while open) updated; ``None`` means no update target."""
    first_response: timedelta
    resolution: timedelta
    update_every: timedelta | None  # Low's "as needed": no next-update clock

    def clocks(self) -> tuple[tuple[str, timedelta], ...]:
        """``(kind, target)`` of each clock a ticket runs under these targets."""
        kinds = ((FIRST_RESPONSE, self.first_response), (RESOLUTION, self.resolution))
        return kinds + (((NEXT_UPDATE, self.update_every),) if self.update_every is not None else ())


DEFAULT_TARGETS: dict[int, SlaTargets] = {
    1: SlaTargets(timedelta(minutes=15), timedelta(hours=2), timedelta(minutes=30)),
    2: SlaTargets(timedelta(hours=1), timedelta(hours=4), timedelta(hours=2)),
    3: SlaTargets(timedelta(hours=4), timedelta(hours=24), timedelta(days=1)),
    4: SlaTargets(timedelta(hours=8), timedelta(hours=48), None),
}
DEFAULT_POLICY = DEFAULT_TARGETS  # the name the first clocks knew it by
NORMAL = 3


@dataclass(frozen=True)
class SlaPolicy:
    """Targets per priority; whether ``on_hold`` pauses the clocks (``pending`` always does); the share of a
    target after which ``sla_warning`` is published."""
    targets: Mapping[int, SlaTargets] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    pause_on_hold: bool = False
    warn_share: float = DEFAULT_WARN_SHARE

    def targets_for(self, priority: int) -> SlaTargets:
        """The targets of ``priority``; an unknown priority gets Normal's rather than none at all."""
        return self.targets.get(priority) or self.targets.get(NORMAL) or DEFAULT_TARGETS[NORMAL]

    def pauses(self, status: str) -> bool:
        """Whether a ticket in ``status`` stops its clocks counting."""
        return status == WAITING_ON_CUSTOMER or (self.pause_on_hold and status == ON_HOLD)


DEFAULT_SLA_POLICY = SlaPolicy()


def targets_for(priority: int, policy: SlaPolicy | Mapping[int, SlaTargets] | None = None) -> SlaTargets:
    """The targets of ``priority`` under ``policy`` (the default one when None)."""
    if policy is None:
        policy = DEFAULT_SLA_POLICY
    if not isinstance(policy, SlaPolicy):
        policy = SlaPolicy(targets=policy)
    return policy.targets_for(priority)


def policy_to_wire(policy: SlaPolicy) -> dict:
    """``{"targets": {"1": {"first_response_minutes", "resolution_minutes", "update_every_minutes"}}, ...}``."""
    return {"targets": {str(priority): {
        "first_response_minutes": _minutes(targets.first_response),
        "resolution_minutes": _minutes(targets.resolution),
        "update_every_minutes": None if targets.update_every is None else _minutes(targets.update_every),
    } for priority, targets in sorted(policy.targets.items())},
        "pause_on_hold": policy.pause_on_hold, "warn_percent": round(policy.warn_share * 100)}


def policy_from_wire(payload, base: SlaPolicy = DEFAULT_SLA_POLICY) -> SlaPolicy:
    """A policy from what an owner sent; what is left out is kept from ``base``. Raises InvalidInput naming
    the field at fault."""
    if not isinstance(payload, dict):
        raise InvalidInput("Politika bir nesne olmalı / the policy must be an object", "body")
    unknown = set(payload) - {"targets", "pause_on_hold", "warn_percent"}
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(f"Bilinmeyen alan / unknown field: {name}", name)
    targets = dict(base.targets)
    raw_targets = payload.get("targets", {})
    if not isinstance(raw_targets, dict):
        raise InvalidInput("Hedefler öncelik başına bir nesne olmalı / targets must be an object by priority",
                           "targets")
    for key, raw in raw_targets.items():
        priority = _priority(key)
        targets[priority] = _targets(raw, targets.get(priority, DEFAULT_TARGETS[priority]), f"targets.{key}")
    pause_on_hold = payload.get("pause_on_hold", base.pause_on_hold)
    if not isinstance(pause_on_hold, bool):
        raise InvalidInput("pause_on_hold doğru/yanlış olmalı / must be true or false", "pause_on_hold")
    warn = payload.get("warn_percent", round(base.warn_share * 100))
    if isinstance(warn, bool) or not isinstance(warn, int) or not 1 <= warn <= 99:
        raise InvalidInput("Uyarı yüzdesi 1 ile 99 arasında bir tam sayı olmalı / warn_percent must be a whole "
                           "number from 1 to 99", "warn_percent")
    return SlaPolicy(targets=targets, pause_on_hold=pause_on_hold, warn_share=warn / 100)


def _priority(key) -> int:
    if key in {str(priority) for priority in PRIORITIES}:  # not str.isdigit(): it takes other scripts' digits
        return int(key)
    raise InvalidInput(f"Öncelik 1, 2, 3 ya da 4 olmalı / priority must be 1, 2, 3 or 4, not {key!r}",
                       f"targets.{key}")


def _targets(raw, base: SlaTargets, field_name: str) -> SlaTargets:
    if not isinstance(raw, dict):
        raise InvalidInput("Hedefler bir nesne olmalı / targets must be an object", field_name)
    unknown = set(raw) - {"first_response_minutes", "resolution_minutes", "update_every_minutes"}
    if unknown:
        raise InvalidInput(f"Bilinmeyen alan / unknown field: {sorted(unknown)[0]}",
                           f"{field_name}.{sorted(unknown)[0]}")
    first = _duration(raw, "first_response_minutes", base.first_response, field_name, optional=False)
    resolution = _duration(raw, "resolution_minutes", base.resolution, field_name, optional=False)
    update = _duration(raw, "update_every_minutes", base.update_every, field_name, optional=True)
    return SlaTargets(first, resolution, update)


def _duration(raw: dict, name: str, default: timedelta | None, field_name: str, *, optional: bool):
    if name not in raw:
        return default
    value = raw[name]
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _minutes(LONGEST_TARGET):
        raise InvalidInput(f"Süre 1 ile {_minutes(LONGEST_TARGET)} dakika arasında bir tam sayı olmalı / "
                           f"{name} must be a whole number of minutes from 1 to {_minutes(LONGEST_TARGET)}",
                           f"{field_name}.{name}")
    return timedelta(minutes=value)


def _minutes(duration: timedelta) -> int:
    return int(duration.total_seconds() // 60)
