"""The conversation on screen: its messages, which one is being edited, switching conversations."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from functools import lru_cache

import reflex as rx
from reflex.event import EventSpec

from dictachat.auth.guard import current_account, to_sign_in
from dictachat.chat import history
from dictachat.chat.answer_blocks import AnswerBlocks
from dictachat.chat.state.settings import ChatSettingsState
from dictachat.chat.turn import ChatMessage, fold_rows

CONV_PREFIX = "/c/"
LIVE_ID = "live"  # the id of the placeholder that holds the place of the turn being generated

SCROLL_DOWN = rx.call_script("window.dictachat && window.dictachat.scrollToBottom(true)")


def set_url(path: str) -> EventSpec:
    """Show the conversation in the address bar without a navigation (a reload reopens it)."""
    return rx.call_script(f"window.history.replaceState(null, '', {json.dumps(path)})")


@dataclass
class AnswerView:
    """An answer as the browser renders it: settled Markdown blocks, then the last one."""

    settled: list[str] = field(default_factory=list)
    tail: str = ""


@lru_cache(maxsize=512)
def _split(content: str) -> tuple[tuple[str, ...], str]:
    blocks = AnswerBlocks()
    blocks.update(content)
    return tuple(blocks.settled), blocks.tail


def answer_view(msg: ChatMessage) -> AnswerView:
    """A stored answer cut the way the streaming one was, so the browser keeps the blocks it already
    rendered while the answer streamed (same place in the list, same text) when the turn ends."""
    if msg.role != "assistant":
        return AnswerView()
    settled, tail = _split(msg.content)
    return AnswerView(list(settled), tail)


class ChatState(rx.State):
    """The conversation on screen (`/c/<id>`, or a new one before its first message).

    Starting, streaming and storing a turn is `ChatLiveState`'s job; it writes the messages back
    here, so this state depends on nothing that generates. While a turn runs, the last message is
    a placeholder (id LIVE_ID) that the page fills from `ChatLiveState`."""

    messages: list[ChatMessage] = []
    answers: list[AnswerView] = []  # one per message, in the same order
    conv_id: str = ""
    editing_id: str = ""
    generating_in: str = ""  # the conversation whose turn is being generated, if any

    def _show(self, messages: list[ChatMessage]) -> None:
        """The only way `messages` change: `answers` follow them."""
        self.messages = messages
        self.answers = [answer_view(m) for m in messages]

    def _add_live_placeholder(self) -> None:
        self._show([*self.messages, ChatMessage(role="assistant", id=LIVE_ID)])

    @rx.var
    def has_messages(self) -> bool:
        return len(self.messages) > 0

    @rx.event
    async def open_conversation(self, conv_id: str):
        """Show one of the signed-in user's conversations; any other id (another user's, made up) shows nothing."""
        account = await current_account(self)
        if account is None:
            yield to_sign_in(CONV_PREFIX + conv_id, ended=True)
            return
        conv = await asyncio.to_thread(history.get_conversation, account.id, conv_id)
        if conv is None:
            await self._clear()
            yield set_url("/")
            return
        rows = await asyncio.to_thread(history.load_rows, account.id, conv_id)
        self.conv_id, self.editing_id = conv_id, ""
        self._show(fold_rows(rows))
        if self.generating_in == conv_id:
            self._add_live_placeholder()
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
        self.conv_id, self.editing_id = "", ""
        self._show([])
        settings = await self.get_state(ChatSettingsState)
        settings.conv_id = ""
