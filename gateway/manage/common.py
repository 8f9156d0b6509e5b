"""Helpers every configuration module shares: lookups that 404 and commits that 409."""

from __future__ import annotations

from typing import TypeVar
from urllib.parse import urlparse

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from gateway.errors import GatewayError

Row = TypeVar("Row", bound=SQLModel)

# Starts every masked secret in answers, so a secret echoed back by a client is recognised.
MASK = "…"


def get_or_404(db: Session, model: type[Row], row_id: str, what: str) -> Row:
    """The row with primary key `row_id`, or a 404 naming `what`."""
    row = db.get(model, row_id)
    if row is None:
        raise GatewayError(404, f"{what} '{row_id}' does not exist")
    return row


def save(db: Session, row: Row, conflict: str) -> Row:
    """Insert or update `row`; a unique-constraint race becomes a 409 with `conflict` as its message."""
    db.add(row)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise GatewayError(409, conflict) from None
    db.refresh(row)
    return row


def check_http_url(url: str, field: str) -> str:
    """`url` without a trailing slash if it is an absolute http(s) URL, else a 400 naming `field`."""
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise GatewayError(400, f"{field}: '{url}' is not an http:// or https:// URL")
    return url.strip().rstrip("/")
