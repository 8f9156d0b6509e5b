"""Message bubbles: the user's (with edit) and the assistant's turn (blocks, answer, errors, usage)."""

from __future__ import annotations

import reflex as rx

from dictachat.chat.components.markdown import markdown
from dictachat.chat.components.thinking import thinking_block
from dictachat.chat.components.tool_block import tool_block
from dictachat.chat.state.conversation import ChatState
from dictachat.chat.state.live import ChatLiveState
from dictachat.chat.turn import Block, ChatMessage
from dictachat.ui.i18n import tr, tr_n


def _action(icon: str, label: str, **props) -> rx.Component:
    return rx.el.button(rx.icon(icon, size=15), type="button", class_name="act-btn", aria_label=tr(label), title=tr(label), **props)


def _copy_action(text: rx.Var[str]) -> rx.Component:
    return rx.el.button(
        rx.icon("copy", size=15, class_name="icon-copy"),
        rx.icon("check", size=15, class_name="icon-done"),
        type="button",
        class_name="act-btn copy-btn",
        aria_label=tr("chat.copy"),
        title=tr("chat.copy"),
        on_click=rx.set_clipboard(text),
    )


def _edit_form(msg: rx.Var[ChatMessage]) -> rx.Component:
    return rx.el.form(
        rx.el.textarea(
            default_value=msg.content,
            name="text",
            dir="auto",
            class_name="edit-input",
            auto_focus=True,
            custom_attrs={"data-submit-on-enter": "1"},
        ),
        rx.el.div(
            rx.el.button(tr("chat.cancel"), type="button", class_name="btn btn-ghost", on_click=ChatState.cancel_edit),
            rx.el.button(tr("chat.resend"), type="submit", class_name="btn btn-primary"),
            class_name="edit-bar",
        ),
        on_submit=ChatLiveState.submit_edit,
        class_name="edit-form",
    )


def user_message(msg: rx.Var[ChatMessage]) -> rx.Component:
    return rx.el.div(
        rx.cond(
            ChatState.editing_id == msg.id,
            _edit_form(msg),
            rx.el.div(
                rx.el.div(msg.content, class_name="bubble", dir="auto"),
                rx.el.div(
                    _copy_action(msg.content),
                    rx.cond(
                        ChatLiveState.streaming,
                        rx.fragment(),
                        _action("pencil", "chat.edit", on_click=ChatLiveState.start_edit(msg.id)),
                    ),
                    class_name="msg-actions",
                ),
                class_name="user-col",
            ),
        ),
        class_name="msg msg-user",
        custom_attrs={"data-role": "user"},
    )


def _block(block: rx.Var[Block]) -> rx.Component:
    return rx.cond(block.kind == "tool", tool_block(block), thinking_block(block))


def _error_text(msg: rx.Var[ChatMessage]) -> rx.Var[str]:
    rate = rx.cond(msg.retry_after > 0, tr_n("chat.err.rate_limit", msg.retry_after), tr("chat.err.rate_limit_plain"))
    return rx.match(
        msg.error,
        ("rate_limit", rate),
        ("unavailable", tr("chat.err.unavailable")),
        ("auth", tr("chat.err.auth")),
        ("timeout", tr("chat.err.timeout")),
        ("cut", tr("chat.err.cut")),
        ("tool_loop", tr("chat.err.tool_loop")),
        ("bad_tool_call", tr("chat.err.bad_tool_call")),
        tr("chat.err.generic").to(str).replace("{msg}", msg.error_detail),
    )


def _error(msg: rx.Var[ChatMessage], is_last: rx.Var[bool]) -> rx.Component:
    return rx.el.div(
        rx.icon("triangle-alert", size=16),
        rx.el.div(_error_text(msg), class_name="error-text", dir="auto"),
        rx.cond(
            is_last & ~ChatLiveState.streaming,
            rx.el.button(rx.icon("rotate-ccw", size=14), tr("chat.retry"), type="button", class_name="btn btn-soft",
                         on_click=ChatLiveState.regenerate),
        ),
        class_name="error-callout",
        role="alert",
        custom_attrs={"data-error": msg.error},
    )


def _usage(msg: rx.Var[ChatMessage]) -> rx.Component:
    return rx.cond(
        msg.completion_tokens > 0,
        rx.el.span(
            rx.el.span(msg.completion_tokens.to_string() + " ", tr("chat.tokens")),
            rx.cond(msg.tok_s > 0, rx.el.span(" · " + msg.tok_s.to_string() + " ", tr("chat.tok_s"))),
            class_name="usage",
            title=tr("chat.prompt_tokens") + " " + msg.prompt_tokens.to_string() + " · "
            + tr("chat.completion_tokens") + " " + msg.completion_tokens.to_string(),
        ),
    )


def _actions(msg: rx.Var[ChatMessage], is_last: rx.Var[bool]) -> rx.Component:
    return rx.el.div(
        rx.cond(msg.content != "", _copy_action(msg.content)),
        rx.cond(is_last & ~ChatLiveState.streaming, _action("refresh-cw", "chat.regenerate", on_click=ChatLiveState.regenerate)),
        _usage(msg),
        class_name="msg-actions",
    )


def _typing(msg: rx.Var[ChatMessage]) -> rx.Component:
    """Dots while waiting for the first token."""
    waiting = (msg.content == "") & (msg.blocks.length() == 0) & (msg.error == "")
    return rx.cond(waiting, rx.el.div(rx.el.span(), rx.el.span(), rx.el.span(), class_name="typing"))


def assistant_message(msg: rx.Var[ChatMessage], is_last: rx.Var[bool], live: bool = False) -> rx.Component:
    return rx.el.div(
        rx.el.div(rx.icon("sparkles", size=16), class_name="avatar"),
        rx.el.div(
            rx.foreach(msg.blocks, _block),
            _typing(msg) if live else rx.fragment(),
            rx.cond(msg.content != "", rx.el.div(markdown(msg.content), class_name="answer")),
            rx.cond(msg.stopped, rx.el.div(rx.icon("square", size=12), tr("chat.stopped"), class_name="stopped-note")),
            rx.cond(msg.error != "", _error(msg, is_last)),
            rx.fragment() if live else _actions(msg, is_last),
            class_name="assistant-body",
        ),
        class_name="msg msg-assistant",
        custom_attrs={"data-role": "assistant", "data-live": "true" if live else "false"},
    )


def message(msg: rx.Var[ChatMessage], index: rx.Var[int]) -> rx.Component:
    is_last = index == ChatState.messages.length() - 1
    return rx.cond(msg.role == "user", user_message(msg), assistant_message(msg, is_last))
