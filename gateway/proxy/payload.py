"""The chat request body the proxy accepts: strict JSON (gateway.jsonbody) and OpenAI's fields with their types and ranges.

Fields the gateway does not know (llama-server's `top_k`, `grammar`, ...) pass through after the JSON checks.
"""

from __future__ import annotations

from typing import Any

from gateway.errors import GatewayError
from gateway.jsonbody import INT64_MAX, INT64_MIN, parse_json

INT32_MAX = 2**31 - 1
ROLES = ("system", "developer", "user", "assistant", "tool", "function")

# field: (low, high) for numbers that may be fractional, and for integers.
_NUMBERS = {"temperature": (0.0, 2.0), "top_p": (0.0, 1.0), "presence_penalty": (-2.0, 2.0),
            "frequency_penalty": (-2.0, 2.0)}
_INTEGERS = {"max_tokens": (1, INT32_MAX), "max_completion_tokens": (1, INT32_MAX), "n": (1, 128),
             "top_logprobs": (0, 20), "seed": (INT64_MIN, INT64_MAX)}
# field: (accepted types, what the message calls them)
_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "model": ((str,), "a string"),
    "user": ((str,), "a string"),
    "stream": ((bool,), "true or false"),
    "logprobs": ((bool,), "true or false"),
    "parallel_tool_calls": ((bool,), "true or false"),
    "stream_options": ((dict,), 'an object like {"include_usage": true}'),
    "response_format": ((dict,), "an object"),
    "logit_bias": ((dict,), "an object"),
    "tools": ((list,), "a list"),
    "tool_choice": ((str, dict), "a string or an object"),
    "stop": ((str, list), "a string or a list of strings"),
}


def _bad(field: str, message: str) -> GatewayError:
    return GatewayError(400, f"'{field}' {message}", code=f"invalid_{field.split('[')[0].split('.')[0]}")


def parse_payload(body: bytes) -> dict[str, Any]:
    """The chat request as JSON, or 400 naming the field that is wrong and why."""
    payload = parse_json(body)
    if not isinstance(payload, dict):
        raise GatewayError(400, "The request body must be a JSON object.", code="invalid_json")
    _check_messages(payload.get("messages"))
    for field, (types, said) in _TYPES.items():
        value = payload.get(field)
        if value is not None and (not isinstance(value, types) or (bool not in types and isinstance(value, bool))):
            raise _bad(field, f"must be {said}.")
    if isinstance(payload.get("stop"), list) and not all(isinstance(s, str) for s in payload["stop"]):
        raise _bad("stop", "must be a string or a list of strings.")
    for field, (low, high) in _NUMBERS.items():
        value = payload.get(field)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _bad(field, f"must be a number from {low:g} to {high:g}.")
        if not low <= value <= high:
            raise _bad(field, f"is {value:g}; it must be from {low:g} to {high:g}.")
    for field, (lo, hi) in _INTEGERS.items():
        value = payload.get(field)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(field, f"must be a whole number from {lo} to {hi}.")
        if not lo <= value <= hi:
            raise _bad(field, f"is {value}; it must be from {lo} to {hi}.")
    return payload


def _check_messages(messages: Any) -> None:
    if not isinstance(messages, list) or not messages:
        raise GatewayError(400, "'messages' is required: a non-empty list of chat messages.", code="invalid_messages")
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict):
            raise _bad(where, 'must be an object like {"role": "user", "content": "..."}.')
        role = message.get("role")
        if role not in ROLES:
            raise _bad(f"{where}.role", f"must be one of {', '.join(ROLES)}.")
        content = message.get("content")
        if content is not None and not isinstance(content, str | list):
            raise _bad(f"{where}.content", "must be a string, a list of content parts or null.")
