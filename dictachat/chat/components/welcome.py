"""The empty-chat screen with example prompts."""

from __future__ import annotations

import reflex as rx

from dictachat.chat.state.live import ChatLiveState
from dictachat.ui.i18n import tr

# Examples in both languages on purpose: the chat is bilingual and these show the tools.
SUGGESTIONS: list[tuple[str, str]] = [
    ("calendar-days", "מה התאריך העברי היום?"),
    ("calculator", "Calculate 17.5% of 2,340"),
    ("feather", "כתוב שיר קצר על ירושלים"),
    ("code", "Explain recursion with a short Python example"),
]


def welcome() -> rx.Component:
    return rx.el.div(
        rx.el.div(rx.icon("sparkles", size=28), class_name="welcome-logo"),
        rx.el.h1(tr("chat.welcome_title"), class_name="welcome-title"),
        rx.el.p(tr("chat.welcome_body"), class_name="welcome-body"),
        rx.el.div(
            *[
                rx.el.button(
                    rx.icon(icon, size=16),
                    rx.el.span(text, dir="auto"),
                    type="button",
                    class_name="suggestion",
                    on_click=ChatLiveState.send_text(text),
                )
                for icon, text in SUGGESTIONS
            ],
            class_name="suggestions",
        ),
        class_name="welcome",
    )
