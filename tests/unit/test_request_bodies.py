"""Strict request bodies (gateway.jsonbody, gateway.proxy.payload): one test per class of bad input, naming the field."""

from __future__ import annotations

import json

import pytest

from common.time_units import parse_duration as parse_ttl
from gateway.errors import GatewayError
from gateway.jsonbody import MAX_DEPTH, parse_json
from gateway.proxy.payload import parse_payload


def refusal(body: bytes, controls: bool = False) -> str:
    with pytest.raises(GatewayError) as info:
        parse_json(body, refuse_controls=controls)
    assert info.value.status == 400
    return info.value.message


def chat(**fields: object) -> bytes:
    return json.dumps({"messages": [{"role": "user", "content": "hi"}], **fields}).encode()


def test_invalid_utf8_and_utf8_encoded_surrogates() -> None:
    assert "not valid UTF-8 (bad byte at offset 10)" in refusal(b'{"name": "\xff"}')
    assert "not valid UTF-8" in refusal(b'{"name": "\xed\xa0\x80"}')


def test_nesting_beyond_the_parser_and_beyond_the_limit() -> None:
    assert "nested too deeply" in refusal(b"[" * 200_000 + b"]" * 200_000)
    deep = {"a": json.loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))}
    assert "'a[0]" in refusal(json.dumps(deep).encode()) and "levels deep" in refusal(json.dumps(deep).encode())
    assert parse_json(json.dumps({"a": json.loads("[" * 10 + "]" * 10)}).encode())


def test_lone_surrogates_in_values_and_in_keys() -> None:
    assert "'a.b' contains a lone UTF-16 surrogate" in refusal(b'{"a": {"b": "\\udc00"}}')
    assert "contains a lone UTF-16 surrogate" in refusal(b'{"\\ud800": 1}')
    assert parse_json(b'{"a": "\\ud83d\\ude00"}') == {"a": "\U0001F600"}  # a valid pair is an emoji


def test_nul_always_other_controls_only_when_asked() -> None:
    assert "'a[1]' contains a NUL" in refusal(b'{"a": ["x", "\\u0000"]}')
    assert parse_json(b'{"a": "\\u001b[0m\\b"}') == {"a": "\x1b[0m\b"}
    assert "'a' contains a control character" in refusal(b'{"a": "\\u001b"}', controls=True)
    assert "'a' contains a control character" in refusal(b'{"a": "\\f"}', controls=True)
    assert parse_json(b'{"a": "tab\\tnew\\nline\\r"}', refuse_controls=True) == {"a": "tab\tnew\nline\r"}


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
def test_non_finite_numbers(number: str) -> None:
    assert "'x.y' must be a finite number" in refusal(f'{{"x": {{"y": {number}}}}}'.encode())


def test_integers_beyond_64_bits() -> None:
    assert parse_json(b'{"n": 9223372036854775807}') == {"n": 2**63 - 1}
    assert "'n' is out of range" in refusal(b'{"n": 9223372036854775808}')
    assert "'n' is out of range" in refusal(b'{"n": -9223372036854775809}')
    assert "not valid JSON" in refusal(b'{"n": ' + b"9" * 5000 + b"}")


def test_chat_fields_wrong_types_and_ranges() -> None:
    cases = {
        "'temperature' is 2.5; it must be from 0 to 2.": chat(temperature=2.5),
        "'temperature' must be a number": chat(temperature=True),
        "'max_tokens' is 0; it must be from 1": chat(max_tokens=0),
        "'max_tokens' must be a whole number": chat(max_tokens=1.5),
        "'n' must be a whole number": chat(n="2"),
        "'stream' must be true or false.": chat(stream=1),
        "'model' must be a string.": chat(model=["a"]),
        "'stop' must be a string or a list of strings.": chat(stop=[1]),
        "'messages[1].role' must be one of": json.dumps({"messages": [{"role": "user"}, {"role": 3}]}).encode(),
        "'messages[0]' must be an object": json.dumps({"messages": ["hi"]}).encode(),
        "'messages' is required": json.dumps({"messages": []}).encode(),
        "must be a JSON object": b"[1]",
    }
    for expected, body in cases.items():
        with pytest.raises(GatewayError) as info:
            parse_payload(body)
        assert expected in info.value.message, (expected, info.value.message)


def test_a_full_openai_request_and_unknown_llama_fields_pass() -> None:
    body = chat(model="m", stream=True, stream_options={"include_usage": True}, temperature=0.7, top_p=1, max_tokens=64,
                seed=-1, stop=["\n"], tools=[], tool_choice="auto", top_k=40, grammar="root ::= \"x\"", user="u")
    assert parse_payload(body)["top_k"] == 40


def test_durations_beyond_a_century_are_refused_not_overflowed() -> None:
    assert parse_ttl("36500d") == 36500 * 86400
    for text in ("36501d", "9" * 400 + "h"):
        with pytest.raises(ValueError, match="longer than 100 years"):
            parse_ttl(text)
