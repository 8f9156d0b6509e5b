"""Portable SQL predicates on JSON array columns (tags), for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, cast, exists, func, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped


def has_any(column: ColumnElement[Any] | Mapped[Any], values: Sequence[str], dialect: str) -> ColumnElement[bool]:
    """True where the JSON array in `column` contains at least one of `values`."""
    if dialect == "postgresql":
        return cast(column, JSONB).op("?|")(postgresql.array(list(values)))
    items = func.json_each(column).table_valued("value")
    return exists(select(literal(1)).select_from(items).where(items.c.value.in_(list(values))))


def has_all(column: ColumnElement[Any] | Mapped[Any], values: Sequence[str], dialect: str) -> ColumnElement[bool]:
    """True where the JSON array in `column` contains every one of `values`."""
    return and_(*(has_any(column, [value], dialect) for value in values))
