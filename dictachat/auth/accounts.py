"""The chat backend's calls into the accounts domain, each in its own database session (blocking:
call them through `asyncio.to_thread`)."""

from __future__ import annotations

from common.db import session
from gateway.accounts import sessions, users
from gateway.accounts.users import Account, account_of


def signed_in(token: str) -> Account | None:
    """The account of a live session token, or None."""
    with session() as db:
        user = sessions.resolve(db, token)
        return account_of(user) if user is not None else None


def trusted(identity: str) -> Account | None:
    """The account a trusted single sign-on proxy names (created on first sight), or None."""
    with session() as db:
        user = users.trusted_user(db, identity)
        return account_of(user) if user is not None else None


def sign_in(name: str, password: str, client_ip: str) -> str | None:
    """A new session token when the name and password match an enabled account, else None."""
    with session() as db:
        user = users.authenticate(db, name, password)
        return sessions.start(db, user.id, client_ip) if user is not None else None


def start_session(user_id: str, client_ip: str) -> str:
    """A new session token for an account just made (self sign-up)."""
    with session() as db:
        return sessions.start(db, user_id, client_ip)


def sign_out(token: str, everywhere: bool = False) -> None:
    """End this browser's session, or (everywhere) every session of its user."""
    with session() as db:
        user_id = sessions.end(db, token)
        if everywhere and user_id is not None:
            sessions.end_all(db, user_id)
            db.commit()
