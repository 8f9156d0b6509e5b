"""Which deployment of a provider gets the next attempt: LiteLLM's Router balances and cools down."""

from __future__ import annotations

import logging
from typing import Any

from gateway.config import Provider

log = logging.getLogger("gateway.routing")


class Deployments:
    """One LiteLLM Router per multi-deployment provider; a single deployment needs no choice."""

    def __init__(self, cooldown_s: float) -> None:
        self._cooldown_s = cooldown_s
        self._routers: dict[tuple[str, tuple[str, ...]], Any] = {}

    def _router(self, provider: Provider) -> Any:
        ident = (provider.name, provider.urls)
        router = self._routers.get(ident)
        if router is None:
            from litellm.router import Router

            model_list = [
                {
                    "model_name": provider.name,
                    "litellm_params": {"model": "openai/" + provider.name, "api_base": url, "api_key": provider.api_key or "none"},
                    "model_info": {"id": url},
                }
                for url in provider.urls
            ]
            router = Router(
                model_list=model_list, num_retries=0, allowed_fails=0, cooldown_time=self._cooldown_s,
                routing_strategy="simple-shuffle",
            )
            self._routers = {k: v for k, v in self._routers.items() if k[0] != provider.name}
            self._routers[ident] = router
        return router

    async def pick(self, provider: Provider, tried: set[str]) -> str | None:
        """The next deployment URL to try, or None when every deployment has been tried."""
        left = [u for u in provider.urls if u not in tried]
        if len(left) <= 1 or len(provider.urls) == 1:
            return left[0] if left else None
        try:
            chosen = await self._router(provider).select(provider.name, messages=[{"role": "user", "content": ""}])
            url = chosen["model_info"]["id"]
        except Exception as exc:  # every deployment cooling down: try the untried ones anyway
            log.info("router has no healthy deployment for %s (%s)", provider.name, exc)
            return left[0]
        return url if url in left else left[0]

    def failed(self, provider: Provider, url: str, message: str, status: int) -> None:
        """Count a failed attempt; LiteLLM cools the deployment down."""
        if len(provider.urls) > 1:
            self._router(provider).health().record_failure(url, _litellm_error(status, message, provider.name), status)


def _litellm_error(status: int, message: str, model: str) -> Exception:
    """LiteLLM decides on cooldowns from its own exception types, so speak its language."""
    from litellm import exceptions

    if status == 504:
        return exceptions.Timeout(message, model, "openai")
    if status == 503:
        return exceptions.ServiceUnavailableError(message, "openai", model)
    return exceptions.InternalServerError(message, "openai", model)
