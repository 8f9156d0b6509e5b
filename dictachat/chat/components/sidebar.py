"""The sidebar: new chat, conversations grouped by age (rename, delete), language and theme toggles."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dictachat.auth.page import sign_out_button
from dictachat.auth.state import AccountState
from dictachat.chat.history import ConversationItem
from dictachat.chat.state.conversation import ChatState
from dictachat.chat.state.sidebar import ChatSidebarState
from dictachat.ui.i18n import tr
from dictachat.ui.lang import LangState

_CLOSE_ON_MOBILE = rx.call_script("document.documentElement.classList.remove('sidebar-open')")


def _item(conv: rx.Var[ConversationItem]) -> rx.Component:
    return rx.el.div(
        rx.el.button(
            rx.el.span(conv.title, dir="auto", class_name="conv-title"),
            type="button",
            class_name="conv-link",
            on_click=[ChatState.open_conversation(conv.id), _CLOSE_ON_MOBILE],
        ),
        rx.dropdown_menu.root(
            rx.dropdown_menu.trigger(
                rx.el.button(rx.icon("ellipsis", size=16), type="button", class_name="conv-menu", aria_label="menu"),
            ),
            rx.dropdown_menu.content(
                rx.dropdown_menu.item(rx.icon("pencil", size=14), tr("chat.rename"),
                                      on_click=ChatSidebarState.start_rename(conv.id, conv.title)),
                rx.dropdown_menu.item(rx.icon("trash-2", size=14), tr("chat.delete"), color="red",
                                      on_click=ChatSidebarState.ask_delete(conv.id)),
                dir=LangState.direction,
            ),
        ),
        class_name=rx.cond(conv.id == ChatState.conv_id, "conv active", "conv"),
        custom_attrs={"data-conv-id": conv.id},
    )


def _group(label: str, items: rx.Var[list[ConversationItem]]) -> rx.Component:
    return rx.cond(
        items.length() > 0,
        rx.el.div(rx.el.div(tr(label), class_name="group-label"), rx.foreach(items, _item), class_name="conv-group"),
    )


def _small_dialog(kind: Any, *children: rx.Component, is_open: rx.Var, on_close: rx.EventHandler) -> rx.Component:
    """A small sidebar dialog (`kind` is rx.dialog or rx.alert_dialog); closing it any way calls `on_close`."""
    return kind.root(
        kind.content(*children, dir=LangState.direction, class_name="dialog dialog-sm"),
        open=is_open,
        on_open_change=lambda _open: on_close(),
    )


def _rename_dialog() -> rx.Component:
    return _small_dialog(
        rx.dialog,
        rx.dialog.title(tr("chat.rename")),
        rx.el.form(
            rx.el.input(name="title", default_value=ChatSidebarState.rename_title, dir="auto", class_name="input",
                        auto_focus=True, id="rename-input"),
            rx.el.div(
                rx.el.button(tr("chat.cancel"), type="button", class_name="btn btn-soft", on_click=ChatSidebarState.cancel_rename),
                rx.el.button(tr("chat.save"), type="submit", class_name="btn btn-primary"),
                class_name="dialog-bar",
            ),
            on_submit=ChatSidebarState.save_rename,
        ),
        is_open=ChatSidebarState.rename_id != "",
        on_close=ChatSidebarState.cancel_rename,
    )


def _delete_dialog() -> rx.Component:
    return _small_dialog(
        rx.alert_dialog,
        rx.alert_dialog.title(tr("chat.delete_confirm")),
        rx.el.div(
            rx.alert_dialog.cancel(rx.el.button(tr("chat.cancel"), type="button", class_name="btn btn-soft")),
            rx.alert_dialog.action(rx.el.button(tr("chat.delete"), type="button", class_name="btn btn-danger",
                                                on_click=ChatSidebarState.confirm_delete)),
            class_name="dialog-bar",
        ),
        is_open=ChatSidebarState.delete_id != "",
        on_close=ChatSidebarState.cancel_delete,
    )


def sidebar() -> rx.Component:
    return rx.el.aside(
        rx.el.div(
            rx.el.div(rx.icon("sparkles", size=18), rx.el.span("DictaChat"), class_name="brand"),
            rx.el.button(rx.icon("square-pen", size=18), type="button", class_name="icon-btn", id="new-chat",
                         aria_label=tr("chat.new"), title=tr("chat.new"), on_click=[ChatState.new_chat, _CLOSE_ON_MOBILE]),
            class_name="side-head",
        ),
        rx.el.button(rx.icon("plus", size=16), tr("chat.new"), type="button", class_name="new-chat-btn",
                     on_click=[ChatState.new_chat, _CLOSE_ON_MOBILE]),
        rx.el.nav(
            _group("chat.today", ChatSidebarState.today),
            _group("chat.week", ChatSidebarState.this_week),
            _group("chat.older", ChatSidebarState.older),
            rx.cond(ChatSidebarState.conversations.length() == 0, rx.el.div(tr("chat.empty_history"), class_name="empty-history")),
            class_name="conv-list",
            aria_label=tr("chat.history"),
        ),
        rx.el.div(
            rx.el.button(rx.icon("languages", size=16), tr("lang.toggle"), type="button", class_name="foot-btn",
                         on_click=LangState.toggle_lang, id="lang-toggle"),
            rx.el.button(rx.color_mode_cond(rx.icon("moon", size=16), rx.icon("sun", size=16)), type="button",
                         class_name="foot-btn icon-only", title=tr("theme.toggle"), aria_label=tr("theme.toggle"),
                         on_click=rx.toggle_color_mode),
            rx.cond(AccountState.is_admin,
                    rx.el.a(rx.icon("shield", size=16), tr("chat.admin"), href="/admin", class_name="foot-btn")),
            class_name="side-foot",
        ),
        rx.el.div(
            rx.el.span(rx.icon("circle-user", size=16), rx.el.span(AccountState.name, id="account-name", dir="auto"),
                       class_name="account-name"),
            sign_out_button(),
            sign_out_button(everywhere=True),
            class_name="side-foot side-account",
        ),
        _rename_dialog(),
        _delete_dialog(),
        class_name="sidebar",
    )
