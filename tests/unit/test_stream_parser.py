"""The chat's stream parser: SSE framing, <think> handling, reasoning_content, tool calls, usage."""

from __future__ import annotations

import json

import pytest

from common.usage import TokenUsage
from dictachat.chat.stream import (
    AnswerDelta,
    Finish,
    Rethink,
    SSEDecoder,
    StreamError,
    StreamParser,
    ThinkingDelta,
    ToolCallAccumulator,
    ToolCallDelta,
)


def chunk(delta: dict | None = None, finish: str | None = None, usage: dict | None = None) -> str:
    body: dict = {"object": "chat.completion.chunk", "choices": []}
    if delta is not None or finish is not None:
        body["choices"] = [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
    if usage is not None:
        body["usage"] = usage
    return json.dumps(body, ensure_ascii=False)


def content_stream(*pieces: str) -> list[str]:
    return [chunk({"content": p}) for p in pieces]


def split_text(events: list) -> tuple[str, str]:
    """(thinking, answer) as a reader of the events would assemble them."""
    thinking, answer = "", ""
    for ev in events:
        if isinstance(ev, ThinkingDelta):
            thinking += ev.text
        elif isinstance(ev, AnswerDelta):
            answer += ev.text
        elif isinstance(ev, Rethink):
            thinking = ev.text + thinking
            answer = answer[len(ev.text):]
    return thinking, answer


def run(payloads: list[str]) -> tuple[StreamParser, list]:
    parser = StreamParser()
    events: list = []
    for p in payloads:
        events += parser.feed(p)
    events += parser.close()
    return parser, events


# --- SSE framing -----------------------------------------------------------------------------


def test_sse_decoder_joins_events_split_across_network_reads() -> None:
    raw = 'data: {"a": 1}\n\ndata: {"b"' + ': 2}\r\n\r\n: keep-alive comment\n\ndata: [DONE]\n\n'
    decoder = SSEDecoder()
    out: list[str] = []
    for i in range(0, len(raw), 3):  # tiny reads cut lines, "data:" prefixes and CRLFs
        out += decoder.feed(raw[i : i + 3])
    assert out == ['{"a": 1}', '{"b": 2}', "[DONE]"]


def test_sse_decoder_flushes_an_unterminated_last_event() -> None:
    decoder = SSEDecoder()
    assert decoder.feed('data: {"x": 1}') == []
    assert decoder.close() == ['{"x": 1}']


def test_sse_multiline_data_field_is_joined_with_newlines() -> None:
    assert SSEDecoder().feed("data: line1\ndata: line2\n\n") == ["line1\nline2"]


# --- <think> in content ----------------------------------------------------------------------


def test_think_tags_split_across_chunks_never_leak_into_the_answer() -> None:
    _, events = run(content_stream("<thi", "nk>Let me ", "think.</th", "ink>\n\nThe **answer**."))
    thinking, answer = split_text(events)
    assert thinking == "Let me think."
    assert answer == "\n\nThe **answer**."
    assert not any("think>" in e.text for e in events if isinstance(e, (ThinkingDelta, AnswerDelta)))


@pytest.mark.parametrize("cut", range(1, 30))
def test_every_split_point_gives_the_same_result(cut: int) -> None:
    text = "<think>reasoning here</think>Final answer"
    _, events = run(content_stream(text[:cut], text[cut:]))
    assert split_text(events) == ("reasoning here", "Final answer")


def test_one_character_per_chunk() -> None:
    text = "<think>a<b</think>x < y and </tag>"
    _, events = run(content_stream(*text))
    assert split_text(events) == ("a<b", "x < y and </tag>")


def test_unclosed_think_at_end_of_stream_stays_thinking() -> None:
    parser, events = run(content_stream("<think>still reasoning", " when the stream sto", "pped</thi"))
    thinking, answer = split_text(events)
    assert answer == ""
    assert thinking == "still reasoning when the stream stopped</thi"
    assert parser.thinking_unclosed


def test_answer_without_any_think_is_all_answer() -> None:
    parser, events = run(content_stream("Hello ", "world <", "3"))
    assert split_text(events) == ("", "Hello world <3")
    assert not parser.thinking_unclosed


def test_text_that_looks_like_a_tag_start_is_released_at_the_end() -> None:
    _, events = run(content_stream("1 <", "/thi"))
    assert split_text(events) == ("", "1 </thi")


def test_closing_tag_only_when_the_template_opened_the_think_block() -> None:
    _, events = run(content_stream("The user wants ", "a date.</think>", "It is Friday."))
    assert any(isinstance(e, Rethink) for e in events)
    assert split_text(events) == ("The user wants a date.", "It is Friday.")


# --- reasoning_content -----------------------------------------------------------------------


def test_reasoning_content_deltas_are_thinking() -> None:
    payloads = [
        chunk({"role": "assistant", "content": ""}),
        chunk({"reasoning_content": "Step one. "}),
        chunk({"reasoning_content": "Step two."}),
        chunk({"content": "Done."}),
        chunk(finish="stop"),
    ]
    _, events = run(payloads)
    assert split_text(events) == ("Step one. Step two.", "Done.")
    assert Finish("stop") in events


def test_reasoning_field_name_variant() -> None:
    _, events = run([chunk({"reasoning": "hmm"}), chunk({"content": "ok"})])
    assert split_text(events) == ("hmm", "ok")


# --- tool calls ------------------------------------------------------------------------------


def test_tool_call_deltas_assemble_into_calls() -> None:
    payloads = [
        chunk({"tool_calls": [{"index": 0, "id": "call_a", "type": "function",
                                "function": {"name": "calculator", "arguments": '{"expre'}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'ssion": "2+2"}'}}]}),
        chunk({"tool_calls": [{"index": 1, "id": "call_b", "function": {"name": "current_datetime", "arguments": "{}"}}]}),
        chunk(finish="tool_calls"),
    ]
    _, events = run(payloads)
    acc = ToolCallAccumulator()
    for ev in events:
        if isinstance(ev, ToolCallDelta):
            acc.add(ev)
    assert acc.calls() == [
        {"id": "call_a", "type": "function", "function": {"name": "calculator", "arguments": '{"expression": "2+2"}'}},
        {"id": "call_b", "type": "function", "function": {"name": "current_datetime", "arguments": "{}"}},
    ]
    assert events[-1] == Finish("tool_calls")


