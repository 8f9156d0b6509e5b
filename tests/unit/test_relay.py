"""The SSE relay forwards events unchanged, notes usage and the first byte, and reports a broken stream."""

from __future__ import annotations

import json

from gateway.upstream import Answer, relay_events


class _Content:
    def __init__(self, parts: list[bytes], fail: Exception | None = None) -> None:
        self._parts, self._fail = parts, fail

    async def iter_any(self):  # type: ignore[no-untyped-def]
        for part in self._parts:
            yield part
        if self._fail:
            raise self._fail


class _Resp:
    def __init__(self, content: _Content) -> None:
        self.content = content
        self.released = False

    def release(self) -> None:
        self.released = True


def _event(payload: dict) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


CHUNK = _event({"model": "m", "choices": [{"index": 0, "delta": {"content": "<think>hi"}}]})
USAGE = _event({"model": "m", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4}})


async def _run(parts: list[bytes], strip: bool, fail: Exception | None = None) -> tuple[bytes, Answer, _Resp]:
    resp, state = _Resp(_Content(parts, fail)), Answer()
    out = b"".join([c async for c in relay_events(resp, state, strip_usage=strip, clock=lambda: 1.0)])  # type: ignore[arg-type]
    return out, state, resp


async def test_events_split_across_reads_pass_unchanged() -> None:
    data = CHUNK + USAGE + b"data: [DONE]\n\n"
    parts = [data[:7], data[7:50], data[50:]]
    out, state, resp = await _run(parts, strip=False)
    assert out == data and state.done and resp.released
    assert state.usage is not None and (state.usage.prompt_tokens, state.usage.completion_tokens, state.model) == (3, 4, "m")
    assert state.first_token_at == 1.0 and not state.error


async def test_usage_chunk_is_hidden_from_clients_that_did_not_ask() -> None:
    out, state, _ = await _run([CHUNK, USAGE, b"data: [DONE]\n\n"], strip=True)
    assert out == CHUNK + b"data: [DONE]\n\n" and state.usage is not None


async def test_stream_ending_without_done_ends_with_an_error_event() -> None:
    out, state, _ = await _run([CHUNK], strip=True)
    assert state.error and out.startswith(CHUNK)
    last = json.loads(out[len(CHUNK):].decode()[6:])
    assert last["error"]["code"] == "upstream_stream_broken"


async def test_connection_error_mid_stream_is_reported() -> None:
    import aiohttp

    out, state, _ = await _run([CHUNK], strip=True, fail=aiohttp.ClientPayloadError("boom"))
    assert "mid-stream" in state.error and b'"error"' in out
