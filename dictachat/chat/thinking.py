"""How much the model may think: the conversation's Thinking mode as a token budget, and whether the
chat template opens `<think>` itself (then an answer starts inside the thinking)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from common.chat_template import opens_thinking
from common.settings import get_settings

MODES = ("off", "short", "full")


def budget(mode: str) -> int | None:
    """Thinking tokens per answer for a mode: none at all, the short budget, or no limit (None)."""
    if mode == "off":
        return 0
    if mode == "short":
        return get_settings().chat.chat_short_thinking_tokens
    return None


@lru_cache(maxsize=1)
def template_opens_thinking() -> bool:
    """Read once per process from CHAT_TEMPLATE_FILE, the template llama-server runs (False when unknown)."""
    path = get_settings().chat.chat_template_file
    if not path or not Path(path).is_file():
        return False
    return opens_thinking(Path(path).read_text(encoding="utf-8"))
