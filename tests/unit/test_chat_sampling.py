"""Sampling defaults from `.env` (CHAT_*) reach the chat's requests; a conversation's own settings win;
Thinking off / short / full becomes llama-server's per-request budget."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from common.chat_template import BUNDLED
from common.settings import get_settings
from dictachat.chat import thinking
from dictachat.chat.state.live import _request
from dictachat.chat.state.settings import ChatSettings, parse_form

ROWS = [{"role": "user", "content": "שלום", "id": "1", "position": 0}]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings re-read from a patched environment (and read afresh again afterwards)."""
    monkeypatch.setenv("CHAT_TEMPERATURE", "0.35")
    monkeypatch.setenv("CHAT_TOP_P", "0.8")
    monkeypatch.setenv("CHAT_REPEAT_PENALTY", "1.2")
    monkeypatch.setenv("CHAT_MAX_TOKENS", "777")
    monkeypatch.setenv("CHAT_SHORT_THINKING_TOKENS", "64")
    get_settings.cache_clear()
    thinking.template_opens_thinking.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()
    thinking.template_opens_thinking.cache_clear()


def test_a_new_conversation_samples_with_the_env_defaults(env: pytest.MonkeyPatch) -> None:
    body = _request(ROWS, ChatSettings(model="m")).body([])
    assert (body["temperature"], body["top_p"], body["repeat_penalty"], body["max_tokens"]) == (0.35, 0.8, 1.2, 777)
    assert "reasoning_budget_tokens" not in body  # Thinking: full is the default and has no budget


def test_a_conversation_with_its_own_settings_keeps_them(env: pytest.MonkeyPatch) -> None:
    stored = ChatSettings.from_dict({"temperature": 0.9, "max_tokens": 100, "model": "m"})
    body = _request(ROWS, stored).body([])
    assert (body["temperature"], body["max_tokens"]) == (0.9, 100)
    assert body["top_p"] == 0.8  # not set by the conversation: the default


@pytest.mark.parametrize(("mode", "budget"), [("off", 0), ("short", 64), ("full", None)])
def test_thinking_mode_becomes_the_request_budget(env: pytest.MonkeyPatch, mode: str, budget: int | None) -> None:
    settings = parse_form({"thinking": mode, "temperature": "0.5", "repeat_penalty": "1.1"}, "m")
    assert (settings.thinking, settings.repeat_penalty) == (mode, 1.1)
    assert _request(ROWS, settings).body([]).get("reasoning_budget_tokens") == budget


def test_an_unknown_thinking_mode_from_the_form_falls_back_to_full(env: pytest.MonkeyPatch) -> None:
    assert parse_form({"thinking": "lots"}, "m").thinking == "full"


def test_the_template_file_tells_the_chat_that_answers_start_inside_thinking(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert _request(ROWS, ChatSettings()).starts_in_thinking is False  # no CHAT_TEMPLATE_FILE: unknown
    env.setenv("CHAT_TEMPLATE_FILE", str(BUNDLED))
    get_settings.cache_clear()
    thinking.template_opens_thinking.cache_clear()  # read once per process; the test changes the file
    assert _request(ROWS, ChatSettings()).starts_in_thinking is True
    chatml = tmp_path / "chatml.jinja2"
    chatml.write_text("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
                      "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
    env.setenv("CHAT_TEMPLATE_FILE", str(chatml))
    get_settings.cache_clear()
    thinking.template_opens_thinking.cache_clear()
    assert _request(ROWS, ChatSettings()).starts_in_thinking is False
