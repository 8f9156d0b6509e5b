"""Caps on thinking tokens: the request goes to llama-server with the smallest of the key's
`reasoningBudgetTokens`, the stack's REASONING_BUDGET and the request's own budget. (llama-server's
`--reasoning-budget` alone is only a default: a request naming a larger budget would get it.)

llama-server (11434) reads `reasoning_budget_tokens`, then `thinking_budget_tokens`, per request
(tools/server/server-common.cpp); -1 means no limit, 0 no thinking at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.errors import GatewayError

FIELD = "reasoning_budget_tokens"
ALIAS = "thinking_budget_tokens"
NO_LIMIT = -1


def requested(payload: Mapping[str, Any]) -> int:
    """The request's own budget (-1 when it sets none); a bad value is a 400 naming the field."""
    for name in (FIELD, ALIAS):
        value = payload.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < NO_LIMIT:
            raise GatewayError(400, f"{name}: must be a whole number of tokens, or -1 for no limit")
        return value
    return NO_LIMIT


def clamp(payload: Mapping[str, Any], *caps: int) -> Mapping[str, Any]:
    """`payload` with the effective budget; the same object when there is nothing to change."""
    asked = requested(payload)
    limits = [cap for cap in caps if cap > NO_LIMIT]
    if not limits:
        return payload
    budget = min(limits) if asked == NO_LIMIT else min(asked, *limits)
    if payload.get(FIELD) == budget and ALIAS not in payload:
        return payload
    out = {name: value for name, value in payload.items() if name != ALIAS}
    out[FIELD] = budget
    return out
