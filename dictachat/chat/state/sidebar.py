"""The sidebar's conversation list, grouped by age, with rename and delete."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import reflex as rx

from dictachat.chat import history
from dictachat.chat.history import ConversationItem
from dictachat.chat.state.conversation import ChatState

DAY_S = 86_400


def _start_of_today() -> float:
    now = time.localtime()
    return time.mktime((now.tm_year, now.tm_mon, now.tm_mday, 0, 0, 0, 0, 0, -1))


class ChatSidebarState(rx.State):
    conversations: list[ConversationItem] = []
    rename_id: str = ""
    rename_title: str = ""
    delete_id: str = ""

    @rx.var
    def today(self) -> list[ConversationItem]:
        start = _start_of_today()
        return [c for c in self.conversations if c.updated_at >= start]

    @rx.var
    def this_week(self) -> list[ConversationItem]:
        start = _start_of_today()
        return [c for c in self.conversations if start - 6 * DAY_S <= c.updated_at < start]

    @rx.var
    def older(self) -> list[ConversationItem]:
        cutoff = _start_of_today() - 6 * DAY_S
        return [c for c in self.conversations if c.updated_at < cutoff]

    @rx.event
    async def refresh(self) -> None:
        await self._refresh()

    async def _refresh(self) -> None:
        self.conversations = await asyncio.to_thread(history.list_conversations)

    @rx.event
    def start_rename(self, conv_id: str, title: str) -> None:
        self.rename_id, self.rename_title = conv_id, title

    @rx.event
    def cancel_rename(self) -> None:
        self.rename_id = ""

    @rx.event
    async def save_rename(self, form: dict[str, Any]) -> None:
        title = str(form.get("title", "")).strip()
        if self.rename_id and title:
            await asyncio.to_thread(history.rename_conversation, self.rename_id, title)
        self.rename_id = ""
        await self._refresh()

    @rx.event
    def ask_delete(self, conv_id: str) -> None:
        self.delete_id = conv_id

    @rx.event
    def cancel_delete(self) -> None:
        self.delete_id = ""

    @rx.event
    async def confirm_delete(self):
        conv_id, self.delete_id = self.delete_id, ""
        if not conv_id:
            return
        await asyncio.to_thread(history.delete_conversation, conv_id)
        await self._refresh()
        chat = await self.get_state(ChatState)
        if chat.conv_id == conv_id:
            yield ChatState.new_chat
