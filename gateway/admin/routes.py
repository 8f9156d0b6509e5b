"""Route endpoints (/api/routes): named paths with ordered provider/model steps."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.admin.deps import Ctx, run_db, write_db
from gateway.admin.schemas.routes import RouteCreate, RouteDeleted, RouteOut
from gateway.manage import routes
from gateway.models import Route

router = APIRouter(prefix="/api/routes", tags=["routes"])


@router.post("")
async def create_route(body: RouteCreate, ctx: Ctx) -> RouteOut:
    """Create a route served at /api/routes/{path}; a path already in use is a 409."""
    return RouteOut.from_row(await write_db(ctx, "routes", routes.create_route, Route(**body.columns())))


@router.get("")
async def list_routes(ctx: Ctx) -> list[RouteOut]:
    return [RouteOut.from_row(row) for row in await run_db(ctx, routes.list_routes)]


@router.get("/{route_id}")
async def get_route(route_id: str, ctx: Ctx) -> RouteOut:
    return RouteOut.from_row(await run_db(ctx, routes.get_route, route_id))


@router.delete("/{route_id}")
async def delete_route(route_id: str, ctx: Ctx) -> RouteDeleted:
    await write_db(ctx, "routes", routes.delete_route, route_id)
    return RouteDeleted(id=route_id)
