"""The bar above the conversation: sidebar toggle (narrow screens), model picker, settings."""

from __future__ import annotations

import reflex as rx

from dictachat.chat.components.settings import settings_dialog
from dictachat.chat.state.settings import ChatSettingsState
from dictachat.ui.i18n import tr


def header() -> rx.Component:
    return rx.el.header(
        rx.el.button(rx.icon("panel-left", size=18), type="button", class_name="icon-btn sidebar-toggle",
                     aria_label=tr("chat.toggle_sidebar"),
                     on_click=rx.call_script("document.documentElement.classList.toggle('sidebar-open')")),
        rx.cond(
            ChatSettingsState.models.length() > 1,
            rx.select(ChatSettingsState.models, value=ChatSettingsState.settings.model, on_change=ChatSettingsState.set_model,
                      variant="ghost", size="2"),
            rx.el.div(
                rx.el.span(class_name="model-dot"),
                rx.el.span(rx.cond(ChatSettingsState.settings.model != "", ChatSettingsState.settings.model, "DictaLM"),
                           dir="ltr"),
                class_name="model-badge",
            ),
        ),
        rx.el.div(class_name="spacer"),
        settings_dialog(),
        class_name="chat-header",
    )
