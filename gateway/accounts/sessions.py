"""Server-side sign-in sessions: the browser's cookie holds a random token, the database its SHA-256."""

from __future__ import annotations

import hashlib
import secrets
import time

from sqlmodel import Session, col, delete

from gateway.models import User, UserSession

SESSION_TTL_S = 7 * 24 * 3600


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(db: Session, user_id: str, client_ip: str = "", ttl_s: int = SESSION_TTL_S) -> str:
    """A new session for the user; returns the raw token (only the cookie keeps it)."""
    token = secrets.token_urlsafe(32)
    now = time.time()
    db.add(UserSession(token_hash=_digest(token), user_id=user_id, created_at=now, expires_at=now + ttl_s,
                       client_ip=client_ip[:64]))
    db.commit()
    return token


def resolve(db: Session, token: str) -> User | None:
    """The enabled user of a live session, or None (unknown, expired, or the user disabled or gone)."""
    if not token:
        return None
    row = db.get(UserSession, _digest(token))
    if row is None:
        return None
    user = db.get(User, row.user_id)
    if row.expires_at <= time.time() or user is None or user.disabled:
        db.delete(row)
        db.commit()
        return None
    return user


def end(db: Session, token: str) -> str | None:
    """Sign one browser out; returns the user id the session belonged to."""
    row = db.get(UserSession, _digest(token)) if token else None
    if row is None:
        return None
    db.delete(row)
    db.commit()
    return row.user_id


def end_all(db: Session, user_id: str) -> None:
    """Every session of the user ends (sign out everywhere, disable, password reset); caller commits."""
    db.exec(delete(UserSession).where(col(UserSession.user_id) == user_id))
