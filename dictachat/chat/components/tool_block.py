"""A tool-call block: tool name, status and duration; arguments and result when expanded."""

from __future__ import annotations

import reflex as rx

from dictachat.chat.turn import Block
from dictachat.ui.i18n import tr


def _status(block: rx.Var[Block]) -> rx.Component:
    return rx.cond(
        block.live,
        rx.el.span(rx.spinner(size="1"), tr("chat.tool_running"), class_name="tool-status"),
        rx.el.span(
            rx.cond(block.ok, rx.icon("circle-check", size=14, class_name="ok"), rx.icon("circle-x", size=14, class_name="bad")),
            rx.el.span(block.ms.to_string() + " ms", dir="ltr"),
            class_name="tool-status",
        ),
    )


def _section(label: str, text: rx.Var[str]) -> rx.Component:
    return rx.el.div(
        rx.el.div(tr(label), class_name="tool-label"),
        rx.el.pre(text, class_name="tool-pre", dir="ltr"),
        class_name="tool-section",
    )


def tool_block(block: rx.Var[Block]) -> rx.Component:
    return rx.el.details(
        rx.el.summary(
            rx.icon("wrench", size=15, class_name="block-icon"),
            rx.el.span(tr("chat.tool")),
            rx.el.code(block.name, class_name="tool-name", dir="ltr"),
            _status(block),
            rx.icon("chevron-down", size=15, class_name="chevron"),
            class_name="block-summary",
        ),
        rx.el.div(
            _section("chat.tool_args", block.args),
            rx.cond(block.live, rx.fragment(), _section("chat.tool_result", block.result)),
            class_name="tool-body",
        ),
        class_name="block tool",
        custom_attrs={"data-ok": block.ok.to_string(), "data-tool": block.name},
    )
