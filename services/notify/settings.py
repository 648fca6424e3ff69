"""How notify paces its sending, keeps its sending lease and mails staff, read once at start from the environment."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from services.shared.config import env, env_float, env_int


@dataclass(frozen=True)
class DeliveryPacing:
    # Deliveries marked "sending" together and recorded together: at most this many are sent
    # twice when the process dies in between (they are resent, not lost).
    record_every: int = 10
    # A worker at one destination claims again until this long has passed, then lets the next round go on.
    round_seconds: float = 20.0
    # How often the scheduler looks for destinations with mail due.
    scan_seconds: float = 1.0
    # A failing destination is tried again after 1, 2, 4, ... times the first retry, at most this long.
    destination_max_backoff: timedelta = timedelta(minutes=10)

    @classmethod
    def from_env(cls) -> DeliveryPacing:
        """``DELIVERY_RECORD_EVERY``, ``DELIVERY_ROUND_SECONDS``, ``DELIVERY_SCAN_SECONDS``,
        ``DESTINATION_MAX_BACKOFF_SECONDS``."""
        return cls(record_every=max(env_int("DELIVERY_RECORD_EVERY", 10), 1),
                   round_seconds=env_float("DELIVERY_ROUND_SECONDS", 20.0),
                   scan_seconds=env_float("DELIVERY_SCAN_SECONDS", 1.0),
                   destination_max_backoff=timedelta(seconds=env_int("DESTINATION_MAX_BACKOFF_SECONDS", 600)))


@dataclass(frozen=True)
class LeaseTiming:
    # How often a process checks that its lease's connection is still there (a PostgreSQL restart drops
    # it, and with it the lock); when it is gone the process takes the lease again before claiming more.
    check_seconds: float = 1.0
    # For this long after PostgreSQL starts, nothing is taken for a dead process's: live processes
    # whose leases the restart dropped take them again meanwhile, and record what they sent.
    grace_seconds: float = 30.0

    @classmethod
    def from_env(cls) -> LeaseTiming:
        """``DELIVERY_LEASE_CHECK_SECONDS``, ``DELIVERY_LEASE_GRACE_SECONDS``."""
        return cls(check_seconds=env_float("DELIVERY_LEASE_CHECK_SECONDS", 1.0),
                   grace_seconds=env_float("DELIVERY_LEASE_GRACE_SECONDS", 30.0))


@dataclass(frozen=True)
class StaffMailPolicy:
    # What a person is told by mail waits until nothing new came for them for this long, so that a burst
    # is one digest; but never longer than digest_max_wait after the first of it (a steady trickle).
    digest_window: timedelta = timedelta(seconds=60)
    digest_max_wait: timedelta = timedelta(seconds=300)
    # How often notify looks for people whose window has passed.
    digest_scan_seconds: float = 2.0
    # The sender of staff mail when tickets gives no address for the department.
    fallback_from: str = "destek@localhost"
    # Where the console is, for the links in the mail.
    console_url: str = "http://localhost:8000"

    @classmethod
    def from_env(cls) -> StaffMailPolicy:
        """``STAFF_DIGEST_WINDOW_SECONDS``, ``STAFF_DIGEST_MAX_WAIT_SECONDS``, ``STAFF_DIGEST_SCAN_SECONDS``,
        ``STAFF_MAIL_FROM``, ``CONSOLE_URL``."""
        window = env_float("STAFF_DIGEST_WINDOW_SECONDS", 60.0)
        return cls(digest_window=timedelta(seconds=window),
                   digest_max_wait=timedelta(seconds=max(env_float("STAFF_DIGEST_MAX_WAIT_SECONDS", 300.0), window)),
                   digest_scan_seconds=env_float("STAFF_DIGEST_SCAN_SECONDS", 2.0),
                   fallback_from=env("STAFF_MAIL_FROM", "destek@localhost"),
                   console_url=env("CONSOLE_URL", "http://localhost:8000"))
