"""Token usage as OpenAI-compatible servers report it: one type for the gateway's accounting and the chat's counters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TokenUsage:
    """Prompt and completion tokens of one answer (or one stream's final chunk)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @classmethod
    def of(cls, payload: Mapping[str, Any]) -> TokenUsage | None:
        """The `usage` object of a completion or a stream chunk; None when it carries none."""
        usage = payload.get("usage")
        if not isinstance(usage, dict):
            return None
        return cls(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))
