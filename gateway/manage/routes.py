"""Routes: a unique path with ordered steps (provider + model), retries, allowed keys and cache."""

from __future__ import annotations

from sqlmodel import Session, col, select

from gateway.errors import GatewayError
from gateway.manage.common import get_or_404, save
from gateway.models import Route, now_s


def _conflict(path: str) -> str:
    return f"a route with path '{path}' already exists"


def normalize_path(path: str) -> str:
    """One spelling per route: a leading slash, no trailing one ("prod/chat/" -> "/prod/chat")."""
    return "/" + path.strip().strip("/")


def validate_route(row: Route) -> None:
    if row.path == "/" or any(c.isspace() or c in "?#" for c in row.path):
        raise GatewayError(400, f"path: '{row.path}' must be a non-empty path without spaces, '?' or '#'")
    if not row.steps:
        raise GatewayError(400, "steps: at least one step (provider and model) is required")
    for index, step in enumerate(row.steps):
        for field in ("provider", "model"):
            if not str(step.get(field) or "").strip():
                raise GatewayError(400, f"steps.{index}.{field}: must not be empty")


def create_route(db: Session, row: Route) -> Route:
    row.path = normalize_path(row.path)
    row.created_at = row.updated_at = now_s()
    validate_route(row)
    if db.exec(select(Route.id).where(Route.path == row.path)).first() is not None:
        raise GatewayError(409, _conflict(row.path))
    return save(db, row, _conflict(row.path))


def get_route(db: Session, route_id: str) -> Route:
    return get_or_404(db, Route, route_id, "route")


def delete_route(db: Session, route_id: str) -> None:
    db.delete(get_route(db, route_id))
    db.commit()


def list_routes(db: Session) -> list[Route]:
    return list(db.exec(select(Route).order_by(col(Route.path))).all())
