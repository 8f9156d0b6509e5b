"""Users: create, find, change and delete accounts, check passwords, make the first admin.

Functions take the database session, so the chat backend, the CLI and the tests share them."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from gateway.accounts import passwords
from gateway.accounts.sessions import end_all
from gateway.models import User

ROLES = ("admin", "user")
FIRST_ADMIN = "admin"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class AccountError(ValueError):
    """Input a person must fix: names the field and says what is wrong; `code` is stable for clients
    that word it themselves (the chat's sign-up form): `bad_<field>` unless said otherwise."""

    def __init__(self, field: str, message: str, code: str = "") -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.code = code or f"bad_{field}"


@dataclass(frozen=True)
class Account:
    """What the chat needs to know about the signed-in user."""

    id: str
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def account_of(user: User) -> Account:
    return Account(user.id, user.name, user.role)


def check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise AccountError("name", "must not be empty")
    if not _NAME.match(name):
        raise AccountError("name", "1-64 letters, digits or . _ @ -, starting with a letter or digit")
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError("role", f"must be one of {', '.join(ROLES)}")
    return role


def find_by_name(db: Session, name: str) -> User | None:
    return db.exec(select(User).where(func.lower(User.name) == name.strip().lower())).first()


def create_user(db: Session, name: str, password: str, role: str = "user", email: str = "") -> User:
    """A new, enabled account; AccountError for a bad or taken name, a weak password or a bad role."""
    name = check_name(name)
    if (why := passwords.problem(password)) is not None:
        raise AccountError("password", why.split(": ", 1)[1])
    _check_role(role)
    if find_by_name(db, name) is not None:
        raise AccountError("name", f"'{name}' is taken", code="name_taken")
    user = User(name=name, email=email.strip()[:254], password_hash=passwords.hash_password(password), role=role)
    db.add(user)
    db.commit()
    return user


def authenticate(db: Session, name: str, password: str) -> User | None:
    """The enabled user with this name and password, or None (same cost whether or not the name exists)."""
    user = find_by_name(db, name) if name.strip() else None
    if not passwords.verify(user.password_hash if user else "", password) or user is None or user.disabled:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_seen_at = time.time()
    db.add(user)
    db.commit()
    return user


def trusted_user(db: Session, identity: str) -> User | None:
    """The enabled user a trusted proxy vouches for (by e-mail or name), created on first sight
    (role user, a random password nobody knows); None for a disabled user or an unusable name."""
    identity = identity.strip()
    user = db.exec(select(User).where(func.lower(User.email) == identity.lower())).first() or find_by_name(db, identity)
    if user is None:
        try:
            user = create_user(db, identity, passwords.generate(), email=identity if "@" in identity else "")
        except AccountError:
            return None
    return None if user.disabled else user


def list_users(db: Session, search: str = "") -> list[User]:
    query = select(User).order_by(col(User.name))
    if search.strip():
        like = f"%{search.strip().lower()}%"
        query = query.where(func.lower(User.name).like(like) | func.lower(User.email).like(like))
    return list(db.exec(query).all())


def get(db: Session, user_id: str) -> User:
    """The user with this id; LookupError when there is none."""
    user = db.get(User, user_id)
    if user is None:
        raise LookupError(f"no user {user_id}")
    return user


def set_disabled(db: Session, user_id: str, disabled: bool) -> User:
    """Disable (ending every session of the user at once) or enable an account."""
    user = get(db, user_id)
    user.disabled, user.updated_at = disabled, time.time()
    db.add(user)
    if disabled:
        end_all(db, user_id)
    db.commit()
    return user


def set_role(db: Session, user_id: str, role: str) -> User:
    user = get(db, user_id)
    user.role, user.updated_at = _check_role(role), time.time()
    db.add(user)
    db.commit()
    return user


def reset_password(db: Session, user_id: str, password: str) -> User:
    """A new password; the user's sessions end, so whoever knew the old one is out."""
    if (why := passwords.problem(password)) is not None:
        raise AccountError("password", why.split(": ", 1)[1])
    user = get(db, user_id)
    user.password_hash, user.updated_at = passwords.hash_password(password), time.time()
    db.add(user)
    end_all(db, user_id)
    db.commit()
    return user


def delete_user(db: Session, user_id: str) -> None:
    """Delete the account; the database's ON DELETE CASCADE takes its sessions, conversations and
    messages with it (README: a deleted user's conversations go too)."""
    user = get(db, user_id)
    end_all(db, user_id)
    db.delete(user)
    db.commit()


def first_admin(db: Session) -> User | None:
    return db.exec(select(User).where(User.role == "admin").order_by(col(User.created_at))).first()


def bootstrap_admin(db: Session) -> str | None:
    """On a database without users, create the first admin and return its generated password
    (shown once, stored nowhere); None when there are users already."""
    if db.exec(select(func.count()).select_from(User)).one() > 0:
        return None
    password = passwords.generate()
    create_user(db, FIRST_ADMIN, password, role="admin")
    return password
