"""Dialogs shared by the admin pages: the create/edit form, a confirmation, a secret shown once."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dictachat.ui.i18n import tr
from dictachat.ui.lang import LangState


def dialog(title: list[Any], *content: rx.Component, is_open: rx.Var, on_open_change: Any = None,
           max_width: str = "560px") -> rx.Component:
    """A dialog in the UI language's direction, open while `is_open`; without `on_open_change` only its own
    buttons close it."""
    handlers = {} if on_open_change is None else {"on_open_change": on_open_change}
    return rx.dialog.root(
        rx.dialog.content(rx.dialog.title(*title), *content, max_width=max_width, dir=LangState.direction),
        open=is_open,
        **handlers,
    )


def form_dialog(state: Any, title: rx.Component | rx.Var | str, *content: rx.Component,
                max_width: str = "560px") -> rx.Component:
    """A page's create/edit dialog (a state mixing in AdminForm), open while `state.form_open`."""
    return dialog([title], *content, is_open=state.form_open, on_open_change=state.set_form_open, max_width=max_width)


def form_grid(*fields: rx.Component, columns: Any = None) -> rx.Component:
    """Form fields side by side: one column on a phone, two from small screens up (or `columns`)."""
    return rx.grid(*fields, columns=rx.breakpoints(initial="1", sm="2") if columns is None else columns, spacing="3",
                   width="100%")


def form_stack(*children: rx.Component, **props: Any) -> rx.Component:
    """Form fields one under another, at the dialogs' spacing."""
    return rx.vstack(*children, spacing="3", width="100%", **props)


def save_form(state: Any, *fields: rx.Component, save_test_id: str, **props: Any) -> rx.Component:
    """The form of a page's dialog: its fields, why the last save failed, cancel and save (to `state.save`)."""
    return rx.form(form_stack(*fields, form_error(state), form_footer(state, save_test_id)), on_submit=state.save, **props)


def form_error(state: Any) -> rx.Component:
    """Why the gateway refused the last save, inside the dialog."""
    return rx.cond(state.form_error != "", rx.callout(state.form_error, icon="circle-alert", color_scheme="red", size="1",
                                                      width="100%", data_testid="form-error"))


def form_footer(state: Any, save_test_id: str) -> rx.Component:
    """Cancel and save; save spins while the state is saving."""
    return rx.hstack(
        rx.dialog.close(rx.button(tr("admin.cancel"), variant="soft", color_scheme="gray", type="button")),
        rx.button(tr("admin.save"), type="submit", loading=state.saving, data_testid=save_test_id),
        justify="end",
        width="100%",
    )


def view_dialog(title: list[Any], *content: rx.Component, is_open: rx.Var, on_open_change: Any,
                max_width: str = "560px") -> rx.Component:
    """A dialog that only shows something, closed with its Done button."""
    done = rx.hstack(rx.dialog.close(rx.button(tr("admin.done"), variant="soft")), justify="end", margin_top="1rem")
    return dialog(title, *content, done, is_open=is_open, on_open_change=on_open_change, max_width=max_width)


def confirm_bar(confirm: rx.Component) -> rx.Component:
    """Cancel, then the (red) confirming button of a confirmation dialog."""
    return rx.hstack(
        rx.alert_dialog.cancel(rx.button(tr("admin.cancel"), variant="soft", color_scheme="gray", type="button")),
        confirm,
        justify="end",
        width="100%",
    )


def confirm_dialog(title: list[rx.Var | str], help_text: rx.Var | str, body: rx.Component, *, is_open: rx.Var,
                   on_cancel: rx.EventHandler) -> rx.Component:
    """Ask before something that cannot be undone; `body` holds `confirm_bar` (and any input it needs)."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(*title),
            rx.alert_dialog.description(help_text, size="2", margin_bottom="0.75rem"),
            body,
            dir=LangState.direction,
        ),
        open=is_open,
        on_open_change=on_cancel,
    )


def shown_once_dialog(title: list[rx.Var | str], warning: rx.Var | str, secret: rx.Var, on_done: rx.EventHandler,
                      test_id: str, max_width: str = "560px") -> rx.Component:
    """A secret the gateway generated (a raw key, a password) and will not show again: open while `secret` is set,
    with a copy button; `test_id` names the secret, `<test_id>-done` its closing button."""
    return dialog(
        title,
        rx.callout(warning, icon="shield-alert", color_scheme="amber", size="1", margin_y="0.75rem"),
        rx.hstack(
            rx.code(secret, size="3", style={"direction": "ltr", "word_break": "break-all", "padding": "0.5rem"},
                    data_testid=test_id, flex="1"),
            rx.icon_button(rx.icon("copy", size=16), on_click=[rx.set_clipboard(secret), rx.toast.success(tr("chat.copied"))],
                           variant="soft", aria_label="copy", data_testid=f"{test_id}-copy"),
            align="center",
            width="100%",
        ),
        rx.hstack(rx.button(tr("admin.done"), on_click=on_done, data_testid=f"{test_id}-done"), justify="end", margin_top="1rem"),
        is_open=secret != "",
        max_width=max_width,
    )
