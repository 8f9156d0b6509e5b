"""What every table of both apps is built from: string ids and JSON columns (one metadata, one migration history)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field


def new_id() -> str:
    return str(uuid.uuid4())


def json_field(default: Any = None) -> Any:
    """A JSON column, never NULL; `default` is copied per row (an empty list when None)."""
    return Field(default_factory=(lambda: [] if default is None else default), sa_column=Column(JSON, nullable=False))
