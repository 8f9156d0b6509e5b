"""The conversation on screen: its messages, which one is being edited, switching conversations."""

from __future__ import annotations

import asyncio
import json

import reflex as rx
from reflex.event import EventSpec

from dictachat.chat import history
from dictachat.chat.state.settings import ChatSettingsState
from dictachat.chat.turn import ChatMessage, fold_rows

CONV_PREFIX = "/c/"

SCROLL_DOWN = rx.call_script("window.dictachat && window.dictachat.scrollToBottom(true)")


def set_url(path: str) -> EventSpec:
    """Show the conversation in the address bar without a navigation (a reload reopens it)."""
    return rx.call_script(f"window.history.replaceState(null, '', {json.dumps(path)})")


class ChatState(rx.State):
    """The conversation on screen (`/c/<id>`, or a new one before its first message).

    Starting, streaming and storing a turn is `ChatLiveState`'s job; it writes the finished
    messages back here, so this state depends on nothing that generates."""

    messages: list[ChatMessage] = []
    conv_id: str = ""
    editing_id: str = ""

    @rx.var
    def has_messages(self) -> bool:
        return len(self.messages) > 0

    @rx.event
    async def open_conversation(self, conv_id: str):
        conv = await asyncio.to_thread(history.get_conversation, conv_id)
        if conv is None:
            await self._clear()
            yield set_url("/")
            return
        rows = await asyncio.to_thread(history.load_rows, conv_id)
        self.conv_id, self.messages, self.editing_id = conv_id, fold_rows(rows), ""
        settings = await self.get_state(ChatSettingsState)
        settings._load(conv_id, conv.settings)
        yield set_url(CONV_PREFIX + conv_id)
        yield SCROLL_DOWN

    @rx.event
    async def new_chat(self):
        await self._clear()
        yield set_url("/")
        yield rx.set_focus("composer")

    @rx.event
    def cancel_edit(self) -> None:
        self.editing_id = ""

    async def _clear(self) -> None:
        """An empty chat; it keeps the current settings, which the next conversation will start with."""
        self.conv_id, self.messages, self.editing_id = "", [], ""
        settings = await self.get_state(ChatSettingsState)
        settings.conv_id = ""
