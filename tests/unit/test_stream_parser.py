"""The chat's stream parser: SSE framing, <think> handling, reasoning_content, tool calls, usage."""

from __future__ import annotations

import json

import pytest

from common.stream import (
    AnswerDelta,
    Finish,
    Rethink,
    SSEDecoder,
    StreamError,
    StreamParser,
    TextToolCall,
    ThinkingDelta,
    ToolCallAccumulator,
    ToolCallDelta,
    Unthink,
)
from common.usage import TokenUsage


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


# --- thinking from the first token (the template opened <think>) -------------------------------


def run_open(payloads: list[str]) -> list:
    parser = StreamParser(starts_in_thinking=True)
    events: list = []
    for p in payloads:
        events += parser.feed(p)
    return events + parser.close()


def test_opened_thinking_streams_as_thinking_from_the_first_token() -> None:
    parser = StreamParser(starts_in_thinking=True)
    first = parser.feed(chunk({"content": "Let me th"}))
    assert first == [ThinkingDelta("Let me th")]  # no answer text, no Rethink later
    events = first + parser.feed(chunk({"content": "ink.</thi"})) + parser.feed(chunk({"content": "nk>\n\nשלום"}))
    events += parser.feed(chunk(finish="stop")) + parser.close()
    assert split_text(events) == ("Let me think.", "\n\nשלום")
    assert not any(isinstance(e, Rethink | Unthink) for e in events)


@pytest.mark.parametrize("pieces", [["<think>why</think>Answer"], ["<thi", "nk>why</th", "ink>Answer"], ["\n<think>", "why</think>Answer"]])
def test_opened_thinking_repeated_by_the_server_is_not_shown(pieces: list[str]) -> None:
    # llama-server with --reasoning-format none puts the template's <think> back at the start of the content.
    events = run_open([chunk({"content": p}) for p in pieces] + [chunk(finish="stop")])
    assert split_text(events) == ("why", "Answer")


def test_opened_thinking_never_closed_with_stop_was_the_answer() -> None:
    events = run_open([chunk({"content": "Just an answer"}), chunk(finish="stop")])
    assert any(isinstance(e, Unthink) for e in events)
    after = events[next(i for i, e in enumerate(events) if isinstance(e, Unthink)) + 1:]
    assert "".join(e.text for e in after if isinstance(e, AnswerDelta)) == "Just an answer"


def test_opened_thinking_cut_by_the_length_limit_stays_thinking() -> None:
    events = run_open([chunk({"content": "still thinking"}), chunk(finish="length")])
    assert not any(isinstance(e, Unthink) for e in events)
    assert split_text(events) == ("still thinking", "")


def test_opened_thinking_with_reasoning_content_from_the_server_leaves_content_as_answer() -> None:
    events = run_open([chunk({"reasoning_content": "hmm"}), chunk({"content": "Answer"}), chunk(finish="stop")])
    assert split_text(events) == ("hmm", "Answer")


# --- <tool_call> written in the text ------------------------------------------------------------


def calls_and_answer(events: list) -> tuple[list[TextToolCall], str]:
    return [e for e in events if isinstance(e, TextToolCall)], "".join(e.text for e in events if isinstance(e, AnswerDelta))


CALL = '<tool_call>\n{"name": "calculator", "arguments": {"expression": "6*7"}}\n</tool_call>'


@pytest.mark.parametrize("size", [1, 2, 3, 5, 11, 1000])
def test_a_text_tool_call_split_anywhere_becomes_a_call_and_never_answer_text(size: int) -> None:
    text = "Let me compute. " + CALL + " Done."
    _, events = run([chunk({"content": text[i:i + size]}) for i in range(0, len(text), size)] + [chunk(finish="stop")])
    calls, answer = calls_and_answer(events)
    assert answer == "Let me compute.  Done."
    assert [(c.name, json.loads(c.arguments), c.error) for c in calls] == [("calculator", {"expression": "6*7"}, "")]


def test_two_calls_in_one_answer_get_their_own_indices() -> None:
    second = '<tool_call>{"name": "clock", "arguments": {"tz": "Asia/Jerusalem"}}</tool_call>'
    _, events = run([chunk({"content": CALL + "\n" + second}), chunk(finish="stop")])
    calls, answer = calls_and_answer(events)
    assert [c.name for c in calls] == ["calculator", "clock"] and len({c.index for c in calls}) == 2
    assert answer.strip() == ""
    acc = ToolCallAccumulator()
    for c in calls:
        acc.add_text_call(c)
    assert [(c["id"], c["function"]["name"]) for c in acc.calls()] == [("call_text_0", "calculator"), ("call_text_1", "clock")]
    assert acc.errors == {}


def test_malformed_json_in_a_call_is_an_error_call_with_the_text_kept() -> None:
    _, events = run([chunk({"content": 'ok <tool_call>{"name": "calculator", "arguments": {"expression": }</tool_call> after'}),
                     chunk(finish="stop")])
    calls, answer = calls_and_answer(events)
    assert answer == "ok  after"
    assert len(calls) == 1 and "not valid JSON" in calls[0].error
    assert json.loads(calls[0].arguments)["text"].startswith('{"name": "calculator"')
    acc = ToolCallAccumulator()
    acc.add_text_call(calls[0])
    assert "not valid JSON" in acc.errors["call_text_0"]


def test_a_call_without_a_name_and_an_unclosed_call_are_errors_too() -> None:
    _, events = run([chunk({"content": '<tool_call>["x"]</tool_call><tool_call>{"name": "clock", "arguments": {}}'})])
    calls, _ = calls_and_answer(events)
    assert "must be a JSON object" in calls[0].error
    assert (calls[1].name, calls[1].error) == ("clock", "")  # the stream ended before </tool_call>: still read


def test_tool_call_text_inside_thinking_is_only_thinking() -> None:
    _, events = run([chunk({"content": "<think>maybe " + CALL + "</think>Fine."}), chunk(finish="stop")])
    calls, answer = calls_and_answer(events)
    assert calls == [] and answer == "Fine."


def test_a_lone_angle_bracket_is_released_as_text() -> None:
    _, events = run([chunk({"content": "a <tool"}), chunk({"content": "s> b <"}), chunk(finish="stop")])
    assert calls_and_answer(events) == ([], "a <tools> b <")
