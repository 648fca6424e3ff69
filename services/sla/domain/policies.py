"""SLA targets per priority (1 urgent … 4 low), in business time of the ticket's calendar."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

# The clocks a ticket runs, by kind: one per target below that has a clock.
FIRST_RESPONSE, RESOLUTION = "first_response", "resolution"
KINDS = (FIRST_RESPONSE, RESOLUTION)


@dataclass(frozen=True)
class SlaTargets:
    """How soon a ticket is answered, solved, and (while open) updated; ``None`` means no target."""
    first_response: timedelta
    resolution: timedelta
    update_every: timedelta | None  # the design's update cadence: no clock counts it yet

    def clocks(self) -> tuple[tuple[str, timedelta], ...]:
        """``(kind, target)`` of each clock a ticket runs under these targets."""
        return (FIRST_RESPONSE, self.first_response), (RESOLUTION, self.resolution)


DEFAULT_POLICY: dict[int, SlaTargets] = {
    1: SlaTargets(timedelta(minutes=15), timedelta(hours=2), timedelta(minutes=30)),
    2: SlaTargets(timedelta(hours=1), timedelta(hours=4), timedelta(hours=2)),
    3: SlaTargets(timedelta(hours=4), timedelta(hours=24), timedelta(days=1)),
    4: SlaTargets(timedelta(hours=8), timedelta(hours=48), None),
}
NORMAL = 3


def targets_for(priority: int, policy: dict[int, SlaTargets] | None = None) -> SlaTargets:
    """The targets of ``priority``; an unknown priority gets Normal's rather than none at all."""
    policy = DEFAULT_POLICY if policy is None else policy
    return policy.get(priority) or policy[NORMAL]
