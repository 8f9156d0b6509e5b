"""The thinking block: open and live while the model thinks, then "Thought for N s", collapsed."""

from __future__ import annotations

import reflex as rx

from dictachat.chat.turn import Block
from dictachat.ui.i18n import tr, tr_n


def thinking_block(block: rx.Var[Block]) -> rx.Component:
    return rx.el.details(
        rx.el.summary(
            rx.icon("brain", size=15, class_name="block-icon"),
            rx.cond(
                block.live,
                rx.el.span(tr("chat.thinking"), class_name="shimmer"),
                rx.el.span(tr_n("chat.thought_for", block.seconds)),
            ),
            rx.icon("chevron-down", size=15, class_name="chevron"),
            class_name="block-summary",
        ),
        rx.el.div(block.text, class_name="thinking-text", dir="auto"),
        open=block.live,
        class_name="block thinking",
        custom_attrs={"data-live": block.live.to_string()},
    )
