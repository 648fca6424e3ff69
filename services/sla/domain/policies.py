"""SLA targets per priority."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class SlaTargets:
    first_response: timedelta
    resolution: timedelta
    update_every: timedelta | None


DEFAULT_POLICY: dict[int, SlaTargets] = {
    1: SlaTargets(timedelta(minutes=15), timedelta(hours=2), timedelta(minutes=30)),
    2: SlaTargets(timedelta(hours=1), timedelta(hours=4), timedelta(hours=2)),
    3: SlaTargets(timedelta(hours=4), timedelta(hours=24), timedelta(days=1)),
    4: SlaTargets(timedelta(hours=8), timedelta(hours=48), None),
}
