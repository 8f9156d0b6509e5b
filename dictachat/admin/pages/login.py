"""/admin: sign in with ADMIN_PASS; the password goes to the backend once and never into page state."""

from __future__ import annotations

import reflex as rx

from dictachat.admin.components.layout import brand, directed
from dictachat.admin.components.ui import card
from dictachat.admin.state.base import AdminState
from dictachat.ui.i18n import tr
from dictachat.ui.lang import LangState


def login_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(tr("admin.login.password"), size="2", weight="medium"),
            rx.input(
                rx.input.slot(rx.icon("lock", size=14)),
                name="password",
                type="password",
                placeholder="ADMIN_PASS",
                auto_focus=True,
                auto_complete="current-password",
                size="3",
                width="100%",
                data_testid="admin-password",
            ),
            rx.cond(
                AdminState.login_error != "",
                rx.callout(AdminState.login_error, icon="circle-alert", color_scheme="red", size="1", role="alert",
                           width="100%", data_testid="login-error"),
            ),
            rx.button(tr("admin.login.submit"), type="submit", size="3", width="100%", loading=AdminState.login_busy,
                      data_testid="admin-login"),
            spacing="3",
            width="100%",
        ),
        on_submit=AdminState.login,
        reset_on_submit=True,
        width="100%",
    )


@rx.page(route="/admin", title="DictaChat · Admin sign-in", on_load=AdminState.open_login)
def login() -> rx.Component:
    return directed(rx.center(
        rx.vstack(
            card(
                rx.vstack(
                    brand(),
                    rx.heading(tr("admin.login.title"), size="6", margin_top="0.75rem"),
                    rx.text(tr("admin.login.subtitle"), size="2", color_scheme="gray"),
                    rx.box(height="0.5rem"),
                    login_form(),
                    spacing="2",
                    width="100%",
                ),
                style={"padding": "2rem"},
            ),
            rx.hstack(
                rx.button(rx.icon("languages", size=14), tr("lang.toggle"), variant="ghost", color_scheme="gray", size="1",
                          on_click=LangState.toggle_lang),
                rx.link(tr("admin.login.account"), href="/signin?next=/admin/overview", size="1", data_testid="admin-account-login"),
                rx.link(tr("admin.to_chat"), href="/", size="1", color_scheme="gray"),
                justify="between",
                width="100%",
                padding_x="0.25rem",
            ),
            width="100%",
            max_width="400px",
            spacing="3",
        ),
        min_height="100vh",
        padding="1rem",
        background="radial-gradient(1200px 500px at 50% -10%, var(--accent-a4), transparent), var(--gray-1)",
    ))
