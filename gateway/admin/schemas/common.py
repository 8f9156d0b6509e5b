"""The base of every admin API model: BricksLLM's camelCase on the wire, snake_case in Python."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

from common.time_units import parse_duration


def camel(name: str) -> str:
    """snake_case -> camelCase, keeping BricksLLM's "latencyInMs99th" (not "99Th")."""
    return re.sub(r"(\d)([A-Z])", lambda m: m.group(1) + m.group(2).lower(), to_camel(name))


class ApiModel(BaseModel):
    """Accepts camelCase (and snake_case) fields, answers in camelCase; unknown fields are ignored."""

    model_config = ConfigDict(
        alias_generator=camel, validate_by_name=True, validate_by_alias=True,
        serialize_by_alias=True, from_attributes=True,
    )


def to_seconds(value: Any) -> Any:
    """Accept a number of seconds or a Go duration string such as "90s" or "1h30m"."""
    if isinstance(value, str) and not value.strip().replace(".", "", 1).isdigit():
        return parse_duration(value)
    return value


# Counts stored in 32-bit INTEGER columns (rate limits, retries, cache ttl, statuses) stay below this.
INT32_MAX = 2**31 - 1

Seconds = Annotated[int, BeforeValidator(to_seconds), Field(ge=0, le=INT32_MAX)]


class CacheConfig(ApiModel):
    """Serve identical non-streaming requests from the cache; `ttl` in seconds (0 = the gateway default)."""

    enabled: bool = False
    ttl: Seconds = 0
