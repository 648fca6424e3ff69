"""The per-sender rate limit on inbound mail: how many messages a sender may open or add per window.

A mail storm (an auto-responder loop, a script gone wrong) must not bury the
agents' queue. Messages beyond the limit are not dropped: the caller keeps
them aside for an operator (see ``services/tickets/inbound/held.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SenderBudget:
    """What each sender may still send in the current window; ``limit`` 0 means no limit."""

    limit: int
    sent: dict[str, int] = field(default_factory=dict)  # sender → messages already taken in the window

    def admit(self, sender: str) -> bool:
        """Count one message of ``sender``; False when it is over the limit (and then it is not counted)."""
        if self.limit <= 0 or not sender:
            return True  # an unknown sender cannot be told apart from others: never held for it
        taken = self.sent.get(sender, 0)
        if taken >= self.limit:
            return False
        self.sent[sender] = taken + 1
        return True
