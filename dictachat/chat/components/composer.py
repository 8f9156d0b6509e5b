"""The message box: Enter sends, Shift+Enter breaks the line; Send turns into Stop while streaming."""

from __future__ import annotations

import reflex as rx

from dictachat.chat.state.live import ChatLiveState
from dictachat.ui.i18n import tr


def composer() -> rx.Component:
    return rx.el.div(
        rx.el.form(
            rx.el.div(
                rx.el.textarea(
                    id="composer",
                    name="prompt",
                    placeholder=tr("chat.placeholder"),
                    dir="auto",
                    rows=1,
                    auto_focus=True,
                    class_name="composer-input",
                    custom_attrs={"data-submit-on-enter": "1"},
                ),
                rx.cond(
                    ChatLiveState.streaming,
                    rx.el.button(
                        rx.icon("square", size=14, fill="currentColor"),
                        type="button",
                        class_name="send-btn stop",
                        aria_label=tr("chat.stop"),
                        title=tr("chat.stop"),
                        on_click=ChatLiveState.stop,
                        id="stop-button",
                    ),
                    rx.el.button(
                        rx.icon("arrow-up", size=18),
                        type="submit",
                        class_name="send-btn",
                        aria_label=tr("chat.send"),
                        title=tr("chat.send"),
                        id="send-button",
                    ),
                ),
                class_name="composer-box",
            ),
            on_submit=ChatLiveState.send,
            reset_on_submit=True,
            class_name="composer-form",
        ),
        rx.el.div(tr("chat.disclaimer"), class_name="disclaimer"),
        class_name="composer",
    )
