"""Thinking, tool calls, the thinking budget and the context limit against the real CPU llama-server
(the shipped build) running SmolLM2 with the bundled DictaLM-style template, through a real gateway.

SmolLM2 never thinks nor calls tools on its own, so a GBNF `grammar` forces the exact shapes DictaLM
writes: the template opens `<think>`, the model writes thinking, `</think>`, then an answer or a
`<tool_call>`. What is proven is the wire and the parsing (server, gateway, chat), not the model.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from common.chat_template import BUNDLED, read_gguf_template, render, with_default_system
from common.settings import get_settings
from common.stream import AnswerDelta, SSEDecoder, StreamParser, ThinkingDelta
from dictachat.chat import thinking
from dictachat.chat.runner import TurnRequest, run_turn
from dictachat.chat.turn import TurnBuilder
from tests.support import (
    CALCULATOR_TOOLS,
    REDIS_URL,
    Gateway,
    calculator_conversation,
    create_database,
    drop_database,
    ensure,
    start_gateway,
    start_llama,
)

CONTEXT = 1024
SYSTEM_PROMPT = 'אתה עוזר "מועיל".'
THINK_THEN_ANSWER = 'root ::= [a-z ]{0,40} "</think>" " " [A-Za-z ]{1,40}'
CALL = '{"name": "calculator", "arguments": {"expression": "6*7"}}'


@pytest.fixture(scope="module")
def llama(log_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-server with SmolLM2, CHAT_TEMPLATE=bundled, SYSTEM_PROMPT around it, a small context."""
    url, child = start_llama(log_dir, tmp_path_factory.mktemp("llama") / "template.jinja2", CHAT_TEMPLATE="bundled",
                             CONTEXT_SIZE=str(CONTEXT), SYSTEM_PROMPT=SYSTEM_PROMPT)
    yield url
    child.stop()


@pytest.fixture(scope="module")
def gw(log_dir: Path, llama: str) -> Iterator[Gateway]:
    url = create_database()
    gateway = start_gateway(log_dir, url, llama, REDIS_URL, f"test:{uuid.uuid4().hex[:8]}:")
    yield gateway
    gateway.child.stop()
    drop_database(url)


