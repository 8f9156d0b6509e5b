"""Prices come from the costMap, then LiteLLM's registry, then the local price; access rules hold."""

from __future__ import annotations

import time

import pytest

from gateway.access import authenticate, check_access, raw_key
from gateway.config import Provider
from gateway.cost import price
from gateway.errors import GatewayError
from gateway.keys import hash_key
from gateway.models import Key


def test_cost_map_per_model_and_wildcard() -> None:
    provider = Provider(name="p", urls=("http://x",), prompt_cost={"big": 1.0, "*": 0.5}, completion_cost={"big": 2.0})
    assert price(provider, "big", 1000, 500, 0, 0) == pytest.approx(1.0 + 1.0)
    assert price(provider, "small", 2000, 1000, 0, 0) == pytest.approx(1.0)


def test_registry_prices_known_hosted_models_and_local_price_the_rest() -> None:
    bare = Provider(name="p", urls=("http://x",))
    assert price(bare, "gpt-4o-mini", 1000, 1000, 9, 9) > 0
    assert price(bare, "gpt-4o-mini", 1000, 1000, 9, 9) < 0.01  # the registry, not the local price
    assert price(bare, "dictalm-local", 1000, 2000, 0.1, 0.2) == pytest.approx(0.1 + 0.4)


@pytest.mark.parametrize("headers", [{"authorization": "Bearer sk-1"}, {"x-api-key": "sk-1"}, {"api-key": "sk-1"}])
def test_key_from_any_header(headers: dict) -> None:
    assert raw_key(headers) == "sk-1"


class _Config:
    def __init__(self, key: Key | None) -> None:
        self._key = key

    async def key(self, key_hash: str) -> Key | None:
        return self._key if self._key and self._key.key_hash == key_hash else None


async def test_expired_and_revoked_keys_are_refused() -> None:
    expired = Key(key_id="k", key_hash=hash_key("sk-1"), expires_at=int(time.time()) - 1)
    with pytest.raises(GatewayError, match="expired"):
        await authenticate({"authorization": "Bearer sk-1"}, _Config(expired))  # type: ignore[arg-type]
    revoked = Key(key_id="k", key_hash=hash_key("sk-1"), revoked=True, revoked_reason="leaked")
    with pytest.raises(GatewayError, match=r"revoked \(leaked\)"):
        await authenticate({"authorization": "Bearer sk-1"}, _Config(revoked))  # type: ignore[arg-type]


def test_allowed_paths_methods_models_and_settings() -> None:
    provider = Provider(name="p", urls=("http://x",), setting_id="s1")
    key = Key(key_id="k", key_hash="h", allowed_paths=[{"path": "/chat/completions", "method": "POST"}])
    check_access(key, "/v1/chat/completions", "POST", "m", provider)
    with pytest.raises(GatewayError, match="may not call"):
        check_access(key, "/v1/models", "GET", "m", provider)
    with pytest.raises(GatewayError, match="may not use model"):
        check_access(Key(key_id="k", key_hash="h", allowed_models=["a"]), "/x", "POST", "b", provider)
    with pytest.raises(GatewayError, match="may not use provider"):
        check_access(Key(key_id="k", key_hash="h", setting_ids=["s2"]), "/x", "POST", "m", provider)
