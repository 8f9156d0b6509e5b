"""Strict JSON request bodies for both APIs: UTF-8, bounded depth, 64-bit integers, finite numbers, storable text.

Every refusal is a 400 `GatewayError` whose message names the field, e.g. `messages[0].content`.
"""

from __future__ import annotations

import json
import math
from typing import Any

from gateway.errors import GatewayError

MAX_DEPTH = 64
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Control characters text fields of the admin API refuse; tab, newline and carriage return are text.
_CONTROLS = frozenset(chr(c) for c in (*range(0x20), 0x7F)) - {"\t", "\n", "\r"}


def _bad(message: str, code: str = "invalid_request") -> GatewayError:
    return GatewayError(400, message, code=code)


def parse_json(body: bytes, refuse_controls: bool = False) -> Any:
    """The JSON value of `body`, or a 400 saying what is wrong and where.

    Always refused: invalid UTF-8, nesting deeper than MAX_DEPTH, integers outside 64 bits, NaN/Infinity and
    floats that overflow, NUL characters and lone UTF-16 surrogates. With `refuse_controls`, every other
    control character but tab, newline and carriage return too.
    """
    try:
        text = body.decode("utf-8")  # strict: also refuses surrogates encoded as UTF-8 bytes
    except UnicodeDecodeError as exc:
        raise _bad(f"The request body is not valid UTF-8 (bad byte at offset {exc.start}).", "invalid_encoding") from None
    try:
        value = json.loads(text, parse_constant=float)  # NaN/Infinity become floats, refused below with their field
    except RecursionError:
        raise _bad(f"The request body is nested too deeply (the limit is {MAX_DEPTH} levels).", "too_deep") from None
    except ValueError as exc:
        raise _bad(f"The request body is not valid JSON ({exc}).", "invalid_json") from None
    # Characters that need checking can only arrive as \u escapes (or \b, \f): skip the text scan without them.
    scan_text = "\\u" in text or (refuse_controls and ("\\b" in text or "\\f" in text))
    check_value(value, "", 0, scan_text, refuse_controls)
    return value


def field_name(path: str) -> str:
    """`path` as it can be shown in a message: lone surrogates escaped, long names cut."""
    shown = path.encode("utf-8", "backslashreplace").decode("utf-8") if path else "the request body"
    return shown if len(shown) <= 120 else shown[:117] + "..."


def check_text(value: str, path: str, refuse_controls: bool) -> None:
    """400 naming `path` for a NUL, a lone surrogate or (with `refuse_controls`) another control character."""
    if "\x00" in value:
        raise _bad(f"'{field_name(path)}' contains a NUL character (\\u0000), which cannot be stored.", "invalid_text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _bad(f"'{field_name(path)}' contains a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), "
                   "which is not text.", "invalid_text") from None
    if refuse_controls and not _CONTROLS.isdisjoint(value):
        raise _bad(f"'{field_name(path)}' contains a control character; only tab, newline and carriage return "
                   "are allowed.", "invalid_text")


def check_value(value: Any, path: str, depth: int, scan_text: bool = True, refuse_controls: bool = False) -> None:
    """Walk a parsed JSON value; 400 naming the first field that is too deep, out of range or not storable text."""
    if depth > MAX_DEPTH:
        raise _bad(f"'{field_name(path)}' is nested more than {MAX_DEPTH} levels deep.", "too_deep")
    if isinstance(value, str):
        if scan_text:
            check_text(value, path, refuse_controls)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise _bad(f"'{field_name(path)}' is out of range: integers must fit in 64 bits "
                       f"({INT64_MIN} to {INT64_MAX}).", "out_of_range")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _bad(f"'{field_name(path)}' must be a finite number (NaN, Infinity and overflowing numbers like "
                       "1e999 are not allowed).", "out_of_range")
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if scan_text:
                check_text(key, child, refuse_controls)
            check_value(item, child, depth + 1, scan_text, refuse_controls)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_value(item, f"{path}[{index}]", depth + 1, scan_text, refuse_controls)
