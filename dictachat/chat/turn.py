"""An assistant turn as the chat shows it (thinking blocks, tool blocks, answer, usage) and as it is stored.

One turn may take several rounds (model → tool calls → model …). `TurnBuilder` grows the view
from stream events while the answer streams; `fold_rows` rebuilds the same view from stored rows;
`request_messages` turns stored rows back into the OpenAI `messages` a request needs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from common.stream import (
    AnswerDelta,
    Event,
    Finish,
    Rethink,
    StreamError,
    TextToolCall,
    ThinkingDelta,
    ToolCallDelta,
    Unthink,
)
from common.usage import TokenUsage
from dictachat.tools import ToolOutcome


@dataclass
class Block:
    """A thinking block or a tool-call block inside an assistant turn."""

    kind: str = "thinking"  # "thinking" | "tool"
    text: str = ""  # thinking text
    seconds: int = 0  # how long the model thought
    live: bool = False  # still thinking / tool still running
    name: str = ""  # tool name
    args: str = ""  # tool arguments, pretty JSON
    result: str = ""  # tool result, pretty JSON
    ms: int = 0  # tool duration
    ok: bool = True
    call_id: str = ""


@dataclass
class ChatMessage:
    """One bubble of the conversation: a user message or a whole assistant turn."""

    id: str = ""  # id of the first stored row of the bubble
    role: str = "assistant"
    position: int = 0  # position of that row in the conversation
    content: str = ""
    blocks: list[Block] = field(default_factory=list)
    error: str = ""  # error kind (see gateway_client), "" when fine
    error_detail: str = ""
    retry_after: int = 0
    stopped: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tok_s: float = 0.0
    model: str = ""


def pretty_json(text: str) -> str:
    """Indent JSON for display; anything else is shown as it came."""
    try:
        return json.dumps(json.loads(text), ensure_ascii=False, indent=2)
    except (ValueError, TypeError):
        return text


class TurnBuilder:
    """Accumulate one assistant turn from stream events, tool runs and errors."""

    def __init__(self, model: str = "", clock: Callable[[], float] = time.monotonic) -> None:
        self.view = ChatMessage(role="assistant", model=model)
        self._clock = clock
        self._rows: list[dict[str, Any]] = []
        self._round: dict[str, Any] = {}
        self._round_first_block = 0
        self._thinking: Block | None = None
        self._thinking_started = 0.0
        self._round_start = 0.0
        self._gen_seconds = 0.0
        self._first_token: float | None = None
        self._last_token = 0.0

    # --- rounds ------------------------------------------------------------------------------

    def start_round(self) -> None:
        self._round = {"role": "assistant", "content": "", "reasoning": "", "tool_calls": [], "meta": {}}
        self._rows.append(self._round)
        self._round_first_block = len(self.view.blocks)
        self._thinking = None
        self._first_token = None
        self._round_start = self._clock()

    def apply(self, event: Event) -> None:
        """Fold one stream event into the turn."""
        if isinstance(event, ThinkingDelta):
            self._tick()
            self._add_thinking(event.text)
        elif isinstance(event, Rethink):
            self._tick()
            self.view.content = self.view.content[: len(self.view.content) - len(self._round["content"])]
            self._round["content"] = ""
            self._add_thinking(event.text, started=self._round_start)
        elif isinstance(event, Unthink):
            self._drop_thinking()
        elif isinstance(event, AnswerDelta):
            self._tick()
            self._end_thinking()
            text = event.text.lstrip() if not self.view.content else event.text
            self.view.content += text
            self._round["content"] += text
        elif isinstance(event, ToolCallDelta | TextToolCall):
            self._tick()
            self._end_thinking()
        elif isinstance(event, TokenUsage):
            self.view.prompt_tokens += event.prompt_tokens
            self.view.completion_tokens += event.completion_tokens
        elif isinstance(event, Finish):
            self._end_thinking()
        elif isinstance(event, StreamError):
            self.fail("timeout" if "timeout" in event.code else "cut", event.message)

    def end_round(self, tool_calls: list[dict[str, Any]]) -> None:
        """The round ended with tool calls: show a running block for each."""
        self._end_thinking()
        self._close_generation()
        self._round["tool_calls"] = tool_calls
        for call in tool_calls:
            fn = call["function"]
            self.view.blocks.append(Block(kind="tool", live=True, name=fn["name"], args=pretty_json(fn["arguments"]), call_id=call["id"]))

    def add_tool_result(self, call_id: str, name: str, outcome: ToolOutcome) -> None:
        for block in self.view.blocks:
            if block.kind == "tool" and block.call_id == call_id:
                block.result, block.ms, block.ok, block.live = pretty_json(outcome.content), outcome.ms, outcome.ok, False
        self._rows.append({"role": "tool", "content": outcome.content, "tool_call_id": call_id, "name": name,
                           "meta": {"ms": outcome.ms, "ok": outcome.ok}})

    def fail(self, kind: str, detail: str = "", retry_after: int = 0) -> None:
        if not self.view.error:
            self.view.error, self.view.error_detail, self.view.retry_after = kind, detail, retry_after

    def stop(self) -> None:
        self.view.stopped = True

    def finish(self) -> None:
        """The turn is over (answer, error or stop): close what is still open and compute speed."""
        self._end_thinking()
        self._close_generation()
        for block in self.view.blocks:
            block.live = False
        if self._gen_seconds > 0 and self.view.completion_tokens:
            self.view.tok_s = round(self.view.completion_tokens / self._gen_seconds, 1)
        if self._rows:
            self._rows[-1]["meta"].update(self._turn_meta())

    # --- outputs -----------------------------------------------------------------------------

    @property
    def failed(self) -> bool:
        return bool(self.view.error)

    def rows(self) -> list[dict[str, Any]]:
        """Rows to store: one per assistant round and one per tool result."""
        return [dict(row) for row in self._rows]

    # --- internals ---------------------------------------------------------------------------

    def _tick(self) -> None:
        now = self._clock()
        if self._first_token is None:
            self._first_token = now
        self._last_token = now

    def _close_generation(self) -> None:
        if self._first_token is not None:
            self._gen_seconds += max(0.0, self._last_token - self._first_token)
            self._first_token = None

    def _add_thinking(self, text: str, started: float | None = None) -> None:
        if self._thinking is None:
            self._thinking = Block(kind="thinking", live=True)
            self._thinking_started = self._clock() if started is None else started
            self.view.blocks.append(self._thinking)
            text = text.lstrip()
        self._thinking.text += text
        self._round["reasoning"] += text

    def _drop_thinking(self) -> None:
        """This round's thinking was the answer after all: take its block out."""
        self._thinking = None
        mine = self.view.blocks[self._round_first_block:]
        self.view.blocks[self._round_first_block:] = [b for b in mine if b.kind != "thinking"]
        self._round["reasoning"] = ""
        self._round["meta"].pop("thinking_s", None)

    def _end_thinking(self) -> None:
        block, self._thinking = self._thinking, None
        if block is not None:
            block.live = False
            block.text = block.text.rstrip()
            block.seconds = max(1, round(self._clock() - self._thinking_started))
            self._round["reasoning"] = self._round["reasoning"].rstrip()
            self._round["meta"]["thinking_s"] = self._round["meta"].get("thinking_s", 0) + block.seconds

    def _turn_meta(self) -> dict[str, Any]:
        v = self.view
        meta: dict[str, Any] = {"turn_end": True, "model": v.model, "prompt_tokens": v.prompt_tokens,
                                "completion_tokens": v.completion_tokens, "tok_s": v.tok_s}
        if v.error:
            meta.update(error=v.error, error_detail=v.error_detail, retry_after=v.retry_after)
        if v.stopped:
            meta["stopped"] = True
        return meta


