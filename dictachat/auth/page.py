"""/signin: user name and password, posted by assets/auth.js to the sign-in API (not through the
websocket), so the session cookie can be HttpOnly and the password never enters page state."""

from __future__ import annotations

import reflex as rx

from dictachat.auth.guard import SIGN_IN_ROUTE
from dictachat.auth.state import AccountState
from dictachat.ui.i18n import tr
from dictachat.ui.lang import LangState

# The sign-in API's error codes, each with its sentence (auth.js shows the one that came back).
_MESSAGES = ("wrong_password", "throttled", "missing_fields", "too_long", "cross_site", "network")


def _message(code: str) -> rx.Component:
    text = rx.el.span(tr(f"auth.err.{code}"))
    if code == "throttled":
        text = rx.el.span(tr("auth.err.throttled"), " ", rx.el.span(custom_attrs={"data-auth-seconds": ""}), " ", tr("auth.seconds"))
    return rx.el.p(text, hidden=True, role="alert", class_name="auth-error", custom_attrs={"data-auth-code": code})


def sign_in_form() -> rx.Component:
    return rx.el.form(
        rx.el.label(tr("auth.name"), rx.el.input(name="name", id="signin-name", auto_complete="username", auto_focus=True,
                                                 required=True, max_length=256, class_name="input", dir="auto"),
                    class_name="auth-field"),
        rx.el.label(tr("auth.password"), rx.el.input(name="password", id="signin-password", type="password",
                                                     auto_complete="current-password", required=True, max_length=256,
                                                     class_name="input", dir="ltr"),
                    class_name="auth-field"),
        *[_message(code) for code in _MESSAGES],
        rx.el.button(tr("auth.submit"), type="submit", id="signin-submit", class_name="btn btn-primary auth-submit"),
        custom_attrs={"data-auth-post": "/auth/sign-in"},
        class_name="auth-form",
    )


def sign_out_button(everywhere: bool = False) -> rx.Component:
    """A button that signs this browser (or every browser of the user) out, through the sign-in API."""
    action = "/auth/sign-out-everywhere" if everywhere else "/auth/sign-out"
    label = "auth.sign_out_everywhere" if everywhere else "auth.sign_out"
    return rx.el.form(
        rx.el.button(rx.icon("log-out", size=16), tr(label), type="submit", class_name="foot-btn",
                     id="sign-out-everywhere" if everywhere else "sign-out"),
        custom_attrs={"data-auth-post": action},
    )


@rx.page(route=SIGN_IN_ROUTE, title="DictaChat · Sign in", on_load=AccountState.open_sign_in)
def sign_in_page() -> rx.Component:
    return rx.el.div(
        rx.el.div(
            rx.el.div(rx.icon("sparkles", size=20), rx.el.span("DictaChat"), class_name="brand"),
            rx.el.h1(tr("auth.title"), class_name="auth-title"),
            rx.cond(AccountState.ended, rx.el.p(tr("auth.ended"), role="status", class_name="auth-note", id="session-ended")),
            sign_in_form(),
            rx.el.button(rx.icon("languages", size=14), tr("lang.toggle"), type="button", class_name="foot-btn",
                         on_click=LangState.toggle_lang),
            class_name="auth-card",
        ),
        dir=LangState.direction,
        lang=LangState.lang,
        class_name="auth-page",
    )
