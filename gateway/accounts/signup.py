"""Self sign-up: who may create their own account (AUTH_SIGNUP, AUTH_SIGNUP_DOMAIN) and what a new
account must pass; it is always a plain `user`, its password hashed like every other."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, func, select

from gateway.accounts import users
from gateway.accounts.users import AccountError
from gateway.models import User

MAX_EMAIL = 254
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class SignUpPolicy:
    """Whether people may make their own accounts and, when `domain` is set, with which e-mail domain."""

    enabled: bool = False
    domain: str = ""  # lower case, without "@"


def check_email(email: str, domain: str) -> str:
    """The address to store ("" when none is needed and none given); AccountError with a code otherwise."""
    email = email.strip()
    if not email:
        if domain:
            raise AccountError("email", f"an address @{domain} is required", code="email_required")
        return ""
    if len(email) > MAX_EMAIL or not _EMAIL.match(email):
        raise AccountError("email", f"not an e-mail address (at most {MAX_EMAIL} characters)")
    if domain and email.rsplit("@", 1)[1].lower() != domain:
        raise AccountError("email", f"only addresses @{domain} may sign up", code="wrong_domain")
    return email


def sign_up(db: Session, policy: SignUpPolicy, name: str, email: str, password: str) -> User:
    """A new enabled `user` account; AccountError (code signup_disabled, bad_name, name_taken,
    bad_password, bad_email, email_required, wrong_domain or email_taken) when refused."""
    if not policy.enabled:
        raise AccountError("signup", "self sign-up is off; ask an admin for an account", code="signup_disabled")
    email = check_email(email, policy.domain)
    # One account per address: single sign-on (users.trusted_user) finds people by it.
    if email and db.exec(select(User).where(func.lower(User.email) == email.lower())).first() is not None:
        raise AccountError("email", "an account with this address exists", code="email_taken")
    return users.create_user(db, name, password, role="user", email=email)
