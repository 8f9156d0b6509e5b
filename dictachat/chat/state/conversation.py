"""The open conversation: its messages, sending, regenerate, edit-and-resend, switching conversations."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from dictachat.chat import history
from dictachat.chat.state.live import ChatLiveState
from dictachat.chat.state.settings import ChatSettingsState
from dictachat.chat.state.sidebar import ChatSidebarState
from dictachat.chat.turn import ChatMessage, fold_rows

CONV_PREFIX = "/c/"


def _set_url(path: str) -> EventSpec:
    """Show the conversation in the address bar without a navigation (a reload reopens it)."""
    return rx.call_script(f"window.history.replaceState(null, '', {json.dumps(path)})")


_SCROLL_DOWN = rx.call_script("window.dictachat && window.dictachat.scrollToBottom(true)")


class ChatState(rx.State):
    """The conversation on screen (`/c/<id>`, or a new one before its first message)."""

    messages: list[ChatMessage] = []
    conv_id: str = ""
    editing_id: str = ""

    @rx.var
    def has_messages(self) -> bool:
        return len(self.messages) > 0

    # --- loading -----------------------------------------------------------------------------

    @rx.event
    async def on_load(self):
        """Page load: open the conversation in the URL (`/c/<id>`), else a new chat."""
        live = await self.get_state(ChatLiveState)
        live._reset_if_orphaned()
        path = self.router.url.path or "/"
        conv_id = path[len(CONV_PREFIX):].strip("/") if path.startswith(CONV_PREFIX) else ""
        yield ChatSidebarState.refresh
        yield ChatSettingsState.refresh_models
        if conv_id:
            yield ChatState.open_conversation(conv_id)  # type: ignore[operator]  # Reflex makes handlers callable as events
        elif not live.streaming:
            await self._clear()

    @rx.event
    async def open_conversation(self, conv_id: str):
        conv = await asyncio.to_thread(history.get_conversation, conv_id)
        if conv is None:
            await self._clear()
            yield _set_url("/")
            return
        rows = await asyncio.to_thread(history.load_rows, conv_id)
        self.conv_id, self.messages, self.editing_id = conv_id, fold_rows(rows), ""
        settings = await self.get_state(ChatSettingsState)
        settings._load(conv_id, conv.settings)
        yield _set_url(CONV_PREFIX + conv_id)
        yield _SCROLL_DOWN

    @rx.event
    async def new_chat(self):
        await self._clear()
        yield _set_url("/")
        yield rx.set_focus("composer")

    async def _clear(self) -> None:
        """An empty chat; it keeps the current settings, which the next conversation will start with."""
        self.conv_id, self.messages, self.editing_id = "", [], ""
        settings = await self.get_state(ChatSettingsState)
        settings.conv_id = ""

    # --- sending -----------------------------------------------------------------------------

    @rx.event
    async def send(self, form: dict[str, Any]):
        async for event in self._send(str(form.get("prompt", ""))):
            yield event

    @rx.event
    async def send_text(self, text: str):
        async for event in self._send(text):
            yield event

    async def _send(self, raw: str):
        text = raw.strip()
        live = await self.get_state(ChatLiveState)
        if not text or live.streaming:
            return
        if not self.conv_id:
            settings = await self.get_state(ChatSettingsState)
            self.conv_id = await asyncio.to_thread(
                history.create_conversation, history.title_from(text), asdict(settings._current())
            )
            settings.conv_id = self.conv_id
            yield _set_url(CONV_PREFIX + self.conv_id)
            yield ChatSidebarState.refresh
        stored = await asyncio.to_thread(history.append_rows, self.conv_id, [{"role": "user", "content": text}])
        self.messages = self.messages + fold_rows(stored)
        live._begin(self.conv_id)
        yield _SCROLL_DOWN
        yield ChatLiveState.generate

    @rx.event
    async def regenerate(self):
        """Replace the last answer (also the Retry of a failed one)."""
        live = await self.get_state(ChatLiveState)
        if live.streaming or not self.messages:
            return
        last = self.messages[-1]
        if last.role == "assistant":
            await asyncio.to_thread(history.truncate_from, self.conv_id, last.position)
            self.messages = self.messages[:-1]
        live._begin(self.conv_id)
        yield _SCROLL_DOWN
        yield ChatLiveState.generate

    # --- edit and resend ---------------------------------------------------------------------

    @rx.event
    async def start_edit(self, message_id: str) -> None:
        live = await self.get_state(ChatLiveState)
        if not live.streaming:
            self.editing_id = message_id

    @rx.event
    def cancel_edit(self) -> None:
        self.editing_id = ""

    @rx.event
    async def submit_edit(self, form: dict[str, Any]):
        text = str(form.get("text", "")).strip()
        live = await self.get_state(ChatLiveState)
        target = next((m for m in self.messages if m.id == self.editing_id and m.role == "user"), None)
        self.editing_id = ""
        if target is None or not text or live.streaming:
            return
        await asyncio.to_thread(history.update_content, self.conv_id, target.id, text)
        await asyncio.to_thread(history.truncate_from, self.conv_id, target.position + 1)
        rows = await asyncio.to_thread(history.load_rows, self.conv_id)
        self.messages = fold_rows(rows)
        live._begin(self.conv_id)
        yield ChatLiveState.generate

