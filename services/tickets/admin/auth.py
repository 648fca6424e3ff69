"""Checking agents' passwords: Argon2 hashes and a lockout after repeated failures.

Argon2 is slow on purpose (about 170 ms of CPU here). On the service's
eventlet hub that would stall every other worker of the process for as long,
so hashing and verifying run in eventlet's pool of real threads (argon2-cffi
releases the GIL while it works), and no more at once than the machine has
cores but one: a burst of logins would otherwise take every core and starve
the hub just the same. Logins queue for a fraction of a second instead.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import tpool
from eventlet.semaphore import Semaphore
from sqlalchemy.orm import Session

from services.shared.errors import AccountLocked, Unauthenticated
from services.tickets import repository as repo
from services.tickets.audit import record_audit
from services.tickets.models import User

HASHER = PasswordHasher()
_CHECKS_AT_ONCE = Semaphore(max(1, (os.cpu_count() or 2) - 1))
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


def hash_password(password: str) -> str:
    """An Argon2 hash of ``password``, computed off the hub."""
    with _CHECKS_AT_ONCE:
        return tpool.execute(HASHER.hash, password)


def _verify(password_hash: str, password: str) -> None:
    """Raise VerificationError unless ``password`` matches the hash; computed off the hub."""
    with _CHECKS_AT_ONCE:
        tpool.execute(HASHER.verify, password_hash, password)


def authenticate(session: Session, email: str, password: str, now: datetime) -> User:
    """The user these credentials belong to, or an error that says what went wrong (all audited)."""
    email = _storable((email or "").strip())
    user = repo.user_by_email(session, email) if email else None
    if user is None or not user.is_active:
        hash_password(password or "")  # same cost either way: no timing hint that the email is unknown
        _audit_failure(session, user, email, "unknown_email" if user is None else "deactivated", now)
        raise Unauthenticated("email or password is wrong", "password")
    if user.locked_until and user.locked_until > now:
        _audit_failure(session, user, email, "locked", now)
        raise AccountLocked(f"too many failed logins; try again after {user.locked_until.isoformat()}",
                            "password")
    try:
        _verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
        _audit_failure(session, user, email, "wrong_password", now)
        raise Unauthenticated("email or password is wrong", "password") from None
    user.failed_logins, user.locked_until = 0, None
    record_audit(session, actor_user_id=user.id, action="login", object_type="user", object_id=user.id, at=now)
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _storable(email: str) -> str:
    """An address that can be looked up at all; anything PostgreSQL cannot hold matches nobody."""
    try:
        email.encode("utf-8")
    except UnicodeEncodeError:
        return ""
    return "" if "\x00" in email else email[:320]


def _audit_failure(session: Session, user: User | None, email: str, reason: str, now: datetime) -> None:
    details = {"email": email, "reason": reason}
    if user is not None and user.locked_until and user.locked_until > now:
        details["locked_until"] = user.locked_until.isoformat()
    record_audit(session, actor_user_id=None, action="login_failed", object_type="user",
                 object_id=user.id if user else None, details=details, at=now)
