"""The assistant turn: started (send, regenerate, edit-and-resend), streamed in a background task,
stoppable, stored when done; and the page load, which must release a turn a restart orphaned."""

from __future__ import annotations

import asyncio
import copy
import logging
from dataclasses import asdict
from typing import Any

import reflex as rx

from dictachat.chat import history, thinking
from dictachat.chat.gateway_client import GENERIC
from dictachat.chat.runner import TurnRequest, run_turn
from dictachat.chat.state.conversation import CONV_PREFIX, SCROLL_DOWN, ChatState, set_url
from dictachat.chat.state.settings import ChatSettings, ChatSettingsState
from dictachat.chat.state.sidebar import ChatSidebarState
from dictachat.chat.turn import ChatMessage, TurnBuilder, fold_rows, request_messages

log = logging.getLogger(__name__)

# The generation task of each browser tab (client token), so Stop can cancel it: cancelling
# closes the HTTP stream to the gateway, which closes the upstream request.
_RUNNING: dict[str, asyncio.Task] = {}


class ChatLiveState(rx.State):
    """Kept apart from the conversation so each streamed update carries only the live turn."""

    live: ChatMessage = ChatMessage()
    streaming: bool = False
    live_conv_id: str = ""

    def _begin(self, conv_id: str) -> None:
        self.live = ChatMessage(role="assistant")
        self.live_conv_id = conv_id
        self.streaming = True

    def _is_running(self) -> bool:
        task = _RUNNING.get(self.router.session.client_token)
        return task is not None and not task.done()

    def _reset_if_orphaned(self) -> None:
        """After a restart or a lost task, a stale `streaming` flag must not lock the composer."""
        if self.streaming and not self._is_running():
            self.streaming = False
            self.live = ChatMessage()

    # --- page load ---------------------------------------------------------------------------

    @rx.event
    async def on_load(self):
        """Page load: open the conversation in the URL (`/c/<id>`), else a new chat."""
        self._reset_if_orphaned()
        path = self.router.url.path or "/"
        conv_id = path[len(CONV_PREFIX):].strip("/") if path.startswith(CONV_PREFIX) else ""
        yield ChatSidebarState.refresh
        yield ChatSettingsState.refresh_models
        if conv_id:
            yield ChatState.open_conversation(conv_id)  # type: ignore[operator]  # Reflex makes handlers callable as events
        elif not self.streaming:
            chat = await self.get_state(ChatState)
            await chat._clear()

    # --- starting a turn -----------------------------------------------------------------------

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
        if not text or self.streaming:
            return
        chat = await self.get_state(ChatState)
        if not chat.conv_id:
            settings = await self.get_state(ChatSettingsState)
            chat.conv_id = await asyncio.to_thread(
                history.create_conversation, history.title_from(text), asdict(settings._current())
            )
            settings.conv_id = chat.conv_id
            yield set_url(CONV_PREFIX + chat.conv_id)
            yield ChatSidebarState.refresh
        stored = await asyncio.to_thread(history.append_rows, chat.conv_id, [{"role": "user", "content": text}])
        chat.messages = chat.messages + fold_rows(stored)
        self._begin(chat.conv_id)
        yield SCROLL_DOWN
        yield ChatLiveState.generate

    @rx.event
    async def regenerate(self):
        """Replace the last answer (also the Retry of a failed one)."""
        chat = await self.get_state(ChatState)
        if self.streaming or not chat.messages:
            return
        last = chat.messages[-1]
        if last.role == "assistant":
            await asyncio.to_thread(history.truncate_from, chat.conv_id, last.position)
            chat.messages = chat.messages[:-1]
        self._begin(chat.conv_id)
        yield SCROLL_DOWN
        yield ChatLiveState.generate

    @rx.event
    async def start_edit(self, message_id: str) -> None:
        if not self.streaming:
            chat = await self.get_state(ChatState)
            chat.editing_id = message_id

    @rx.event
    async def submit_edit(self, form: dict[str, Any]):
        text = str(form.get("text", "")).strip()
        chat = await self.get_state(ChatState)
        target = next((m for m in chat.messages if m.id == chat.editing_id and m.role == "user"), None)
        chat.editing_id = ""
        if target is None or not text or self.streaming:
            return
        await asyncio.to_thread(history.update_content, chat.conv_id, target.id, text)
        await asyncio.to_thread(history.truncate_from, chat.conv_id, target.position + 1)
        rows = await asyncio.to_thread(history.load_rows, chat.conv_id)
        chat.messages = fold_rows(rows)
        self._begin(chat.conv_id)
        yield ChatLiveState.generate

    # --- running it ----------------------------------------------------------------------------

    @rx.event
    def stop(self) -> None:
        task = _RUNNING.get(self.router.session.client_token)
        if task is not None:
            task.cancel()

    @rx.event(background=True)
    async def generate(self) -> None:
        async with self:
            conv_id = self.live_conv_id
            token = self.router.session.client_token
            settings = (await self.get_state(ChatSettingsState))._current()
        rows: list[dict] = []
        try:
            rows = await asyncio.to_thread(history.load_rows, conv_id)
            turn = TurnBuilder(model=settings.model)
            await self._run(token, turn, _request(rows, settings))
            await asyncio.to_thread(history.append_rows, conv_id, turn.rows())
            rows = await asyncio.to_thread(history.load_rows, conv_id)
        finally:
            # Whatever happened (even the database failing), the composer is released.
            await self._end(conv_id, rows)

    async def _run(self, token: str, turn: TurnBuilder, request: TurnRequest) -> None:
        """Run the turn as its own task, so Stop can cancel it; errors and stops end up in `turn`."""

        async def push() -> None:
            snapshot = copy.deepcopy(turn.view)
            async with self:
                self.live = snapshot

        task = asyncio.create_task(run_turn(request, turn, push))
        _RUNNING[token] = task
        try:
            await asyncio.wait({task})
        finally:
            if _RUNNING.get(token) is task:
                del _RUNNING[token]
        if task.cancelled():
            turn.stop()
        elif (exc := task.exception()) is not None:
            log.error("chat turn failed", exc_info=exc)
            turn.fail(GENERIC, str(exc))
        turn.finish()

    async def _end(self, conv_id: str, rows: list[dict]) -> None:
        async with self:
            chat = await self.get_state(ChatState)
            if chat.conv_id == conv_id and rows:
                chat.messages = fold_rows(rows)
            self.live = ChatMessage()
            self.streaming = False
            sidebar = await self.get_state(ChatSidebarState)
            await sidebar._refresh()  # the conversation moves to the top of the list


def _request(rows: list[dict], settings: ChatSettings) -> TurnRequest:
    return TurnRequest(
        messages=request_messages(rows, settings.system_prompt),
        model=settings.model,
        temperature=settings.temperature,
        top_p=settings.top_p,
        max_tokens=settings.max_tokens,
        repeat_penalty=settings.repeat_penalty,
        reasoning_budget_tokens=thinking.budget(settings.thinking),
        use_tools=settings.use_tools,
        starts_in_thinking=thinking.template_opens_thinking(),
    )
