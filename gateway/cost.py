"""Price tokens: the provider setting's costMap (USD per 1,000 tokens), then LiteLLM's registry, then the local price."""

from __future__ import annotations

import logging

from gateway.config import Provider

log = logging.getLogger("gateway.cost")


def _per_1k(table: dict[str, float], model: str) -> float | None:
    for name in (model, model.split("/", 1)[-1], "*", "default"):
        if name in table:
            return table[name]
    return None


def price(
    provider: Provider, model: str, prompt_tokens: int, completion_tokens: int,
    local_prompt_per_1k: float, local_completion_per_1k: float,
) -> float:
    """USD for one request's usage."""
    prompt_rate = _per_1k(provider.prompt_cost, model)
    completion_rate = _per_1k(provider.completion_cost, model)
    if prompt_rate is not None or completion_rate is not None:
        return (prompt_tokens * (prompt_rate or 0.0) + completion_tokens * (completion_rate or 0.0)) / 1000.0
    registry = _registry_price(model, prompt_tokens, completion_tokens)
    if registry is not None:
        return registry
    return (prompt_tokens * local_prompt_per_1k + completion_tokens * local_completion_per_1k) / 1000.0


def _registry_price(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """LiteLLM's price for well-known hosted models; None for local ones it does not know."""
    import litellm

    if model not in litellm.model_cost:
        return None
    try:
        p, c = litellm.cost_per_token(model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
    except Exception as exc:  # an incomplete registry entry must not fail a request
        log.debug("no registry price for %s: %s", model, exc)
        return None
    return float(p) + float(c)
