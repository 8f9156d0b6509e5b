"""A key's thinking budget against the request's own: the smaller one goes to llama-server."""

from __future__ import annotations

import pytest

from gateway.errors import GatewayError
from gateway.reasoning_budget import clamp

BASE = {"messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize(("key", "request_fields", "sent"), [
    (-1, {}, None),  # no cap, none asked: the body is untouched
    (-1, {"reasoning_budget_tokens": 50}, 50),
    (100, {}, 100),
    (100, {"reasoning_budget_tokens": 30}, 30),
    (100, {"reasoning_budget_tokens": 500}, 100),
    (100, {"reasoning_budget_tokens": -1}, 100),
    (100, {"thinking_budget_tokens": 40}, 40),
    (0, {"thinking_budget_tokens": 40}, 0),
])
def test_the_smaller_budget_is_sent(key: int, request_fields: dict, sent: int | None) -> None:
    payload = {**BASE, **request_fields}
    out = clamp(payload, key)
    assert out.get("reasoning_budget_tokens") == sent
    if key < 0:
        assert out is payload  # nothing to change: the original bytes are forwarded
    else:
        assert "thinking_budget_tokens" not in out  # one field, the one llama-server reads first


def test_the_stack_wide_budget_is_a_cap_too() -> None:
    assert clamp({**BASE, "reasoning_budget_tokens": 900}, -1, 256)["reasoning_budget_tokens"] == 256
    assert clamp(BASE, 100, 256)["reasoning_budget_tokens"] == 100
    assert clamp(BASE, -1, 256)["reasoning_budget_tokens"] == 256
    assert clamp(BASE, -1, -1) is BASE


@pytest.mark.parametrize("bad", ["many", -2, 1.5, True])
def test_a_bad_request_budget_is_a_400_naming_the_field(bad: object) -> None:
    with pytest.raises(GatewayError) as err:
        clamp({**BASE, "thinking_budget_tokens": bad}, -1)
    assert err.value.status == 400 and err.value.message.startswith("thinking_budget_tokens:")