def test_tool_call_name_repeated_in_every_delta_is_not_doubled() -> None:
    acc = ToolCallAccumulator()
    acc.add(ToolCallDelta(0, "c1", "hebrew_date", '{"a"'))
    acc.add(ToolCallDelta(0, "", "hebrew_date", ": 1}"))
    assert acc.calls()[0]["function"] == {"name": "hebrew_date", "arguments": '{"a": 1}'}


def test_tool_call_without_id_gets_one() -> None:
    acc = ToolCallAccumulator()
    acc.add(ToolCallDelta(0, "", "calculator", "{}"))
    assert acc.calls()[0]["id"] == "call_0"


# --- usage, errors, end ----------------------------------------------------------------------


def test_usage_in_the_final_chunk() -> None:
    parser, events = run([chunk({"content": "hi"}, finish="stop"), chunk(usage={"prompt_tokens": 12, "completion_tokens": 3}), "[DONE]"])
    assert TokenUsage(12, 3) in events
    assert parser.done


def test_error_chunk_mid_stream() -> None:
    _, events = run([chunk({"content": "partial"}), json.dumps({"error": {"message": "upstream died", "type": "upstream_error", "code": "upstream_error"}})])
    assert events[-1] == StreamError("upstream died", "upstream_error")
    assert split_text(events) == ("", "partial")


def test_garbage_payload_is_an_error_event_not_an_exception() -> None:
    _, events = run(["not json"])
    assert isinstance(events[0], StreamError)


def test_stream_without_done_is_not_done() -> None:
    parser, _ = run([chunk({"content": "a"})])
    assert not parser.done
