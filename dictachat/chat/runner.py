"""Run one assistant turn: stream from the gateway, run requested tools, continue until the answer."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from common.stream import Finish, StreamParser, TextToolCall, ToolCallAccumulator, ToolCallDelta
from dictachat import tools
from dictachat.chat import gateway_client
from dictachat.chat.gateway_client import ChatError
from dictachat.chat.turn import TurnBuilder

MAX_ROUNDS = 6  # tool round-trips before we give up on a model that keeps calling tools
BAD_TOOL_CALL = "bad_tool_call"  # the model wrote an unreadable call (or named no tool we have) again

Update = Callable[[], Awaitable[None]]


@dataclass
class TurnRequest:
    messages: list[dict[str, Any]]
    model: str = ""
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    repeat_penalty: float | None = None
    reasoning_budget_tokens: int | None = None  # llama-server's per-request thinking budget
    use_tools: bool = True
    starts_in_thinking: bool = False  # the chat template opens <think> (common.chat_template.opens_thinking)
    user: str = ""  # the signed-in account's id: the gateway applies that user's own limits
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": messages, "stream_options": {"include_usage": True}, **self.extra}
        if self.user:
            body["user"] = self.user
        for name in ("temperature", "top_p", "max_tokens", "repeat_penalty", "reasoning_budget_tokens"):
            if getattr(self, name) is not None:
                body[name] = getattr(self, name)
        if self.use_tools:
            body["tools"] = tools.specs()
        return body


class Throttle:
    """Call an update at most every `interval` seconds; longer answers update a little less often, so
    the number of websocket messages of a long answer stays bounded."""

    def __init__(self, base_s: float = 0.06, max_s: float = 0.25, clock: Callable[[], float] = time.monotonic) -> None:
        self._base, self._max, self._clock = base_s, max_s, clock
        self._last = 0.0

    def interval(self, size: int) -> float:
        return min(self._max, self._base + size / 100_000)

    async def __call__(self, update: Update, size: int) -> None:
        now = self._clock()
        if now - self._last >= self.interval(size):
            self._last = now
            await update()


async def _stream_round(request: TurnRequest, messages: list[dict[str, Any]], turn: TurnBuilder,
                        update: Update, throttle: Throttle) -> ToolCallAccumulator:
    """One model call; returns the tool calls it asked for (none when it answered)."""
    parser, calls = StreamParser(request.starts_in_thinking), ToolCallAccumulator()
    finished = False
    turn.start_round()
    async for payload in gateway_client.stream_chat(request.body(messages)):
        for event in parser.feed(payload):
            if isinstance(event, ToolCallDelta):
                calls.add(event)
            elif isinstance(event, TextToolCall):
                calls.add_text_call(event)
            finished = finished or isinstance(event, Finish)
            turn.apply(event)
        if turn.failed:
            return ToolCallAccumulator()
        await throttle(update, len(turn.view.content))
    for event in parser.close():
        if isinstance(event, TextToolCall):
            calls.add_text_call(event)
        turn.apply(event)
    if not (parser.done or finished):
        turn.fail(gateway_client.CUT, "the stream ended early")
    return calls if not turn.failed else ToolCallAccumulator()


def _unreadable(call: dict[str, Any], errors: dict[str, str]) -> str:
    """Why a call cannot be run at all ("" when it can): unreadable text, or a tool we do not have."""
    name = call["function"]["name"]
    if call["id"] in errors:
        return errors[call["id"]]
    return "" if name in tools.TOOLS else f"unknown tool {name!r}; available: {', '.join(tools.TOOLS)}"


async def _run_call(call: dict[str, Any], error: str) -> tools.ToolOutcome:
    if error:
        hint = 'call a tool as <tool_call>{"name": "<tool>", "arguments": {...}}</tool_call>'
        return tools.ToolOutcome(json.dumps({"error": f"{error}; {hint}"}, ensure_ascii=False), False, 0)
    fn = call["function"]
    return await asyncio.to_thread(tools.run_tool, fn["name"], fn["arguments"])


async def run_turn(request: TurnRequest, turn: TurnBuilder, update: Update) -> None:
    """Drive the turn to its end; errors end up in `turn`, cancellation (Stop) propagates."""
    messages = list(request.messages)
    throttle = Throttle()
    told_of_bad_call = False  # the model gets an unreadable call's error back once, then the turn ends
    try:
        for _ in range(MAX_ROUNDS):
            calls = await _stream_round(request, messages, turn, update, throttle)
            tool_calls = calls.calls()
            if not tool_calls:
                return
            turn.end_round(tool_calls)
            await update()
            messages.append({"role": "assistant", "content": turn.rows()[-1]["content"], "tool_calls": tool_calls})
            bad = False
            for call in tool_calls:
                error = _unreadable(call, calls.errors)
                bad = bad or bool(error)
                outcome = await _run_call(call, error)
                turn.add_tool_result(call["id"], call["function"]["name"], outcome)
                messages.append({"role": "tool", "tool_call_id": call["id"], "content": outcome.content})
            await update()
            if bad and told_of_bad_call:
                turn.fail(BAD_TOOL_CALL)
                return
            told_of_bad_call = told_of_bad_call or bad
        turn.fail("tool_loop")
    except ChatError as exc:
        turn.fail(exc.kind, exc.detail, exc.retry_after)