def chat(gw: Gateway, key: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(gw.proxy_url + "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=300)


def forced(grammar: str, **extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": "Say hi"}], "temperature": 0, "max_tokens": 30, "grammar": grammar, **extra}


def tokens(llama: str, text: str) -> int:
    return len(httpx.post(llama + "/tokenize", json={"content": text}, timeout=30).json()["tokens"])


# --- the template, rendered by llama-server itself ----------------------------------------------


def test_llama_server_renders_the_bundled_template_as_jinja2_does(llama: str) -> None:
    messages, tools = calculator_conversation(), CALCULATOR_TOOLS
    served = httpx.post(llama + "/apply-template", json={"messages": messages, "tools": tools}, timeout=30).json()["prompt"]
    expected = render(with_default_system(BUNDLED.read_text(), SYSTEM_PROMPT), messages, tools=tools)
    assert served.startswith(f"<|im_start|>system\n{SYSTEM_PROMPT}\n\n# Tools")  # SYSTEM_PROMPT wrapped around it
    assert '<tool_call>\n{"name": "calculator", "arguments": {"expression": "6*7"}}\n</tool_call>' in served
    assert served.endswith("<|im_start|>user\nועכשיו?<|im_end|>\n<|im_start|>assistant\n<think>")
    assert served == expected


def test_the_model_own_template_runs_with_the_system_prompt_around_it(log_dir: Path, tmp_path: Path) -> None:
    """CHAT_TEMPLATE=model: llama-server runs SmolLM2's own template, SYSTEM_PROMPT added as its system turn."""
    url, child = start_llama(log_dir, tmp_path / "template.jinja2", CHAT_TEMPLATE="model", SYSTEM_PROMPT=SYSTEM_PROMPT)
    try:
        messages = [{"role": "user", "content": "שלום"}]
        served = httpx.post(url + "/apply-template", json={"messages": messages}, timeout=30).json()["prompt"]
        props = httpx.get(url + "/props", timeout=30).json()
    finally:
        child.stop()
    own = read_gguf_template(Path(ensure("ensure_small_model.sh")))
    assert own is not None and props["chat_template"].endswith(own)
    assert served == render(with_default_system(own, SYSTEM_PROMPT), messages)
    assert served.startswith(f"<|im_start|>system\n{SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\nשלום")


# --- thinking ---------------------------------------------------------------------------------------


def test_forced_thinking_arrives_as_reasoning_content_through_the_gateway(gw: Gateway) -> None:
    resp = chat(gw, gw.frontend_key, forced(THINK_THEN_ANSWER, stream=True))
    assert resp.status_code == 200, resp.text
    parser, events = StreamParser(starts_in_thinking=True), []
    payloads = SSEDecoder().feed(resp.text)
    for payload in payloads:
        events += parser.feed(payload)
    deltas = [json.loads(p)["choices"][0]["delta"] for p in payloads if p != "[DONE]" and json.loads(p)["choices"]]
    reasoning = "".join(d.get("reasoning_content") or "" for d in deltas)
    content = "".join(d.get("content") or "" for d in deltas)
    assert reasoning.strip() and content.strip() and "</think>" not in content  # the server split them
    assert "".join(e.text for e in events if isinstance(e, ThinkingDelta)) == reasoning
    assert parser.done


def test_with_reasoning_format_none_the_chat_streams_thinking_from_the_first_token(gw: Gateway) -> None:
    # The server leaves the thinking in the content (it repeats the template's <think> first); the chat's
    # parser, told the template opens <think>, shows it as thinking from the first chunk on, without the tag.
    resp = chat(gw, gw.frontend_key, forced(THINK_THEN_ANSWER, stream=True, reasoning_format="none"))
    payloads = [p for p in SSEDecoder().feed(resp.text) if p != "[DONE]"]
    contents = [d["choices"][0]["delta"].get("content") for d in map(json.loads, payloads) if d["choices"]]
    contents = [c for c in contents if c]
    assert "</think>" in "".join(contents)
    parser = StreamParser(starts_in_thinking=True)
    per_payload = [parser.feed(p) for p in payloads]
    first = next(evs for evs in per_payload if any(isinstance(e, ThinkingDelta | AnswerDelta) for e in evs))
    assert all(isinstance(e, ThinkingDelta) for e in first if isinstance(e, ThinkingDelta | AnswerDelta))
    events = [e for evs in per_payload for e in evs] + parser.close()
    thought = "".join(e.text for e in events if isinstance(e, ThinkingDelta))
    assert thought.strip() and "think>" not in thought
    answer = "".join(e.text for e in events if isinstance(e, AnswerDelta))
    assert answer.strip() and answer.strip() == "".join(contents).split("</think>")[1].strip()


def test_the_thinking_budget_ends_thinking_and_the_key_budget_wins(gw: Gateway, llama: str) -> None:
    # Without a budget the grammar lets the model think until max_tokens; with one it stops after N tokens.
    endless = 'root ::= [a-z ]* "</think>" [A-Za-z ]+'
    free = chat(gw, gw.frontend_key, forced(endless)).json()["choices"][0]
    assert free["finish_reason"] == "length" and not free["message"]["content"]
    capped = chat(gw, gw.frontend_key, forced(endless, reasoning_budget_tokens=5)).json()["choices"][0]["message"]
    assert 0 < tokens(llama, capped["reasoning_content"]) <= 5 and capped["content"].strip()
    key = gw.create_key(name="brief-thinker", reasoningBudgetTokens=3)
    message = chat(gw, key["key"], forced(endless, thinking_budget_tokens=40)).json()["choices"][0]["message"]
    assert 0 < tokens(llama, message["reasoning_content"]) <= 3 and message["content"].strip()
    off = chat(gw, gw.frontend_key, forced(endless, reasoning_budget_tokens=0)).json()["choices"][0]["message"]
    assert not off.get("reasoning_content") and off["content"].strip()  # Thinking: off


# --- a tool call written in the text -----------------------------------------------------------------


class GrammarTurn(TurnRequest):
    """llama-server refuses `grammar` together with `tools`, so each round sends a grammar instead: first a
    forced `<tool_call>`, then (once a tool result is in the messages) a forced answer."""

    def body(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        body = super().body(messages)
        body.pop("tools", None)
        answered = any(m["role"] == "tool" for m in messages)
        tail = '"The answer is 42."' if answered else f'"<tool_call>" {json.dumps(CALL)} "</tool_call>"'
        body["grammar"] = f'root ::= [a-z ]{{0,20}} "</think>" {tail}'
        return body


async def test_a_forced_tool_call_in_the_text_runs_the_tool_and_the_chat_continues(
        gw: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_URL", gw.proxy_url)
    monkeypatch.setenv("FRONTEND_API_KEY", gw.frontend_key)
    get_settings.cache_clear()
    try:
        request = GrammarTurn(messages=[{"role": "user", "content": "6*7?"}], temperature=0, max_tokens=80,
                              starts_in_thinking=True)
        turn = TurnBuilder()

        async def update() -> None:
            return None

        await run_turn(request, turn, update)
        turn.finish()
    finally:
        get_settings.cache_clear()
        thinking.template_opens_thinking.cache_clear()
    assert not turn.view.error, turn.view.error_detail
    tool = next(b for b in turn.view.blocks if b.kind == "tool")
    assert (tool.name, tool.ok, json.loads(tool.result)["result"]) == ("calculator", True, 42)
    assert turn.view.content == "The answer is 42." and "<tool_call>" not in turn.view.content
    rows = turn.rows()
    assert rows[0]["tool_calls"][0]["function"]["name"] == "calculator" and rows[1]["role"] == "tool"


# --- the context limit ----------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True])
def test_a_prompt_longer_than_the_context_is_a_clear_400(gw: Gateway, stream: bool) -> None:
    body = {"messages": [{"role": "user", "content": "hello world " * 800}], "max_tokens": 5, "stream": stream}
    resp = chat(gw, gw.frontend_key, body)
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["code"] == "context_length_exceeded"
    assert error["message"].startswith("The conversation is ") and f"more than the {CONTEXT:,} tokens" in error["message"]
