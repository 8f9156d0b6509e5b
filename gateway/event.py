"""One proxied request as the gateway records it: built once, then handed to the recorder, metrics and spend."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class ProxyEvent:
    """The typed event; its fields are the columns of the `events` table (gateway.models.Event)."""

    id: str
    created_at: float
    key_id: str
    provider: str
    model: str
    path: str
    method: str
    status: int
    latency_in_ms: float
    tags: tuple[str, ...] = field(default_factory=tuple)
    route_id: str = ""
    stream: bool = False
    prompt_token_count: int = 0
    completion_token_count: int = 0
    cost_in_usd: float = 0.0
    time_to_first_token_ms: float | None = None
    cache_hit: bool = False
    upstream: str = ""
    queue_wait_ms: float | None = None
    error: str = ""
    custom_id: str = ""
    request: str | None = None
    response: str | None = None

    @classmethod
    def of(cls, row: Any) -> ProxyEvent:
        """The event of a stored row (anything with the columns as attributes)."""
        values = {f.name: getattr(row, f.name) for f in fields(cls)}
        values["tags"] = tuple(values["tags"] or ())
        return cls(**values)

    def row(self) -> dict[str, Any]:
        """The insertable row (and spool line): the one place the event becomes a dict."""
        row = asdict(self)
        row["tags"] = list(self.tags)
        return row
