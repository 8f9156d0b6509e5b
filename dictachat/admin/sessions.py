"""Admin sign-in sessions, held in this backend process: the browser only ever holds a random token.

Each session keeps the password the gateway accepted at sign-in, so every later admin call is
made with exactly that password, from the backend.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

# A session ends after an hour without use, and 12 hours after sign-in however busy it is.
SESSION_IDLE_S = 3600
SESSION_MAX_S = 12 * 3600


@dataclass
class _Session:
    password: str
    expires: float
    ends: float


_sessions: dict[str, _Session] = {}


def create(password: str) -> str:
    """Start a session for a password the gateway accepted; return its token."""
    now = time.monotonic()
    for token in [t for t, s in _sessions.items() if s.expires <= now]:
        del _sessions[token]
    token = secrets.token_urlsafe(32)
    _sessions[token] = _Session(password, now + SESSION_IDLE_S, now + SESSION_MAX_S)
    return token


def password_for(token: str) -> str | None:
    """The session's admin password, or None if the token is unknown or expired; use extends it up to SESSION_MAX_S."""
    session = _sessions.get(token) if token else None
    now = time.monotonic()
    if session is None or session.expires <= now:
        _sessions.pop(token, None)
        return None
    session.expires = min(now + SESSION_IDLE_S, session.ends)
    return session.password


def end(token: str) -> None:
    _sessions.pop(token, None)
