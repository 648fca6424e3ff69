"""Bearer tokens: random, stored only as a hash, revoked on logout, expired when idle."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from services.gateway.models import LoginSession
from services.shared.config import env_int
from services.shared.events import utcnow

IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 30))
TOUCH_EVERY = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user_id: int) -> str:
    """A new bearer token for a user who just logged in."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(LoginSession(token_hash=_hash(token), user_id=user_id, created_at=now, last_seen_at=now))
    return token


def user_of_token(session: Session, token: str) -> int | None:
    """The user id of a live session, refreshing its idle clock; None if unknown, revoked or idle."""
    row = session.get(LoginSession, _hash(token))
    now = utcnow()
    if row is None or row.revoked_at is not None or now - row.last_seen_at > IDLE_TIMEOUT:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
    return row.user_id


def revoke(session: Session, token: str) -> None:
    """End a session: its token no longer works."""
    session.execute(update(LoginSession).where(LoginSession.token_hash == _hash(token))
                    .values(revoked_at=utcnow()))
