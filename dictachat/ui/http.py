"""The one shared httpx.AsyncClient of the dictachat process (chat and admin both use it)."""

from __future__ import annotations

import httpx

_client: httpx.AsyncClient | None = None

# Long reads: a thinking model may stay silent for minutes before its first token.
_TIMEOUT = httpx.Timeout(connect=10.0, read=600.0, write=60.0, pool=30.0)
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


def client() -> httpx.AsyncClient:
    """Return the process-wide client, creating it on first use."""
    global _client
    if _client is None or _client.is_closed:
        _client = httpx.AsyncClient(timeout=_TIMEOUT, limits=_LIMITS, trust_env=False)
    return _client


async def close() -> None:
    """Close the shared client (at shutdown)."""
    global _client
    if _client is not None:
        await _client.aclose()
        _client = None
