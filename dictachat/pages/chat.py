"""The chat page: `/` for a new chat and `/c/<id>` for a stored conversation."""

from __future__ import annotations

import reflex as rx

from dictachat.components.chat_composer import composer
from dictachat.components.chat_header import header
from dictachat.components.chat_message import assistant_message, message
from dictachat.components.chat_sidebar import sidebar
from dictachat.components.chat_welcome import welcome
from dictachat.i18n import tr
from dictachat.state.chat import ChatState
from dictachat.state.chat_live import ChatLiveState
from dictachat.state.lang import LangState


def _conversation() -> rx.Component:
    show_live = ChatLiveState.streaming & (ChatLiveState.live_conv_id == ChatState.conv_id)
    return rx.el.div(
        rx.cond(
            ChatState.has_messages | ChatLiveState.streaming,
            rx.el.div(
                rx.foreach(ChatState.messages, message),
                rx.cond(show_live, assistant_message(ChatLiveState.live, rx.Var.create(True), live=True)),
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
            rx.el.button(rx.icon("arrow-down", size=18), type="button", class_name="scroll-bottom",
                         aria_label=tr("chat.scroll_bottom"),
                         on_click=rx.call_script("window.dictachat && window.dictachat.scrollToBottom(true)")),
            composer(),
            class_name="chat-main",
        ),
        dir=LangState.direction,
        lang=LangState.lang,
        class_name="app",
    )


@rx.page(route="/", title="DictaChat", on_load=ChatState.on_load)
def index() -> rx.Component:
    return chat_page()


@rx.page(route="/c/[cid]", title="DictaChat", on_load=ChatState.on_load)
def conversation() -> rx.Component:
    return chat_page()
