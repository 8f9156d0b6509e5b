"""Key management endpoints (BricksLLM's /api/key-management/keys)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from gateway.admin.deps import Ctx, run_db, split_values, write_db
from gateway.admin.schemas.keys import KeyCreate, KeyDeleted, KeyOut, KeyUpdate
from gateway.manage import keys
from gateway.models import Key

router = APIRouter(prefix="/api/key-management/keys", tags=["keys"])


@router.put("")
async def create_key(body: KeyCreate, ctx: Ctx) -> KeyOut:
    """Create a key. The answer's `key` is the raw key: shown this once, only its SHA-256 is stored."""
    row, raw = await write_db(ctx, "keys", keys.create_key, Key(**body.columns()), body.key)
    return KeyOut.from_row(row, raw)


@router.get("")
async def list_keys(
    ctx: Ctx,
    response: Response,
    tag: str = "",
    tags: Annotated[list[str] | None, Query(description="Repeated or comma-separated; keys must carry all")] = None,
    key_ids: Annotated[list[str] | None, Query(alias="keyIds", description="Repeated or comma-separated")] = None,
    name: Annotated[str, Query(description="Case-insensitive substring of the name")] = "",
    revoked: bool | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> list[KeyOut]:
    """Keys, newest first. Without `limit` every match is returned (BricksLLM behaviour); with `offset`/`limit`
    one page. `X-Total-Count` carries the number of all matches. `key` is masked ("…abcd")."""
    if key_ids is None:
        key_ids = []
    if tags is None:
        tags = []
    query = keys.KeyQuery(
        key_ids=split_values(key_ids), tags=split_values([*tags, tag]), name=name, revoked=revoked,
        offset=offset, limit=limit,
    )
    rows, total = await run_db(ctx, keys.list_keys, query)
    response.headers["X-Total-Count"] = str(total)
    return [KeyOut.from_row(row) for row in rows]


@router.patch("/{key_id}")
async def update_key(key_id: str, body: KeyUpdate, ctx: Ctx) -> KeyOut:
    """Change the fields sent; revoke with {"revoked": true, "revokedReason": "..."}. A new `ttl` counts from now."""
    return KeyOut.from_row(await write_db(ctx, "keys", keys.update_key, key_id, body.columns()))


@router.delete("/{key_id}")
async def delete_key(key_id: str, ctx: Ctx) -> KeyDeleted:
    """Delete a key; requests with it are refused from now on, its events stay."""
    await write_db(ctx, "keys", keys.delete_key, key_id)
    return KeyDeleted(key_id=key_id)
