"""The user's GPU check (scripts/gpu_check.sh runs it): is there an NVIDIA GPU, and does DictaLM answer
through the gateway in Hebrew, with thinking and with a tool call — with tokens/s, time to first token
and VRAM used.

    python -m gateway.cli.gpu_check detect              # exit 2 without an NVIDIA GPU
    python -m gateway.cli.gpu_check probe --gateway URL --key KEY [--vram-before BYTES]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from common.stream import (
    AnswerDelta,
    Event,
    SSEDecoder,
    StreamParser,
    TextToolCall,
    ThinkingDelta,
    ToolCallDelta,
)
from common.usage import TokenUsage
from gateway.cli.resources import GIB, describe_gpu, read_gpus

NO_GPU_EXIT = 2
HEBREW = re.compile(r"[\u0590-\u05FF]")


@dataclass
class Reply:
    """One streamed answer as the chat would read it."""

    thinking: str = ""
    answer: str = ""
    tool_names: list[str] = field(default_factory=list)
    completion_tokens: int = 0
    ttft_s: float | None = None
    seconds: float = 0.0
    error: str = ""

    def add(self, event: Event) -> None:
        if isinstance(event, ThinkingDelta):
            self.thinking += event.text
        elif isinstance(event, AnswerDelta):
            self.answer += event.text
        elif isinstance(event, ToolCallDelta | TextToolCall) and event.name:
            self.tool_names.append(event.name)
        elif isinstance(event, TokenUsage):
            self.completion_tokens = event.completion_tokens

    @property
    def tokens_per_s(self) -> float:
        generating = self.seconds - (self.ttft_s or 0.0)
        return self.completion_tokens / generating if generating > 0 and self.completion_tokens else 0.0


@dataclass(frozen=True)
class Probe:
    name: str
    question: str
    passed: Callable[[Reply], bool]
    with_tools: bool = False


# The probe's own calculator spec, the shape the chat sends (dictachat.tools.calculator): a gateway tool
# does not import the chat, and the probe only checks that the model calls a tool by name.
CALCULATOR = {"type": "function", "function": {
    "name": "calculator", "description": "Evaluate an arithmetic expression exactly.",
    "parameters": {"type": "object", "required": ["expression"],
                   "properties": {"expression": {"type": "string", "description": "e.g. '(17.5 * 3) / 2'"}}}}}

PROBES = (
    Probe("hebrew", "מה בירת ישראל? ענה במשפט אחד.", lambda r: bool(HEBREW.search(r.answer))),
    Probe("thinking", "If I have 3 apples and eat one, then buy 4 more, how many do I have? Think first.",
          lambda r: bool(r.thinking.strip()) and bool(r.answer.strip())),
    Probe("tool", "Use the calculator tool to compute 1234 * 5678.", lambda r: "calculator" in r.tool_names, with_tools=True),
)


async def ask(client: httpx.AsyncClient, gateway: str, key: str, probe: Probe, starts_in_thinking: bool = True,
              clock: Callable[[], float] = time.perf_counter) -> Reply:
    """Stream one question through the gateway and read it with the chat's own parser."""
    body: dict[str, object] = {"messages": [{"role": "user", "content": probe.question}], "stream": True,
                               "max_tokens": 1024, "stream_options": {"include_usage": True}}
    if probe.with_tools:
        body["tools"] = [CALCULATOR]
    reply, parser, decoder = Reply(), StreamParser(starts_in_thinking), SSEDecoder()
    started = clock()
    try:
        async with client.stream("POST", gateway.rstrip("/") + "/v1/chat/completions", json=body,
                                 headers={"Authorization": f"Bearer {key}"}) as resp:
            if resp.status_code != 200:
                reply.error = f"HTTP {resp.status_code}: {(await resp.aread()).decode(errors='replace')[:200]}"
                return reply
            async for text in resp.aiter_text():
                for payload in decoder.feed(text):
                    for event in parser.feed(payload):
                        if reply.ttft_s is None and isinstance(event, ThinkingDelta | AnswerDelta | ToolCallDelta | TextToolCall):
                            reply.ttft_s = clock() - started
                        reply.add(event)
        for event in parser.close():
            reply.add(event)
    except httpx.HTTPError as exc:
        reply.error = f"{type(exc).__name__}: {exc}"
    reply.seconds = clock() - started
    return reply


def report(results: list[tuple[Probe, Reply]], vram_bytes: int | None) -> tuple[str, bool]:
    """The table a user reads, and whether every probe passed."""
    lines = ["| check | result | tokens/s | time to first token | detail |", "|---|---|---|---|---|"]
    all_ok = True
    for probe, reply in results:
        ok = not reply.error and probe.passed(reply)
        all_ok = all_ok and ok
        ttft = f"{reply.ttft_s:.2f} s" if reply.ttft_s is not None else "—"
        detail = reply.error or (f"tools: {', '.join(reply.tool_names)}" if probe.with_tools else reply.answer)
        detail = " ".join(detail.split())[:60]  # one table row, whatever the answer's lines
        lines.append(f"| {probe.name} | {'pass' if ok else 'FAIL'} | {reply.tokens_per_s:.1f} | {ttft} | {detail} |")
    lines.append(f"VRAM used by the model: {vram_bytes / GIB:.1f} GiB" if vram_bytes is not None else "VRAM used: unknown")
    return "\n".join(lines), all_ok


def vram_used() -> int | None:
    """Bytes in use on all NVIDIA GPUs now (None without one)."""
    gpus = read_gpus().gpus
    return sum(g.memoryUsedBytes for g in gpus) if gpus else None


def detect() -> int:
    """Print the GPUs found, or one clear line and exit code 2 without any."""
    found = read_gpus()
    if not found.gpus:
        print(f"gpu_check: {found.message} This check needs an NVIDIA GPU and its driver; nothing was started.",
              file=sys.stderr)
        return NO_GPU_EXIT
    for gpu in found.gpus:
        print(f"gpu_check: {describe_gpu(gpu)}", file=sys.stderr)
    return 0


async def probe_all(gateway: str, key: str, starts_in_thinking: bool) -> list[tuple[Probe, Reply]]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(600.0, connect=10.0), trust_env=False) as client:
        return [(p, await ask(client, gateway, key, p, starts_in_thinking)) for p in PROBES]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.cli.gpu_check", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("detect", help="is there an NVIDIA GPU?")
    run = sub.add_parser("probe", help="ask the three questions through a running gateway")
    run.add_argument("--gateway", required=True)
    run.add_argument("--key", required=True)
    run.add_argument("--vram-before", type=int, default=None, help="bytes in use before the model was loaded")
    run.add_argument("--no-opened-thinking", action="store_true", help="the chat template does not open <think>")
    args = parser.parse_args(argv)
    if args.command == "detect":
        return detect()
    results = asyncio.run(probe_all(args.gateway, args.key, not args.no_opened_thinking))
    now = vram_used()
    table, ok = report(results, now - args.vram_before if now is not None and args.vram_before is not None else None)
    print(table)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
