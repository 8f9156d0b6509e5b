"""The assistant turn: started (send, regenerate, edit-and-resend), streamed in a background task,
stoppable, stored when done; and the page load, which must release a turn a restart orphaned."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import logging
from dataclasses import asdict
from typing import Any

import reflex as rx

from dictachat.auth.guard import current_account, to_sign_in
from dictachat.auth.state import AccountState
from dictachat.chat import history, thinking
from dictachat.chat.answer_blocks import AnswerBlocks
from dictachat.chat.gateway_client import GENERIC
from dictachat.chat.runner import TurnRequest, run_turn
from dictachat.chat.state.conversation import CONV_PREFIX, LIVE_ID, SCROLL_DOWN, ChatState, set_url
from dictachat.chat.state.settings import ChatSettings, ChatSettingsState
from dictachat.chat.state.sidebar import ChatSidebarState
from dictachat.chat.turn import ChatMessage, TurnBuilder, fold_rows, request_messages

log = logging.getLogger(__name__)

# The generation task of each browser tab (client token), so Stop can cancel it: cancelling
# closes the HTTP stream to the gateway, which closes the upstream request.
_RUNNING: dict[str, asyncio.Task] = {}


class ChatLiveState(rx.State):
    """Kept apart from the conversation so each streamed update carries only the live turn.

    The answer's text travels apart from `live`, as settled Markdown blocks (sent once each, when
    they settle) and the growing tail (sent on every update), so the browser re-renders only the tail."""

    live: ChatMessage = ChatMessage()  # the turn so far, its answer text left out
    answer_settled: list[str] = []
    answer_tail: str = ""
    streaming: bool = False
    live_conv_id: str = ""

    def _begin(self, chat: ChatState) -> None:
        """A new turn in the conversation on screen, shown in a placeholder at the end of its messages."""
        self._show(ChatMessage(role="assistant"))
        self.live_conv_id = chat.generating_in = chat.conv_id
        self.streaming = True
        chat._add_live_placeholder()

    def _show(self, turn: ChatMessage, answer: AnswerBlocks | None = None, settled_changed: bool = True) -> None:
        """Put a turn on screen: its answer as `answer`'s blocks (none given: no answer yet)."""
        live = dataclasses.replace(turn, content="")
        if live != self.live:  # while the answer streams only its text changes: `live` (thinking and all) is not sent again
            self.live = live
        if settled_changed:
            self.answer_settled = list(answer.settled) if answer else []
        self.answer_tail = answer.tail if answer else ""

    def _is_running(self) -> bool:
        task = _RUNNING.get(self.router.session.client_token)
        return task is not None and not task.done()

    def _reset_if_orphaned(self) -> bool:
        """After a restart or a lost task, a stale `streaming` flag must not lock the composer."""
        if self.streaming and not self._is_running():
            self.streaming = False
            self._show(ChatMessage())
            return True
        return False

    # --- page load ---------------------------------------------------------------------------

    @rx.event
    async def on_load(self):
        """Page load: sign-in first; then open the conversation in the URL (`/c/<id>`), else a new chat."""
        if self._reset_if_orphaned():
            (await self.get_state(ChatState)).generating_in = ""
        path = self.router.url.path or "/"
        account = await current_account(self)
        if account is None:
            yield to_sign_in(path)
            return
        (await self.get_state(AccountState))._show(account.name, account.is_admin)
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
        account = await current_account(self)
        if account is None:
            yield to_sign_in(self.router.url.path, ended=True)
            return
        chat = await self.get_state(ChatState)
        if not chat.conv_id:
            settings = await self.get_state(ChatSettingsState)
            chat.conv_id = await asyncio.to_thread(
                history.create_conversation, account.id, history.title_from(text), asdict(settings._current())
            )
            settings.conv_id = chat.conv_id
            yield set_url(CONV_PREFIX + chat.conv_id)
            yield ChatSidebarState.refresh
        stored = await asyncio.to_thread(history.append_rows, account.id, chat.conv_id, [{"role": "user", "content": text}])
        chat._show(chat.messages + fold_rows(stored))
        self._begin(chat)
        yield SCROLL_DOWN
        yield ChatLiveState.generate

    @rx.event
    async def regenerate(self):
        """Replace the last answer (also the Retry of a failed one)."""
        chat = await self.get_state(ChatState)
        if self.streaming or not chat.messages:
            return
        account = await current_account(self)
        if account is None:
            yield to_sign_in(self.router.url.path, ended=True)
            return
        last = chat.messages[-1]
        if last.role == "assistant":
            await asyncio.to_thread(history.truncate_from, account.id, chat.conv_id, last.position)
            chat._show(chat.messages[:-1])
        self._begin(chat)
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
        account = await current_account(self)
        if account is None:
            yield to_sign_in(self.router.url.path, ended=True)
            return
        await asyncio.to_thread(history.update_content, account.id, chat.conv_id, target.id, text)
        await asyncio.to_thread(history.truncate_from, account.id, chat.conv_id, target.position + 1)
        rows = await asyncio.to_thread(history.load_rows, account.id, chat.conv_id)
        chat._show(fold_rows(rows))
        self._begin(chat)
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
        account = await current_account(self)
        rows: list[dict] = []
        try:
            if account is None:
                return  # signed out (or disabled) since the turn began: nothing is generated
            rows = await asyncio.to_thread(history.load_rows, account.id, conv_id)
            turn = TurnBuilder(model=settings.model)
            await self._run(token, turn, _request(rows, settings, account.id))
            await asyncio.to_thread(history.append_rows, account.id, conv_id, turn.rows())
            rows = await asyncio.to_thread(history.load_rows, account.id, conv_id)
        except history.ConversationNotFound:
            rows = []
        finally:
            # Whatever happened (even the database failing), the composer is released.
            await self._end(conv_id, rows)

    async def _run(self, token: str, turn: TurnBuilder, request: TurnRequest) -> None:
        """Run the turn as its own task, so Stop can cancel it; errors and stops end up in `turn`."""

        answer = AnswerBlocks()

        async def push() -> None:
            snapshot = copy.deepcopy(turn.view)
            settled_changed = answer.update(snapshot.content)
            async with self:
                self._show(snapshot, answer, settled_changed)

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
            if chat.conv_id == conv_id:
                # The stored turn takes the placeholder's place (its blocks as they were streamed).
                chat._show(fold_rows(rows) if rows else [m for m in chat.messages if m.id != LIVE_ID])
            chat.generating_in = ""
            self._show(ChatMessage())
            self.streaming = False
            sidebar = await self.get_state(ChatSidebarState)
            await sidebar._refresh()  # the conversation moves to the top of the list


def _request(rows: list[dict], settings: ChatSettings, user_id: str) -> TurnRequest:
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
        user=user_id,
    )
