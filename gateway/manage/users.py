"""Users for the admin API: the accounts domain with its errors as HTTP statuses (400, 404, 409)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import func
from sqlmodel import Session, col, select

from gateway import reporting
from gateway.accounts import passwords, signup, users
from gateway.accounts.signup import SignUpPolicy
from gateway.errors import GatewayError
from gateway.manage.keys import validate_key
from gateway.models import User
from gateway.user_limits import limits_of

T = TypeVar("T")


@dataclass
class UserQuery:
    """Filters for listing users; `limit=None` lists every match."""

    user_ids: Sequence[str] = ()
    name: str = ""
    role: str = ""
    disabled: bool | None = None
    offset: int = 0
    limit: int | None = None


@dataclass
class UserChange:
    """What a PATCH may change; None leaves a field as it is."""

    email: str | None = None
    role: str | None = None
    disabled: bool | None = None
    password: str | None = None
    reset_password: bool = False
    limits: dict[str, Any] = field(default_factory=dict)


def _domain(call: Callable[[], T], with_code: bool = False) -> T:
    """Run a domain call; its errors become 400 (bad input), 403 (sign-up off), 404 or 409 (taken).
    `with_code` answers the domain's own code (sign-up: the chat words each one itself)."""
    try:
        return call()
    except users.AccountError as exc:
        status = 403 if exc.code == "signup_disabled" else 409 if exc.code.endswith("_taken") else 400
        raise GatewayError(status, str(exc), exc.code if with_code else None) from None
    except LookupError as exc:
        raise GatewayError(404, f"user '{exc.args[0].removeprefix('no user ')}' does not exist") from None


def _set_limits(db: Session, user: User, limits: dict[str, Any]) -> User:
    """Apply limit columns after checking them as the key limits are checked (400 naming the field)."""
    if not limits:
        return user
    for name, value in limits.items():
        setattr(user, name, value)
    try:
        validate_key(limits_of(user))
    except GatewayError:
        db.rollback()
        raise
    db.add(user)
    db.commit()
    return user


@dataclass
class UserUsage:
    """A user's requests, tokens and spend through the gateway, from the events that carry their id."""

    requests: int = 0
    prompt_token_count: int = 0
    completion_token_count: int = 0
    cost_in_usd: float = 0.0


def usage_of(db: Session, user_ids: Sequence[str]) -> dict[str, UserUsage]:
    """All-time usage of each user, from the rollups (retention deletes raw events, not these)."""
    return {uid: UserUsage(u.requests, u.prompt_token_count, u.completion_token_count, u.cost_in_usd)
            for uid, u in reporting.user_usages(db, user_ids).items()}


def create_user(db: Session, name: str, password: str | None, role: str, email: str,
                limits: dict[str, Any] | None = None) -> tuple[User, str | None]:
    """A new user; without a password one is generated and returned (shown once)."""
    if limits:
        validate_key(limits_of(User(**limits)))
    generated = passwords.generate() if not password else None
    user = _domain(lambda: users.create_user(db, name, password or generated or "", role=role, email=email))
    return _set_limits(db, user, limits or {}), generated


def sign_up(db: Session, policy: SignUpPolicy, name: str, email: str, password: str) -> User:
    """Self sign-up (the chat's form): a new `user`, or an error whose `code` says what to fix."""
    return _domain(lambda: signup.sign_up(db, policy, name, email, password), with_code=True)


def list_users(db: Session, query: UserQuery) -> tuple[list[tuple[User, UserUsage]], int]:
    """One page of users, each with their usage, and the number of all matches."""
    select_users = select(User)
    if query.user_ids:
        select_users = select_users.where(col(User.id).in_(query.user_ids))
    if query.name.strip():
        like = f"%{query.name.strip().lower()}%"
        select_users = select_users.where(func.lower(User.name).like(like) | func.lower(User.email).like(like))
    if query.role:
        select_users = select_users.where(User.role == query.role)
    if query.disabled is not None:
        select_users = select_users.where(User.disabled == query.disabled)
    total = db.exec(select(func.count()).select_from(select_users.subquery())).one()
    page = select_users.order_by(col(User.name)).offset(query.offset)
    if query.limit is not None:
        page = page.limit(query.limit)
    rows = list(db.exec(page).all())
    usage = usage_of(db, [u.id for u in rows])
    return [(u, usage.get(u.id, UserUsage())) for u in rows], int(total)


def update_user(db: Session, user_id: str, change: UserChange) -> tuple[User, str | None]:
    """Apply the change; a reset without a password generates one and returns it (shown once)."""
    user = _set_limits(db, _domain(lambda: users.get(db, user_id)), change.limits)
    generated: str | None = None
    if change.email is not None:
        user.email = change.email.strip()[:254]
        db.add(user)
        db.commit()
    if change.role is not None:
        user = _domain(lambda: users.set_role(db, user_id, change.role or ""))
    if change.disabled is not None:
        user = users.set_disabled(db, user_id, change.disabled)
    if change.password or change.reset_password:
        generated = None if change.password else passwords.generate()
        user = _domain(lambda: users.reset_password(db, user_id, change.password or generated or ""))
    return user, generated


def delete_user(db: Session, user_id: str) -> None:
    _domain(lambda: users.delete_user(db, user_id))
