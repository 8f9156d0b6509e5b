"""The settings dialog of a conversation: system prompt, sampling, thinking, tools."""

from __future__ import annotations

import reflex as rx

from dictachat.chat import thinking
from dictachat.chat.state.settings import ChatSettingsState
from dictachat.ui.i18n import tr
from dictachat.ui.lang import LangState


def _field(label: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.el.label(
        rx.el.span(tr(label), class_name="field-label"),
        control,
        rx.el.span(hint, class_name="field-hint", dir="ltr") if hint else rx.fragment(),
        class_name="field",
    )


def _number(name: str, value: rx.Var, step: str, low: str, high: str) -> rx.Component:
    return rx.el.input(type="number", name=name, default_value=value.to_string(), step=step, min=low, max=high,
                       class_name="input", dir="ltr")


def settings_dialog() -> rx.Component:
    s = ChatSettingsState.settings
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.el.button(rx.icon("sliders-horizontal", size=17), type="button", class_name="icon-btn",
                         aria_label=tr("chat.settings"), title=tr("chat.settings"), id="settings-button"),
        ),
        rx.dialog.content(
            rx.dialog.title(tr("chat.settings_title")),
            rx.el.form(
                _field("chat.system_prompt", rx.el.textarea(name="system_prompt", default_value=s.system_prompt, rows=4,
                                                             dir="auto", class_name="input")),
                rx.el.div(
                    _field("chat.temperature", _number("temperature", s.temperature, "0.05", "0", "2"), "0 – 2"),
                    _field("chat.top_p", _number("top_p", s.top_p, "0.01", "0", "1"), "0 – 1"),
                    _field("chat.max_tokens", _number("max_tokens", s.max_tokens, "1", "1", "32768"), "1 – 32768"),
                    class_name="field-row",
                ),
                rx.el.div(
                    _field("chat.repeat_penalty", _number("repeat_penalty", s.repeat_penalty, "0.01", "1", "2"), "1 – 2"),
                    _field("chat.thinking_mode", rx.el.select(
                        *(rx.el.option(tr(f"chat.thinking_{mode}"), value=mode) for mode in thinking.MODES),
                        name="thinking", default_value=s.thinking, class_name="input", id="thinking-select",
                    )),
                    class_name="field-row",
                ),
                rx.el.label(
                    rx.switch(name="use_tools", default_checked=s.use_tools),
                    rx.el.span(tr("chat.tools_enabled")),
                    class_name="switch-row",
                ),
                rx.el.div(
                    rx.el.button(tr("chat.reset"), type="button", class_name="btn btn-ghost", on_click=ChatSettingsState.restore_defaults),
                    rx.el.div(class_name="spacer"),
                    rx.dialog.close(rx.el.button(tr("chat.cancel"), type="button", class_name="btn btn-soft")),
                    rx.el.button(tr("chat.save"), type="submit", class_name="btn btn-primary"),
                    class_name="dialog-bar",
                ),
                on_submit=ChatSettingsState.save,
                class_name="settings-form",
            ),
            dir=LangState.direction,
            class_name="dialog",
        ),
        open=ChatSettingsState.dialog_open,
        on_open_change=ChatSettingsState.set_dialog_open,
    )
