"""Turn an OpenAI-style SSE stream into chat events: thinking, answer text, tool calls, usage.

Pure Python, no I/O: `SSEDecoder` splits the byte stream into `data:` payloads and
`StreamParser` turns each payload into events. `<think>` tags may arrive split across chunks,
may be left unclosed, or the opening tag may live in the prompt template (only `</think>` is
streamed; when the chat knows the template opens it, thinking streams as such from the first
token); thinking may also arrive as `reasoning_content` deltas. Tool calls come as `tool_calls`
deltas or, when the server leaves them in the text, as `<tool_call>{...}</tool_call>`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from common.usage import TokenUsage

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"
CALL_OPEN = "<tool_call>"
CALL_CLOSE = "</tool_call>"
DONE = "[DONE]"
TEXT_CALL_INDEX = 1000  # indices of calls parsed from text, apart from the server's own `tool_calls`
UNREADABLE_CALL = "unreadable_tool_call"  # the name a call gets when its text could not be read


@dataclass(frozen=True)
class ThinkingDelta:
    text: str


@dataclass(frozen=True)
class AnswerDelta:
    text: str


@dataclass(frozen=True)
class Rethink:
    """The answer text streamed so far was thinking: a `</think>` came with no `<think>` before it."""

    text: str


@dataclass(frozen=True)
class Unthink:
    """What streamed as thinking (the template was expected to open it) was the answer: no `</think>` came."""


@dataclass(frozen=True)
class ToolCallDelta:
    index: int
    id: str = ""
    name: str = ""
    arguments: str = ""


@dataclass(frozen=True)
class TextToolCall:
    """A whole `<tool_call>` the model wrote in its answer; `error` says why it could not be read."""

    index: int
    name: str
    arguments: str
    error: str = ""


@dataclass(frozen=True)
class Finish:
    reason: str


@dataclass(frozen=True)
class StreamError:
    """An error sent inside the stream (the upstream died after the response had started)."""

    message: str
    code: str = ""


Event = ThinkingDelta | AnswerDelta | Rethink | Unthink | ToolCallDelta | TextToolCall | TokenUsage | Finish | StreamError


class SSEDecoder:
    """Split Server-Sent Events text into the payloads of their `data:` fields."""

    def __init__(self) -> None:
        self._line = ""
        self._data: list[str] = []

    def feed(self, text: str) -> list[str]:
        """Consume a piece of the stream; return the payloads of the events it completed."""
        out: list[str] = []
        lines = (self._line + text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self._line = lines.pop()  # the last piece is an incomplete line (or "")
        for line in lines:
            if line == "":
                if self._data:
                    out.append("\n".join(self._data))
                    self._data = []
            elif line.startswith("data:"):
                value = line[5:]
                self._data.append(value[1:] if value.startswith(" ") else value)
            # Comments (":"), "event:", "id:" and "retry:" fields carry nothing we use.
        return out

    def close(self) -> list[str]:
        """Flush an event the stream ended without terminating by a blank line."""
        return self.feed("\n\n") if (self._line or self._data) else []


def _partial_tag_suffix(text: str, tags: tuple[str, ...]) -> int:
    """Length of the longest end of `text` that could be the start of one of `tags`."""
    best = 0
    for tag in tags:
        for size in range(min(len(tag) - 1, len(text)), 0, -1):
            if text.endswith(tag[:size]):
                best = max(best, size)
                break
    return best


class ThinkSplitter:
    """Split streamed `content` into thinking and answer text at `<think>` / `</think>`.

    `starts_open`: the prompt template opened `<think>`, so the text starts as thinking until `</think>`;
    if the stream ends without one, or the server turns out to split the thinking off itself, what was
    taken for thinking is given back as answer (`Unthink`).
    """

    def __init__(self, starts_open: bool = False) -> None:
        self.in_think = self.seen_open = starts_open
        self._assumed: list[str] | None = [] if starts_open else None  # thinking not yet confirmed by `</think>`
        self._pending = ""
        self._answer_so_far: list[str] = []

    def unassume(self) -> list[Event]:
        """The opened `<think>` was not the model's: hand back what streamed as thinking as answer text."""
        assumed, self._assumed = self._assumed, None
        if assumed is None:
            return []
        self.in_think = False
        self.seen_open = False
        text, self._pending = "".join(assumed) + self._pending, ""
        return [Unthink(), *self.feed(text)]

    def feed(self, text: str) -> list[Event]:
        events: list[Event] = []
        rest = self._pending + text
        self._pending = ""
        if self._assumed == [] and self.in_think:
            # llama-server with --reasoning-format none repeats the template's `<think>` at the start.
            head = rest.lstrip()
            if head and OPEN_TAG.startswith(head):
                self._pending = rest  # maybe the tag, cut by the chunking: wait for more
                return events
            if head.startswith(OPEN_TAG):
                rest = head[len(OPEN_TAG):]
        while rest:
            if self.in_think:
                idx = rest.find(CLOSE_TAG)
                if idx < 0:
                    break
                self._emit(events, rest[:idx])
                self.in_think = False
                self._assumed = None  # the model closed the thinking the template opened
                rest = rest[idx + len(CLOSE_TAG):]
                continue
            open_idx = rest.find(OPEN_TAG)
            close_idx = rest.find(CLOSE_TAG) if not self.seen_open else -1
            if close_idx >= 0 and (open_idx < 0 or close_idx < open_idx):
                # The template opened the think block in the prompt: what we took for answer was thinking.
                self.seen_open = True
                if self._answer_so_far:
                    events.append(Rethink("".join(self._answer_so_far)))
                    self._answer_so_far = []
                self.in_think = True
                self._emit(events, rest[:close_idx])
                self.in_think = False
                rest = rest[close_idx + len(CLOSE_TAG):]
                continue
            if open_idx < 0:
                break
            self._emit(events, rest[:open_idx])
            self.in_think = self.seen_open = True
            rest = rest[open_idx + len(OPEN_TAG):]
        if rest:
            if self.in_think:
                tags: tuple[str, ...] = (CLOSE_TAG,)
            else:
                tags = (OPEN_TAG,) if self.seen_open else (OPEN_TAG, CLOSE_TAG)
            keep = _partial_tag_suffix(rest, tags)
            self._emit(events, rest[: len(rest) - keep])
            self._pending = rest[len(rest) - keep:]
        return events

    def close(self, cut: bool = False) -> list[Event]:
        """End of stream: a half tag left over is plain text of the current kind. Thinking the template
        opened and the model never closed was the answer, unless the answer was `cut` (length limit)."""
        events = self.unassume() if self._assumed is not None and not cut else []
        self._emit(events, self._pending)
        self._pending = ""
        return events

    def _emit(self, events: list[Event], text: str) -> None:
        if not text:
            return
        if self.in_think:
            if self._assumed is not None:
                self._assumed.append(text)
            events.append(ThinkingDelta(text))
        else:
            events.append(AnswerDelta(text))
            if not self.seen_open:
                self._answer_so_far.append(text)