def fold_rows(rows: list[dict[str, Any]]) -> list[ChatMessage]:
    """Stored rows (ordered by position) → the bubbles the chat shows."""
    out: list[ChatMessage] = []
    for row in rows:
        role, meta = row["role"], row.get("meta") or {}
        if role == "user":
            out.append(ChatMessage(id=row["id"], role="user", position=row["position"], content=row["content"]))
            continue
        if not out or out[-1].role != "assistant":
            out.append(ChatMessage(id=row["id"], role="assistant", position=row["position"]))
        turn = out[-1]
        if role == "assistant":
            if row.get("reasoning"):
                turn.blocks.append(Block(kind="thinking", text=row["reasoning"], seconds=int(meta.get("thinking_s", 0))))
            for call in row.get("tool_calls") or []:
                fn = call.get("function") or {}
                turn.blocks.append(Block(kind="tool", name=fn.get("name", ""), args=pretty_json(fn.get("arguments", "")),
                                         call_id=call.get("id", "")))
            turn.content += row.get("content") or ""
            if meta.get("turn_end"):
                turn.model = meta.get("model", "")
                turn.prompt_tokens = int(meta.get("prompt_tokens", 0))
                turn.completion_tokens = int(meta.get("completion_tokens", 0))
                turn.tok_s = float(meta.get("tok_s", 0.0))
                turn.error, turn.error_detail = meta.get("error", ""), meta.get("error_detail", "")
                turn.retry_after = int(meta.get("retry_after", 0))
                turn.stopped = bool(meta.get("stopped"))
        elif role == "tool":
            for block in turn.blocks:
                if block.kind == "tool" and block.call_id == row.get("tool_call_id"):
                    block.result, block.ms, block.ok = pretty_json(row["content"]), int(meta.get("ms", 0)), bool(meta.get("ok", True))
    return out


def request_messages(rows: list[dict[str, Any]], system_prompt: str = "") -> list[dict[str, Any]]:
    """Stored rows → OpenAI `messages`: thinking is left out, failed empty turns are skipped,
    and tool calls whose results were never stored (stopped mid-turn) are dropped."""
    answered = {row.get("tool_call_id") for row in rows if row["role"] == "tool"}
    messages: list[dict[str, Any]] = [{"role": "system", "content": system_prompt}] if system_prompt.strip() else []
    for row in rows:
        role = row["role"]
        if role == "user":
            messages.append({"role": "user", "content": row["content"]})
        elif role == "assistant":
            calls = [c for c in row.get("tool_calls") or [] if c.get("id") in answered]
            if not row.get("content") and not calls:
                continue
            msg: dict[str, Any] = {"role": "assistant", "content": row.get("content") or ""}
            if calls:
                msg["tool_calls"] = calls
            messages.append(msg)
        elif role == "tool":
            messages.append({"role": "tool", "tool_call_id": row.get("tool_call_id", ""), "content": row["content"]})
    return messages
