"""`python -m gateway.cli.stackcheck` (run by test-stack.sh): smoke-test a running stack, one PASS/FAIL line per check.

Works for the native and the docker-compose stack alike: everything is reached on 127.0.0.1 at the
ports of the settings (environment over `.env`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from common.settings import Settings
from gateway.bootstrap import FRONTEND_KEY_NAME

PROMPT = [{"role": "user", "content": "Say hello in one short sentence."}]
CHAT_TIMEOUT = httpx.Timeout(10.0, read=600.0)  # a 24B model on a CPU needs minutes


class CheckFailed(Exception):
    pass


@dataclass
class Stack:
    settings: Settings
    http: httpx.Client
    started_at: float = field(default_factory=time.time)
    usage: dict[str, int] = field(default_factory=dict)

    def url(self, port: int, path: str) -> str:
        return f"http://127.0.0.1:{port}{path}"

    def chat_body(self, stream: bool) -> dict[str, Any]:
        return {"model": "default", "messages": PROMPT, "max_tokens": 48, "temperature": 0, "stream": stream}

    def bearer(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def admin(self) -> dict[str, str]:
        return {"X-API-KEY": self.settings.gateway.admin_pass}


def expect(ok: bool, message: str) -> None:
    if not ok:
        raise CheckFailed(message)


def _get_ok(stack: Stack, url: str) -> httpx.Response:
    resp = stack.http.get(url)
    expect(resp.status_code == 200, f"{url} answered HTTP {resp.status_code}")
    return resp


def check_llama(stack: Stack) -> str:
    _get_ok(stack, stack.url(stack.settings.stack.llama_host_port, "/health"))
    url = stack.url(stack.settings.stack.llama_host_port, "/v1/models")
    resp = stack.http.get(url, headers=stack.bearer(stack.settings.gateway.llama_api_key))
    expect(resp.status_code == 200, f"{url} with LLAMA_API_KEY answered HTTP {resp.status_code}")
    return "model " + ", ".join(m["id"] for m in resp.json().get("data", []))


def check_llama_key(stack: Stack) -> str:
    expect(bool(stack.settings.gateway.llama_api_key), "LLAMA_API_KEY is empty: llama-server serves anyone")
    url = stack.url(stack.settings.stack.llama_host_port, "/v1/chat/completions")
    for headers, what in (({}, "no key"), (stack.bearer("sk-not-the-llama-key"), "a wrong key")):
        resp = stack.http.post(url, json=stack.chat_body(False), headers=headers)
        expect(resp.status_code == 401, f"a request with {what} got HTTP {resp.status_code}, not 401")
    return "a request without its key, or with a wrong one, gets 401"


def check_gateway(stack: Stack) -> str:
    _get_ok(stack, stack.url(stack.settings.gateway.bricksllm_proxy_port, "/api/health"))
    health = _get_ok(stack, stack.url(stack.settings.gateway.bricksllm_admin_port, "/api/health")).json()
    expect(health.get("status") == "ok" and health.get("database") is True, f"admin /api/health says {health}")
    expect(health.get("redis") in (True, None), f"Redis does not answer: {health}")
    redis = "in-process store" if health.get("redis") is None else "Redis ok"
    return f"proxy and admin up, database ok, {redis}"


def check_dictachat(stack: Stack) -> str:
    _get_ok(stack, stack.url(stack.settings.chat.dictachat_port, "/ping"))
    page = _get_ok(stack, stack.url(stack.settings.chat.dictachat_port, "/"))
    expect("<html" in page.text.lower(), "/ did not return an HTML page")
    return "chat page and backend answer"


def _answer_text(message: dict[str, Any]) -> str:
    return (message.get("content") or "") + (message.get("reasoning_content") or "")


def check_chat(stack: Stack) -> str:
    url = stack.url(stack.settings.gateway.bricksllm_proxy_port, "/api/custom/providers/llama-cpp-root/chat/completions")
    resp = stack.http.post(url, json=stack.chat_body(False), headers=stack.bearer(stack.settings.chat.frontend_api_key),
                           timeout=CHAT_TIMEOUT)
    expect(resp.status_code == 200, f"HTTP {resp.status_code}: {resp.text[:300]}")
    body = resp.json()
    text = _answer_text(body["choices"][0]["message"]).strip()
    usage = body.get("usage") or {}
    expect(bool(text), "the answer is empty")
    expect(usage.get("completion_tokens", 0) > 0 and usage.get("prompt_tokens", 0) > 0, f"no token usage: {usage}")
    stack.usage = usage
    return f"{usage['prompt_tokens']}+{usage['completion_tokens']} tokens: {text[:60]!r}"


def check_stream(stack: Stack) -> str:
    url = stack.url(stack.settings.gateway.bricksllm_proxy_port, "/v1/chat/completions")
    chunks, text, done = 0, "", False
    with stack.http.stream("POST", url, json=stack.chat_body(True), timeout=CHAT_TIMEOUT,
                           headers=stack.bearer(stack.settings.chat.frontend_api_key)) as resp:
        expect(resp.status_code == 200, f"HTTP {resp.status_code}")
        for line in resp.iter_lines():
            if not line.startswith("data: "):
                continue
            if line == "data: [DONE]":
                done = True
                continue
            chunk = json.loads(line[6:])
            expect("error" not in chunk, f"error chunk: {chunk.get('error')}")
            chunks += 1
            for choice in chunk.get("choices") or []:
                text += _answer_text(choice.get("delta") or {})
    expect(bool(text.strip()), "no text arrived")
    expect(done, "the stream did not end with data: [DONE]")
    return f"{chunks} chunks, ended with [DONE]"


def _frontend_key_ids(stack: Stack) -> list[str]:
    url = stack.url(stack.settings.gateway.bricksllm_admin_port, "/api/key-management/keys")
    resp = stack.http.get(url, params={"name": FRONTEND_KEY_NAME}, headers=stack.admin())
    expect(resp.status_code == 200, f"listing keys: HTTP {resp.status_code}")
    ids = [k["keyId"] for k in resp.json() if str(k.get("key", "")).endswith(stack.settings.chat.frontend_api_key[-4:])]
    expect(bool(ids), "the frontend key is not in the admin API")
    return ids


def check_event(stack: Stack) -> str:
    expect(bool(stack.usage), "no chat completion to look for")
    url = stack.url(stack.settings.gateway.bricksllm_admin_port, "/api/events")
    params: dict[str, str | int] = {"keyIds": ",".join(_frontend_key_ids(stack)), "start": int(stack.started_at) - 1}
    deadline = time.monotonic() + 20  # events are written in batches, off the request path
    while True:
        resp = stack.http.get(url, params=params, headers=stack.admin())
        expect(resp.status_code == 200, f"HTTP {resp.status_code}: {resp.text[:200]}")
        for event in resp.json():
            if (not event["stream"] and event["status"] == 200
                    and event["prompt_token_count"] == stack.usage["prompt_tokens"]
                    and event["completion_token_count"] == stack.usage["completion_tokens"]):
                return (f"event {event['id']}: {event['prompt_token_count']}+{event['completion_token_count']} "
                        f"tokens, {event['latency_in_ms']:.0f} ms, ${event['cost_in_usd']:g}")
        expect(time.monotonic() < deadline, "no event with the answer's token counts after 20 s")
        time.sleep(0.5)


def check_refusals(stack: Stack) -> str:
    url = stack.url(stack.settings.gateway.bricksllm_proxy_port, "/v1/chat/completions")
    resp = stack.http.post(url, json=stack.chat_body(False), headers=stack.bearer("sk-not-a-real-key"))
    expect(resp.status_code == 401, f"a bad key got HTTP {resp.status_code}")
    expect("message" in resp.json().get("error", {}), "the 401 is not in the OpenAI error shape")
    admin = stack.http.get(stack.url(stack.settings.gateway.bricksllm_admin_port, "/api/key-management/keys"),
                           headers={"X-API-KEY": "wrong"})
    expect(admin.status_code == 401, f"a wrong admin password got HTTP {admin.status_code}")
    return "bad key and wrong admin password refused with 401"


CHECKS: list[tuple[str, Callable[[Stack], str]]] = [
    ("llama-server health", check_llama),
    ("llama-server refuses requests without its key", check_llama_key),
    ("gateway health", check_gateway),
    ("dictachat health", check_dictachat),
    ("chat completion through the proxy", check_chat),
    ("streamed chat completion", check_stream),
    ("event recorded in the admin API", check_event),
    ("401 for a bad key", check_refusals),
]


def run(stack: Stack) -> int:
    failed = 0
    for name, check in CHECKS:
        try:
            print(f"PASS  {name}: {check(stack)}", flush=True)
        except httpx.TransportError as exc:
            failed += 1
            print(f"FAIL  {name}: cannot reach {exc.request.url} ({exc or type(exc).__name__})", flush=True)
        except (CheckFailed, httpx.HTTPError, ValueError, KeyError) as exc:
            failed += 1
            print(f"FAIL  {name}: {exc or type(exc).__name__}", flush=True)
    print(f"{len(CHECKS) - failed}/{len(CHECKS)} checks passed")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="test-stack.sh", description=__doc__.splitlines()[0])
    parser.add_argument("--env-file", type=Path, default=Path(".env"))
    args = parser.parse_args(argv)
    settings = Settings.load(args.env_file)
    with httpx.Client(timeout=httpx.Timeout(10.0), trust_env=False) as http:
        return run(Stack(settings, http))


if __name__ == "__main__":
    sys.exit(main())
