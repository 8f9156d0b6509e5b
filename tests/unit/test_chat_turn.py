"""An assistant turn: building it from stream events, storing and re-reading it, and the tool loop."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from common.stream import AnswerDelta, Finish, Rethink, ThinkingDelta
from common.usage import TokenUsage
from dictachat.chat import gateway_client, runner
from dictachat.chat.gateway_client import ChatError
from dictachat.chat.runner import Throttle, TurnRequest, run_turn
from dictachat.chat.turn import TurnBuilder, fold_rows, request_messages
from dictachat.tools import ToolOutcome


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def stored(rows: list[dict[str, Any]], first_position: int = 1) -> list[dict[str, Any]]:
    """Rows as history.load_rows returns them (with ids and positions)."""
    return [{**row, "id": f"m{i}", "position": first_position + i} for i, row in enumerate(rows)]


def test_thinking_then_answer() -> None:
    clock = Clock()
    turn = TurnBuilder(model="m", clock=clock)
    turn.start_round()
    turn.apply(ThinkingDelta("\n  Let me see."))
    assert turn.view.blocks[0].live
    clock.now += 4.4
    turn.apply(AnswerDelta("\n\nThe answer."))
    turn.apply(TokenUsage(10, 8))
    clock.now += 2
    turn.apply(Finish("stop"))
    turn.finish()
    block = turn.view.blocks[0]
    assert (block.kind, block.text, block.seconds, block.live) == ("thinking", "Let me see.", 4, False)
    assert turn.view.content == "The answer."
    assert (turn.view.prompt_tokens, turn.view.completion_tokens) == (10, 8)
    assert turn.view.tok_s == pytest.approx(8 / 4.4, abs=0.1)  # first to last token; the finish chunk is no token


def test_unclosed_thinking_is_closed_at_the_end() -> None:
    clock = Clock()
    turn = TurnBuilder(clock=clock)
    turn.start_round()
    turn.apply(ThinkingDelta("never finished"))
    clock.now += 3
    turn.finish()
    assert turn.view.blocks[0].live is False
    assert turn.view.blocks[0].seconds == 3
    assert turn.view.content == ""


def test_rethink_moves_the_streamed_text_into_thinking() -> None:
    turn = TurnBuilder(clock=Clock())
    turn.start_round()
    turn.apply(AnswerDelta("The user asks"))
    turn.apply(Rethink("The user asks"))
    turn.apply(ThinkingDelta(" for a date."))
    turn.apply(AnswerDelta("Friday."))
    turn.finish()
    assert turn.view.content == "Friday."
    assert turn.view.blocks[0].text == "The user asks for a date."


def test_a_tool_round_is_shown_in_order_and_stored_as_openai_messages() -> None:
    turn = TurnBuilder(clock=Clock())
    turn.start_round()
    turn.apply(ThinkingDelta("I need the calendar."))
    call = {"id": "call_1", "type": "function", "function": {"name": "gregorian_to_hebrew", "arguments": '{"date":"2024-10-03"}'}}
    turn.end_round([call])
    assert [b.kind for b in turn.view.blocks] == ["thinking", "tool"]
    assert turn.view.blocks[1].live
    turn.add_tool_result("call_1", "gregorian_to_hebrew", ToolOutcome('{"hebrew": "א׳ תשרי"}', True, 3))
    turn.start_round()
    turn.apply(ThinkingDelta("Now answer."))
    turn.apply(AnswerDelta("It is 1 Tishrei."))
    turn.finish()

    assert [b.kind for b in turn.view.blocks] == ["thinking", "tool", "thinking"]
    tool = turn.view.blocks[1]
    assert tool.args == '{\n  "date": "2024-10-03"\n}'
    assert "א׳ תשרי" in tool.result and tool.ms == 3 and tool.ok and not tool.live

    rows = turn.rows()
    assert [r["role"] for r in rows] == ["assistant", "tool", "assistant"]
    assert rows[0]["tool_calls"] == [call] and rows[1]["tool_call_id"] == "call_1"
    assert rows[2]["meta"]["turn_end"] is True

    # Reading the stored rows back shows the same turn.
    user = {"id": "u", "position": 0, "role": "user", "content": "date?", "meta": {}}
    view = fold_rows([user, *stored(rows)])[1]
    assert [(b.kind, b.text, b.name, b.result) for b in view.blocks] == [
        (b.kind, b.text, b.name, b.result) for b in turn.view.blocks
    ]
    assert view.content == turn.view.content

    # And the next request sends the tool exchange but not the thinking.
    messages = request_messages([user, *stored(rows)], system_prompt="Be brief.")
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool", "assistant"]
    assert not any("reasoning" in m or "I need the calendar" in str(m.get("content")) for m in messages)


def test_request_messages_skip_failed_turns_and_unanswered_tool_calls() -> None:
    rows = stored([
        {"role": "user", "content": "hi", "meta": {}},
        {"role": "assistant", "content": "", "tool_calls": [], "meta": {"error": "rate_limit", "turn_end": True}},
        {"role": "user", "content": "again", "meta": {}},
        {"role": "assistant", "content": "partial", "tool_calls": [{"id": "c9", "type": "function",
                                                                    "function": {"name": "calculator", "arguments": "{}"}}],
         "meta": {"stopped": True, "turn_end": True}},
    ], 0)
    assert request_messages(rows) == [
        {"role": "user", "content": "hi"},
        {"role": "user", "content": "again"},
        {"role": "assistant", "content": "partial"},
    ]
    views = fold_rows(rows)
    assert views[1].error == "rate_limit" and views[3].stopped


# --- the loop, with the gateway replaced by scripted streams -----------------------------------


def sse(delta: dict | None = None, finish: str | None = None, usage: dict | None = None) -> str:
    chunk: dict = {"choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}] if (delta or finish) else []}
    if usage:
        chunk["usage"] = usage
    return json.dumps(chunk)


class FakeGateway:
    def __init__(self, *scripts: list[str] | Exception) -> None:
        self.scripts = list(scripts)
        self.bodies: list[dict] = []

    async def stream_chat(self, body: dict) -> AsyncIterator[str]:
        self.bodies.append(json.loads(json.dumps(body)))
        script = self.scripts.pop(0)
        if isinstance(script, Exception):
            raise script
        for payload in script:
            yield payload


TOOL_CALL = [
    sse({"content": "<think>use the calculator</think>"}),
    sse({"tool_calls": [{"index": 0, "id": "call_7", "function": {"name": "calculator", "arguments": '{"expression": '}}]}),
    sse({"tool_calls": [{"index": 0, "function": {"arguments": '"6*7"}'}}]}),
    sse(finish="tool_calls"),
    sse(usage={"prompt_tokens": 20, "completion_tokens": 5}),
    "[DONE]",
]
ANSWER = [sse({"content": "It is **42**."}), sse(finish="stop"), sse(usage={"prompt_tokens": 30, "completion_tokens": 4}), "[DONE]"]


async def run(fake: FakeGateway, monkeypatch: pytest.MonkeyPatch, **request: Any) -> tuple[TurnBuilder, int]:
    monkeypatch.setattr(gateway_client, "stream_chat", fake.stream_chat)
    updates = 0

    async def update() -> None:
        nonlocal updates
        updates += 1

    turn = TurnBuilder()
    await run_turn(TurnRequest(messages=[{"role": "user", "content": "6*7?"}], model="m", **request), turn, update)
    turn.finish()
    return turn, updates


async def test_tool_loop_runs_the_tool_and_continues(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeGateway(TOOL_CALL, ANSWER)
    turn, updates = await run(fake, monkeypatch)
    assert turn.view.content == "It is **42**."
    assert [b.kind for b in turn.view.blocks] == ["thinking", "tool"]
    assert json.loads(turn.view.blocks[1].result) == {"expression": "6*7", "result": 42}
    second = fake.bodies[1]["messages"]
    assert second[-2] == {"role": "assistant", "content": "", "tool_calls": [
        {"id": "call_7", "type": "function", "function": {"name": "calculator", "arguments": '{"expression": "6*7"}'}}]}
    assert second[-1] == {"role": "tool", "tool_call_id": "call_7", "content": '{"expression": "6*7", "result": 42}'}
    assert fake.bodies[0]["stream_options"] == {"include_usage": True}
    assert {t["function"]["name"] for t in fake.bodies[0]["tools"]} >= {"calculator"}
    assert (turn.view.prompt_tokens, turn.view.completion_tokens) == (50, 9)
    assert updates >= 2


async def test_gateway_errors_end_the_turn_with_a_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    turn, _ = await run(FakeGateway(ChatError("rate_limit", "slow down", 12)), monkeypatch)
    assert (turn.view.error, turn.view.retry_after) == ("rate_limit", 12)
    assert turn.rows()[-1]["meta"]["error"] == "rate_limit"


async def test_a_stream_without_an_end_is_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    turn, _ = await run(FakeGateway([sse({"content": "Half an ans"})]), monkeypatch)
    assert turn.view.error == "cut" and turn.view.content == "Half an ans"


async def test_an_error_chunk_mid_stream_is_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    died = json.dumps({"error": {"message": "upstream closed", "type": "upstream_error", "code": "upstream_error"}})
    turn, _ = await run(FakeGateway([sse({"content": "Hel"}), died]), monkeypatch)
    assert turn.view.error == "cut" and turn.view.error_detail == "upstream closed"


async def test_a_model_that_keeps_calling_tools_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    turn, _ = await run(FakeGateway(*[TOOL_CALL] * runner.MAX_ROUNDS), monkeypatch)
    assert turn.view.error == "tool_loop"


async def test_tools_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeGateway(ANSWER)
    monkeypatch.setattr(gateway_client, "stream_chat", fake.stream_chat)

    async def update() -> None:
        return None

    await run_turn(TurnRequest(messages=[], use_tools=False, temperature=0.2, max_tokens=9), TurnBuilder(), update)
    assert "tools" not in fake.bodies[0]
    assert (fake.bodies[0]["temperature"], fake.bodies[0]["max_tokens"]) == (0.2, 9)


async def test_throttle_batches_updates() -> None:
    clock = Clock()
    throttle = Throttle(base_s=0.05, max_s=0.2, clock=clock)
    calls = 0

    async def update() -> None:
        nonlocal calls
        calls += 1

    for _ in range(100):  # 100 chunks within 0.1 s
        await throttle(update, 10)
        clock.now += 0.001
    assert calls == 2
    assert throttle.interval(100_000) == 0.2  # a long answer updates less often


# --- tool calls the server left in the text, and thinking opened by the template ---------------


def text_round(*pieces: str) -> list[str]:
    return [*(sse({"content": p}) for p in pieces), sse(finish="stop"), "[DONE]"]


async def test_a_tool_call_left_in_the_text_runs_the_tool_and_continues(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeGateway(text_round("Let me check.</th", "ink>\n<tool_", 'call>{"name": "calculator", "arguments": {"expression"',
                                  ': "6*7"}}</tool_call>'), ANSWER)
    turn, _ = await run(fake, monkeypatch, starts_in_thinking=True)
    assert [b.kind for b in turn.view.blocks] == ["thinking", "tool"]
    assert turn.view.blocks[0].text == "Let me check." and "<tool_call>" not in turn.view.content
    assert json.loads(turn.view.blocks[1].result)["result"] == 42
    assert turn.view.content == "It is **42**."
    sent = fake.bodies[1]["messages"]
    assert sent[-2]["tool_calls"][0]["function"] == {"name": "calculator", "arguments": '{"expression": "6*7"}'}
    assert sent[-1]["role"] == "tool" and json.loads(sent[-1]["content"])["result"] == 42


async def test_an_unreadable_call_is_shown_and_told_to_the_model_once(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = text_round('<tool_call>{"name": "calculator", "arguments": {oops}}</tool_call>')
    fake = FakeGateway(bad, ANSWER)
    turn, _ = await run(fake, monkeypatch)
    tool = turn.view.blocks[-1]
    assert tool.kind == "tool" and not tool.ok and "not valid JSON" in tool.result
    error = json.loads(fake.bodies[1]["messages"][-1]["content"])["error"]
    assert "not valid JSON" in error and "<tool_call>" in error
    assert turn.view.content == "It is **42**." and not turn.view.error


async def test_a_second_unreadable_call_ends_the_turn_instead_of_looping(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = text_round('<tool_call>{"name": "calculator", "arguments": {oops}}</tool_call>')
    unknown = text_round('<tool_call>{"name": "weather", "arguments": {}}</tool_call>')
    fake = FakeGateway(bad, unknown, ANSWER)
    turn, _ = await run(fake, monkeypatch)
    assert turn.view.error == runner.BAD_TOOL_CALL
    assert len(fake.bodies) == 2  # the model was not called a third time
    assert "unknown tool 'weather'" in turn.view.blocks[-1].result


async def test_opened_thinking_that_never_closes_is_shown_as_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    turn, _ = await run(FakeGateway(text_round("Short ", "answer.")), monkeypatch, starts_in_thinking=True)
    assert (turn.view.content, turn.view.blocks) == ("Short answer.", [])
    assert turn.rows()[0]["reasoning"] == ""
