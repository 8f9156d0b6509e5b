"""The tools the chat offers the model, and how a call is run."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from dictachat.tools import calculator, clock, hebrew_calendar
from dictachat.tools.base import Tool, ToolError

log = logging.getLogger(__name__)

TOOLS: dict[str, Tool] = {
    tool.name: tool
    for tool in (calculator.TOOL, clock.TOOL, hebrew_calendar.TO_HEBREW, hebrew_calendar.TO_GREGORIAN)
}


@dataclass(frozen=True)
class ToolOutcome:
    content: str  # what goes back to the model: JSON text
    ok: bool
    ms: int


def specs() -> list[dict[str, Any]]:
    """The OpenAI `tools` list for a request."""
    return [tool.spec() for tool in TOOLS.values()]


def run_tool(name: str, arguments: str) -> ToolOutcome:
    """Run one call; bad names or arguments become an error result the model can read."""
    start = time.perf_counter()
    try:
        tool = TOOLS.get(name)
        if tool is None:
            raise ToolError(f"unknown tool {name!r}; available: {', '.join(TOOLS)}")
        try:
            args = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError as exc:
            raise ToolError(f"arguments are not valid JSON: {exc.msg}") from None
        if not isinstance(args, dict):
            raise ToolError("arguments must be a JSON object")
        result, ok = tool.run(args), True
    except ToolError as exc:
        result, ok = {"error": str(exc)}, False
    except Exception:  # a tool bug must not end the conversation; the model is told and the log keeps the trace
        log.exception("tool %s failed", name)
        result, ok = {"error": f"the {name} tool failed unexpectedly"}, False
    ms = round((time.perf_counter() - start) * 1000)
    return ToolOutcome(json.dumps(result, ensure_ascii=False), ok, ms)
