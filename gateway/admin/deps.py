"""What admin endpoints depend on: the process context and database work off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Concatenate, ParamSpec, TypeVar, cast

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from common.text import comma_list
from gateway.context import Context

P = ParamSpec("P")
T = TypeVar("T")


def get_ctx(request: Request) -> Context:
    return cast(Context, request.app.state.ctx)


Ctx = Annotated[Context, Depends(get_ctx)]


async def run_db(ctx: Context, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `fn(session, ...)` in the threadpool on a session of its own; rows stay readable afterwards."""

    def call() -> T:
        with Session(ctx.engine, expire_on_commit=False) as db:
            return fn(db, *args, **kwargs)

    return await run_in_threadpool(call)


async def write_db(
    ctx: Context, kind: str, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """`run_db` for a change to configuration: afterwards every process reloads its `kind` (keys, providers, routes)."""
    result = await run_db(ctx, fn, *args, **kwargs)
    await ctx.config_changed(kind)
    return result


def split_values(values: list[str]) -> list[str]:
    """Query lists arrive repeated (?tags=a&tags=b) or comma-separated (?tags=a,b); accept both."""
    return [part for value in values for part in comma_list(value)]