class ToolCallSplitter:
    """Take `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` out of answer text, across chunks."""

    def __init__(self) -> None:
        self._inside: list[str] | None = None  # the call's text while inside the tags
        self._pending = ""
        self._count = 0

    def feed(self, text: str) -> list[Event]:
        events: list[Event] = []
        rest, self._pending = self._pending + text, ""
        while rest:
            if self._inside is not None:
                idx = rest.find(CALL_CLOSE)
                if idx < 0:
                    keep = _partial_tag_suffix(rest, (CALL_CLOSE,))
                    self._inside.append(rest[: len(rest) - keep])
                    self._pending = rest[len(rest) - keep:]
                    return events
                self._inside.append(rest[:idx])
                events.append(self._call("".join(self._inside)))
                self._inside = None
                rest = rest[idx + len(CALL_CLOSE):]
                continue
            idx = rest.find(CALL_OPEN)
            if idx < 0:
                keep = _partial_tag_suffix(rest, (CALL_OPEN,))
                if rest[: len(rest) - keep]:
                    events.append(AnswerDelta(rest[: len(rest) - keep]))
                self._pending = rest[len(rest) - keep:]
                return events
            if idx:
                events.append(AnswerDelta(rest[:idx]))
            self._inside = []
            rest = rest[idx + len(CALL_OPEN):]
        return events

    def close(self) -> list[Event]:
        """End of stream: an unclosed call is still a call (read or reported); a half tag is text."""
        rest, self._pending = self._pending, ""
        if self._inside is not None:
            inside, self._inside = "".join(self._inside) + rest, None
            return [self._call(inside)]
        return [AnswerDelta(rest)] if rest else []

    def _call(self, raw: str) -> TextToolCall:
        index = TEXT_CALL_INDEX + self._count
        self._count += 1
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            return TextToolCall(index, UNREADABLE_CALL, json.dumps({"text": raw.strip()}, ensure_ascii=False),
                                f"the <tool_call> is not valid JSON ({exc.msg} at character {exc.pos})")
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            return TextToolCall(index, UNREADABLE_CALL, json.dumps({"text": raw.strip()}, ensure_ascii=False),
                                'the <tool_call> must be a JSON object {"name": ..., "arguments": {...}}')
        args = data.get("arguments", data.get("parameters", {}))
        return TextToolCall(index, data["name"], args if isinstance(args, str) else json.dumps(args, ensure_ascii=False))


