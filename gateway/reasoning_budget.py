"""A key's cap on thinking tokens: the request goes to llama-server with the smaller of the key's
`reasoningBudgetTokens` and the request's own budget.

llama-server (11434) reads `reasoning_budget_tokens`, then `thinking_budget_tokens`, per request
(tools/server/server-common.cpp); -1 means no limit, 0 no thinking at all.
"""

from __future__ import annotations

from typing import Any

from gateway.errors import GatewayError

FIELD = "reasoning_budget_tokens"
ALIAS = "thinking_budget_tokens"
NO_LIMIT = -1


def requested(payload: dict[str, Any]) -> int:
    """The request's own budget (-1 when it sets none); a bad value is a 400 naming the field."""
    for name in (FIELD, ALIAS):
        value = payload.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < NO_LIMIT:
            raise GatewayError(400, f"{name}: must be a whole number of tokens, or -1 for no limit")
        return value
    return NO_LIMIT


def clamp(payload: dict[str, Any], key_budget: int) -> dict[str, Any]:
    """`payload` with the effective budget; the same object when there is nothing to change."""
    asked = requested(payload)
    if key_budget <= NO_LIMIT:
        return payload
    budget = key_budget if asked == NO_LIMIT else min(asked, key_budget)
    if payload.get(FIELD) == budget and ALIAS not in payload:
        return payload
    out = {name: value for name, value in payload.items() if name != ALIAS}
    out[FIELD] = budget
    return out
