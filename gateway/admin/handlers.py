"""Every admin error leaves in the OpenAI shape with a readable message, never as a traceback."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from gateway.errors import GatewayError, error_body

log = logging.getLogger("gateway.admin")

_SOURCES = ("body", "query", "path", "header")
_NOT_AN_OBJECT = ("model_attributes_type", "model_type", "dict_type")


def describe(errors: Sequence[dict[str, Any]]) -> str:
    """Turn pydantic errors into one sentence per field, e.g. "rateLimitOverTime: Input should be a valid integer"."""
    parts = []
    for err in errors:
        if err.get("type") == "json_invalid":
            parts.append(f"request body is not valid JSON ({err.get('ctx', {}).get('error', 'parse error')})")
            continue
        loc = [str(p) for p in err.get("loc", ()) if p not in _SOURCES]
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        if not loc and err.get("type") == "missing":
            parts.append("request body is required")
        elif not loc and err.get("type") in _NOT_AN_OBJECT:
            parts.append("request body must be a JSON object sent with Content-Type: application/json")
        else:
            parts.append(f"{'.'.join(loc)}: {message}" if loc else message)
    return "; ".join(parts) or "invalid request"


async def _gateway_error(_: Request, exc: GatewayError) -> JSONResponse:
    return exc.response()


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse(error_body(400, describe(exc.errors())), status_code=400)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    if exc.status_code == 404:
        message = f"no such endpoint: {request.method} {request.url.path}"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    return JSONResponse(error_body(exc.status_code, message), status_code=exc.status_code, headers=exc.headers)


async def _database_error(request: Request, exc: OperationalError) -> JSONResponse:
    log.error("database error on %s %s: %s", request.method, request.url.path, exc.__class__.__name__)
    return JSONResponse(error_body(503, "the database is unavailable; try again shortly"), status_code=503)


async def _value_refused(request: Request, exc: Exception) -> JSONResponse:
    """A value the schema let through but the database (DataError) or Python (OverflowError) cannot hold."""
    detail = str(getattr(exc, "orig", exc)).splitlines()[0][:200]
    log.warning("value refused on %s %s: %s", request.method, request.url.path, detail)
    return JSONResponse(error_body(400, f"a value in the request is out of range for the database ({detail})"),
                        status_code=400)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("admin API failed on %s %s", request.method, request.url.path)
    return JSONResponse(error_body(500, "internal error in the admin API; see the gateway log"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    # Starlette dispatches by exception class but types every handler as taking `Exception`.
    handlers: list[tuple[type[Exception], Callable[..., Awaitable[JSONResponse]]]] = [
        (GatewayError, _gateway_error), (RequestValidationError, _validation_error), (HTTPException, _http_error),
        (OperationalError, _database_error), (DataError, _value_refused), (OverflowError, _value_refused),
        (Exception, _unexpected),
    ]
    for exc_class, handler in handlers:
        app.add_exception_handler(exc_class, handler)
