"""Checking agents' passwords: Argon2 hashes and a lockout after repeated failures."""
from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from services.shared.errors import AccountLocked, Unauthenticated
from services.tickets import repository as repo
from services.tickets.models import User

HASHER = PasswordHasher()
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def authenticate(session: Session, email: str, password: str, now: datetime) -> User:
    """The user these credentials belong to, or an error that says what went wrong."""
    user = repo.user_by_email(session, (email or "").strip())
    if user is None or not user.is_active:
        HASHER.hash(password or "")  # same cost either way: no timing hint that the email is unknown
        raise Unauthenticated("email or password is wrong", "password")
    if user.locked_until and user.locked_until > now:
        raise AccountLocked(f"too many failed logins; try again after {user.locked_until.isoformat()}",
                            "password")
    try:
        HASHER.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
        raise Unauthenticated("email or password is wrong", "password") from None
    user.failed_logins, user.locked_until = 0, None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user
