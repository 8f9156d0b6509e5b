"""A scripted OpenAI-compatible upstream for deterministic tests.

Markers in the last user message pick the script: `[reasoning]`, `[tool:NAME {json}]`, `[slow]`,
`[error]`, `[cut]`, `[xss]`, `[long]`, `[chunks:N]` (N answer chunks, no thinking), `[delay:S]` (wait S seconds
before answering), `[pace:S]` (spread the answer over S seconds), `[hold]` (wait until POST /_release),
`[status:N]` (an HTML error page with status N); Hebrew in the question gets a Hebrew answer.
`--slots N` makes it a llama-server stand-in: N requests at a time, the rest wait first-come-first-served,
and `GET /props` reports `total_slots`.
Run: `python -m tests.fake_upstream --port N [--name NAME] [--slots N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
import uuid
from dataclasses import dataclass, field

from aiohttp import web

MODEL = "scripted-model"
_TOOL = re.compile(r"\[tool:(\w+)\s*(\{.*?\})?\]", re.S)
_HEBREW = re.compile(r"[\u0590-\u05FF]")
_CHUNKS = re.compile(r"\[chunks:(\d+)\]")
_DELAY = re.compile(r"\[delay:([\d.]+)\]")
_STATUS = re.compile(r"\[status:(\d{3})\]")
_PACE = re.compile(r"\[pace:([\d.]+)\]")


@dataclass
class Stats:
    requests: list[dict] = field(default_factory=list)
    active_streams: int = 0
    completed_streams: int = 0
    cancelled_streams: int = 0
    active: int = 0
    peak_active: int = 0
    waiting: int = 0  # requests queued here for a slot
    peak_waiting: int = 0
    served: list[str] = field(default_factory=list)  # last user message of each request, in the order served


@dataclass
class Script:
    """What to send: thinking, answer pieces, tool calls, and how."""

    thinking: str = ""
    answer_parts: list[str] = field(default_factory=list)
    tool_call: dict | None = None
    reasoning_field: bool = False
    delay_s: float = 0.0
    cut_after: int | None = None


def _last_user(messages: list[dict]) -> str:
    for msg in reversed(messages):
        if msg.get("role") == "user":
            content = msg.get("content")
            if isinstance(content, list):
                return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
            return content or ""
    return ""


def _words(text: str) -> list[str]:
    return [w + " " for w in text.split(" ")]


def build_script(messages: list[dict], request_number: int = 0) -> Script:
    """Choose the scripted reply from the conversation (`request_number` counts chat requests from 1)."""
    question = _last_user(messages)
    tool_results = [m for m in messages if m.get("role") == "tool"]
    hebrew = bool(_HEBREW.search(question))
    script = Script(reasoning_field="[reasoning]" in question)
    script.thinking = (
        "המשתמש שואל שאלה. אענה בקצרה ובבהירות." if hebrew else "The user asks a question. I will answer briefly and clearly."
    )
    tool = _TOOL.search(question)
    if tool and not tool_results:
        args = tool.group(2) or "{}"
        script.tool_call = {"name": tool.group(1), "arguments": args}
        script.thinking = f"I should call the {tool.group(1)} tool."
        return script
    if tool_results:
        result = tool_results[-1].get("content", "")
        answer = f"לפי הכלי: {result}" if hebrew else f"The tool says: {result}"
    elif "[xss]" in question:
        answer = "Here is markup: <img src=x onerror=alert(1)> and <script>alert(2)</script> done."
    elif "[count]" in question:
        answer = f"This is answer number {request_number}."
    elif "[long]" in question:
        answer = " ".join(f"word{i}" for i in range(4000))
    elif hebrew:
        answer = "שלום! זו **תשובה** בעברית.\n\n- פריט ראשון\n- פריט שני\n\n```python\nprint('hello')\n```"
    else:
        answer = "Hello! This is a **scripted** answer.\n\n- first item\n- second item\n\n```python\nprint('hello')\n```"
    script.answer_parts = _words(answer)
    chunks = _CHUNKS.search(question)
    if chunks:
        script.thinking = ""
        script.answer_parts = [f"w{i} " for i in range(int(chunks.group(1)))]
    if "[slow]" in question:
        script.answer_parts = _words(" ".join(f"slow{i}" for i in range(400)))
        script.delay_s = 0.05
    if "[slowthink]" in question:
        script.thinking = " ".join(["Let me think this through step by step."] * 4)
        script.delay_s = 0.15
    if "[cut]" in question:
        script.cut_after = 5
    pace = _PACE.search(question)
    if pace:
        deltas = len(_words(script.thinking)) + len(script.answer_parts) + 5 if script.thinking else len(script.answer_parts) + 2
        script.delay_s = float(pace.group(1)) / deltas
    return script


def _usage(messages: list[dict], completion: int) -> dict:
    prompt = sum(len(str(m.get("content") or "").split()) + 4 for m in messages)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _chunk(cid: str, model: str, delta: dict, finish: str | None = None) -> dict:
    return {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


class Upstream:
    """The aiohttp application and its counters."""

    def __init__(self, name: str, slots: int = 0) -> None:
        self.name = name
        self.stats = Stats()
        self.slots = slots
        self._slots = asyncio.Semaphore(slots) if slots else None  # FIFO, like llama-server's queue
        self._released = asyncio.Event()
        self.app = web.Application()
        self.app.add_routes(
            [
                web.get("/health", self.health),
                web.get("/v1/models", self.models),
                web.get("/models", self.models),
                web.post("/v1/chat/completions", self.chat),
                web.post("/chat/completions", self.chat),
                web.get("/_stats", self.get_stats),
                web.post("/_reset", self.reset),
                web.post("/_release", self.release),
                web.get("/props", self.props),
            ]
        )

    async def health(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def models(self, _: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": self.name}]})

    async def get_stats(self, _: web.Request) -> web.Response:
        s = self.stats
        return web.json_response(
            {
                "name": self.name,
                "requests": s.requests,
                "active_streams": s.active_streams,
                "completed_streams": s.completed_streams,
                "cancelled_streams": s.cancelled_streams,
                "active": s.active,
                "peak_active": s.peak_active,
                "peak_waiting": s.peak_waiting,
                "served": s.served,
            }
        )

    async def reset(self, _: web.Request) -> web.Response:
        self.stats = Stats()
        self._released = asyncio.Event()
        return web.json_response({"ok": True})

    async def release(self, _: web.Request) -> web.Response:
        """Let every `[hold]` request (now and later) answer."""
        self._released.set()
        return web.json_response({"ok": True})

    async def props(self, _: web.Request) -> web.Response:
        if not self.slots:
            return web.json_response({"error": {"message": "no /props here"}}, status=404)
        return web.json_response({"total_slots": self.slots, "model_alias": MODEL,
                                  "default_generation_settings": {"n_ctx": 4096}})

    async def chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.stats.requests.append({"body": body, "headers": {k.lower(): v for k, v in request.headers.items()}})
        if self._slots is None:
            return await self._serve(request, body)
        stats = self.stats
        if not self._slots.locked():
            await self._slots.acquire()
        else:  # every slot busy: this request queues here, as on llama-server
            stats.waiting += 1
            stats.peak_waiting = max(stats.peak_waiting, stats.waiting)
            try:
                await self._slots.acquire()
            finally:
                stats.waiting -= 1
        try:
            return await self._serve(request, body)
        finally:
            self._slots.release()

    async def _serve(self, request: web.Request, body: dict) -> web.StreamResponse:
        stats = self.stats
        stats.active += 1
        stats.peak_active = max(stats.peak_active, stats.active)
        try:
            return await self._answer(request, body)
        finally:
            stats.active -= 1

    async def _answer(self, request: web.Request, body: dict) -> web.StreamResponse:
        messages = body.get("messages") or []
        question = _last_user(messages)
        self.stats.served.append(question)
        if "[hold]" in question:
            await self._released.wait()
        if "[error]" in question:
            return web.json_response({"error": {"message": "scripted failure", "type": "server_error"}}, status=500)
        status = _STATUS.search(question)
        if status:
            return web.Response(text="<html><body>denied by the proxy</body></html>", status=int(status.group(1)),
                                content_type="text/html")
        delay = _DELAY.search(question)
        if delay:
            await asyncio.sleep(float(delay.group(1)))
        script = build_script(messages, len(self.stats.requests))
        model = body.get("model") or MODEL
        if body.get("stream"):
            return await self._stream(request, body, script, model)
        return web.json_response(self._complete(messages, script, model))

    def _complete(self, messages: list[dict], script: Script, model: str) -> dict:
        message: dict = {"role": "assistant", "content": ""}
        completion = len(script.thinking.split())
        if script.tool_call:
            message["tool_calls"] = [{"id": "call_1", "type": "function", "function": script.tool_call}]
            message["content"] = None
            finish = "tool_calls"
        else:
            answer = "".join(script.answer_parts).rstrip()
            completion += len(script.answer_parts)
            if script.reasoning_field:
                message["reasoning_content"] = script.thinking
                message["content"] = answer
            else:
                message["content"] = f"<think>{script.thinking}</think>{answer}"
            finish = "stop"
        return {
            "id": "chatcmpl-" + uuid.uuid4().hex[:12],
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": _usage(messages, completion),
        }

    async def _stream(self, request: web.Request, body: dict, script: Script, model: str) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await resp.prepare(request)
        cid = "chatcmpl-" + uuid.uuid4().hex[:12]
        self.stats.active_streams += 1
        sent = 0
        try:
            deltas = self._deltas(script)
            for delta, finish in deltas:
                if script.cut_after is not None and sent >= script.cut_after:
                    request.transport.close()  # type: ignore[union-attr]
                    return resp
                await resp.write(f"data: {json.dumps(_chunk(cid, model, delta, finish), ensure_ascii=False)}\n\n".encode())
                sent += 1
                await asyncio.sleep(script.delay_s)
            if (body.get("stream_options") or {}).get("include_usage"):
                completion = len(script.thinking.split()) + len(script.answer_parts)
                final = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                         "choices": [], "usage": _usage(body.get("messages") or [], completion)}
                await resp.write(f"data: {json.dumps(final)}\n\n".encode())
            await resp.write(b"data: [DONE]\n\n")
            self.stats.completed_streams += 1
            return resp
        except (ConnectionResetError, asyncio.CancelledError):
            self.stats.cancelled_streams += 1
            raise
        finally:
            self.stats.active_streams -= 1

    def _deltas(self, script: Script) -> list[tuple[dict, str | None]]:
        out: list[tuple[dict, str | None]] = [({"role": "assistant", "content": ""}, None)]
        thought = _words(script.thinking) if script.thinking else []
        if thought and script.reasoning_field:
            out += [({"reasoning_content": w}, None) for w in thought]
        elif thought:
            # Split the tags across chunks on purpose: clients must cope.
            out += [({"content": "<thi"}, None), ({"content": "nk>"}, None)]
            out += [({"content": w}, None) for w in thought]
            out += [({"content": "</think>"}, None)]
        if script.tool_call:
            args = script.tool_call["arguments"]
            half = len(args) // 2
            out.append(({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                         "function": {"name": script.tool_call["name"], "arguments": args[:half]}}]}, None))
            out.append(({"tool_calls": [{"index": 0, "function": {"arguments": args[half:]}}]}, None))
            out.append(({}, "tool_calls"))
            return out
        out += [({"content": w}, None) for w in script.answer_parts]
        out.append(({}, "stop"))
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", default="upstream")
    parser.add_argument("--slots", type=int, default=0, help="answer N requests at a time, like llama-server --parallel N")
    args = parser.parse_args()
    web.run_app(Upstream(args.name, args.slots).app, host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