class StreamParser:
    """Turn chat-completion chunk payloads into events; `starts_in_thinking` when the template opens `<think>`."""

    def __init__(self, starts_in_thinking: bool = False) -> None:
        self._think = ThinkSplitter(starts_in_thinking)
        self._calls = ToolCallSplitter()
        self.done = False

    @property
    def thinking_unclosed(self) -> bool:
        return self._think.in_think

    def feed(self, payload: str) -> list[Event]:
        """Parse one `data:` payload."""
        if payload.strip() == DONE:
            self.done = True
            return []
        try:
            chunk = json.loads(payload)
        except json.JSONDecodeError:
            return [StreamError(f"unreadable chunk from the gateway: {payload[:200]}", "bad_chunk")]
        if not isinstance(chunk, dict):
            return []
        return self.feed_chunk(chunk)

    def feed_chunk(self, chunk: dict[str, Any]) -> list[Event]:
        if isinstance(chunk.get("error"), dict):
            err = chunk["error"]
            return [StreamError(str(err.get("message") or "upstream error"), str(err.get("code") or err.get("type") or ""))]
        events: list[Event] = []
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if reasoning:
                events.extend(self._answers(self._think.unassume()))  # the server splits thinking off itself
                events.append(ThinkingDelta(reasoning))
            if delta.get("content"):
                events.extend(self._answers(self._think.feed(delta["content"])))
            for call in delta.get("tool_calls") or []:
                fn = call.get("function") or {}
                events.append(
                    ToolCallDelta(
                        index=int(call.get("index", 0)),
                        id=call.get("id") or "",
                        name=fn.get("name") or "",
                        arguments=fn.get("arguments") or "",
                    )
                )
            if choice.get("finish_reason"):
                events.extend(self._answers(self._think.close(cut=choice["finish_reason"] == "length")))
                events.extend(self._calls.close())
                events.append(Finish(choice["finish_reason"]))
        usage = TokenUsage.of(chunk)
        if usage is not None:
            events.append(usage)
        return events

    def close(self) -> list[Event]:
        """End of stream: flush text held back while waiting to see if it was a tag."""
        return [*self._answers(self._think.close(cut=True)), *self._calls.close()]

    def _answers(self, events: list[Event]) -> list[Event]:
        """Pass answer text through the `<tool_call>` splitter; other events as they are."""
        out: list[Event] = []
        for event in events:
            out.extend(self._calls.feed(event.text) if isinstance(event, AnswerDelta) else [event])
        return out


class ToolCallAccumulator:
    """Assemble streamed tool-call fragments into complete OpenAI `tool_calls`."""

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, str]] = {}
        self.errors: dict[str, str] = {}  # call id → why the call written in the text could not be read

    def add_text_call(self, call: TextToolCall) -> None:
        """A whole call the model wrote as `<tool_call>` text."""
        call_id = f"call_text_{call.index - TEXT_CALL_INDEX}"
        self._calls[call.index] = {"id": call_id, "name": call.name, "arguments": call.arguments}
        if call.error:
            self.errors[call_id] = call.error

    def add(self, delta: ToolCallDelta) -> None:
        call = self._calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
        if delta.id:
            call["id"] = delta.id
        if delta.name and delta.name != call["name"]:
            call["name"] += delta.name  # some servers split the name, others repeat it whole
        call["arguments"] += delta.arguments

    def calls(self) -> list[dict[str, Any]]:
        """The calls in index order, shaped like an assistant message's `tool_calls`."""
        return [
            {
                "id": call["id"] or f"call_{index}",
                "type": "function",
                "function": {"name": call["name"], "arguments": call["arguments"]},
            }
            for index, call in sorted(self._calls.items())
        ]

    def __bool__(self) -> bool:
        return bool(self._calls)
