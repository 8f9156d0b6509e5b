"""The chat page: `/` for a new chat and `/c/<id>` for a stored conversation."""

from __future__ import annotations

import reflex as rx

from dictachat.chat.components.composer import composer
from dictachat.chat.components.header import header
from dictachat.chat.components.markdown import highlighter_warmup
from dictachat.chat.components.message import message
from dictachat.chat.components.sidebar import sidebar
from dictachat.chat.components.welcome import welcome
from dictachat.chat.state.conversation import ChatState
from dictachat.chat.state.live import ChatLiveState
from dictachat.ui.lang import LangState


def _conversation() -> rx.Component:
    return rx.el.div(
        rx.cond(
            ChatState.has_messages,
            rx.el.div(
                rx.foreach(ChatState.messages, message),
                class_name="chat-column",
                id="chat-column",
            ),
            welcome(),
        ),
        id="chat-scroll",
        class_name="chat-scroll",
    )


def chat_page() -> rx.Component:
    return rx.el.div(
        sidebar(),
        rx.el.div(class_name="sidebar-backdrop",
                  on_click=rx.call_script("document.documentElement.classList.remove('sidebar-open')")),
        rx.el.main(
            header(),
            _conversation(),
            composer(),
            class_name="chat-main",
        ),
        highlighter_warmup(),
        dir=LangState.direction,
        lang=LangState.lang,
        class_name="app",
    )


@rx.page(route="/", title="DictaChat", on_load=ChatLiveState.on_load)
def index() -> rx.Component:
    return chat_page()


@rx.page(route="/c/[cid]", title="DictaChat", on_load=ChatLiveState.on_load)
def conversation() -> rx.Component:
    return chat_page()
