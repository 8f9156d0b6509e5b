"""Per-conversation generation settings (system prompt, sampling, thinking, tools, model); a new
conversation starts from the CHAT_* defaults in `.env`."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from typing import Any

import reflex as rx

from common.settings import DictaChatSettings, get_settings
from dictachat.chat import gateway_client, history, thinking


def _env() -> DictaChatSettings:
    return get_settings().chat


@dataclass
class ChatSettings:
    system_prompt: str = ""
    temperature: float = field(default_factory=lambda: _env().chat_temperature)
    top_p: float = field(default_factory=lambda: _env().chat_top_p)
    max_tokens: int = field(default_factory=lambda: _env().chat_max_tokens)
    repeat_penalty: float = field(default_factory=lambda: _env().chat_repeat_penalty)
    thinking: str = "full"  # off | short | full (dictachat.chat.thinking)
    use_tools: bool = True
    model: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChatSettings:
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


def _number(raw: Any, default: float, low: float, high: float) -> float:
    try:
        return min(high, max(low, float(raw)))
    except (TypeError, ValueError):
        return default


def parse_form(form: dict[str, Any], model: str) -> ChatSettings:
    """Settings dialog fields (strings) → clamped settings."""
    defaults = ChatSettings()
    return ChatSettings(
        system_prompt=str(form.get("system_prompt", "")).strip(),
        temperature=round(_number(form.get("temperature"), defaults.temperature, 0.0, 2.0), 2),
        top_p=round(_number(form.get("top_p"), defaults.top_p, 0.0, 1.0), 2),
        max_tokens=int(_number(form.get("max_tokens"), defaults.max_tokens, 1, 32768)),
        repeat_penalty=round(_number(form.get("repeat_penalty"), defaults.repeat_penalty, 1.0, 2.0), 2),
        thinking=str(form.get("thinking")) if form.get("thinking") in thinking.MODES else defaults.thinking,
        use_tools=form.get("use_tools") in ("on", "true", True),
        model=model,
    )


class ChatSettingsState(rx.State):
    """The settings of the open conversation (or of the next new one)."""

    settings: ChatSettings = ChatSettings()
    models: list[str] = []
    conv_id: str = ""
    dialog_open: bool = False

    def _load(self, conv_id: str, data: dict[str, Any]) -> None:
        """Show a conversation's stored settings (called by the chat state)."""
        self.conv_id = conv_id
        self.settings = ChatSettings.from_dict({**asdict(ChatSettings(model=self.settings.model)), **(data or {})})

    def _current(self) -> ChatSettings:
        return ChatSettings(**asdict(self.settings))

    @rx.event
    async def refresh_models(self) -> None:
        self.models = await gateway_client.list_models()
        if self.models and self.settings.model not in self.models:
            self.settings = ChatSettings(**{**asdict(self.settings), "model": self.models[0]})

    @rx.event
    async def set_model(self, model: str) -> None:
        self.settings = ChatSettings(**{**asdict(self.settings), "model": model})
        await self._persist()

    @rx.event
    def set_dialog_open(self, open_: bool) -> None:
        self.dialog_open = open_

    @rx.event
    async def save(self, form: dict[str, Any]) -> None:
        self.settings = parse_form(form, self.settings.model)
        self.dialog_open = False
        await self._persist()

    @rx.event
    async def restore_defaults(self) -> None:
        self.settings = ChatSettings(model=self.settings.model)
        self.dialog_open = False
        await self._persist()

    async def _persist(self) -> None:
        if self.conv_id:
            await asyncio.to_thread(history.save_settings, self.conv_id, asdict(self.settings))
