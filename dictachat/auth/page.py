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
# The sign-up API's (dictachat/auth/api.py SIGN_UP_CODES and its own checks).
_SIGN_UP_MESSAGES = ("missing_fields", "too_long", "password_mismatch", "throttled", "signup_disabled", "bad_name",
                     "name_taken", "bad_password", "bad_email", "email_required", "wrong_domain", "email_taken",
                     "bad_input", "cross_site", "network")


def _message(code: str, prefix: str = "auth.err") -> rx.Component:
    text = rx.el.span(tr(f"{prefix}.{code}"))
    if code == "throttled":
        text = rx.el.span(tr(f"{prefix}.throttled"), " ", rx.el.span(custom_attrs={"data-auth-seconds": ""}), " ", tr("auth.seconds"))
    if code in ("email_required", "wrong_domain"):
        text = rx.el.span(tr(f"{prefix}.{code}"), " ", rx.el.b("@", AccountState.signup_domain, dir="ltr"))
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


def _field(label: str, **attrs: object) -> rx.Component:
    return rx.el.label(tr(label), rx.el.input(required=True, max_length=256, class_name="input", **attrs),
                       class_name="auth-field")


def sign_up_form() -> rx.Component:
    """A person's own account (shown only when the gateway allows sign-up), signed in at once."""
    email_hint = rx.cond(AccountState.signup_domain != "", "name@" + AccountState.signup_domain, "")
    return rx.el.form(
        _field("auth.name", name="name", id="signup-name", auto_complete="username", auto_focus=True, dir="auto"),
        rx.el.label(rx.cond(AccountState.signup_domain != "", tr("auth.email"), tr("auth.email_optional")),
                    rx.el.input(name="email", id="signup-email", type="email", auto_complete="email", max_length=254,
                                required=AccountState.signup_domain != "", placeholder=email_hint, class_name="input",
                                dir="ltr"),
                    class_name="auth-field"),
        _field("auth.new_password", name="password", id="signup-password", type="password",
               auto_complete="new-password", min_length=8, dir="ltr"),
        _field("auth.repeat_password", name="repeat", id="signup-repeat", type="password",
               auto_complete="new-password", min_length=8, dir="ltr"),
        *[_message(code, "auth.signup.err") for code in _SIGN_UP_MESSAGES],
        rx.el.button(tr("auth.signup.submit"), type="submit", id="signup-submit", class_name="btn btn-primary auth-submit"),
        custom_attrs={"data-auth-post": "/auth/sign-up"},
        class_name="auth-form",
        id="signup-form",
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
            rx.el.h1(rx.cond(AccountState.signing_up, tr("auth.signup.title"), tr("auth.title")), class_name="auth-title"),
            rx.cond(AccountState.ended, rx.el.p(tr("auth.ended"), role="status", class_name="auth-note", id="session-ended")),
            rx.cond(AccountState.signing_up, sign_up_form(), sign_in_form()),
            rx.cond(AccountState.signup_enabled,
                    rx.el.p(rx.cond(AccountState.signing_up, tr("auth.signup.have_account"), tr("auth.signup.no_account")), " ",
                            rx.el.button(rx.cond(AccountState.signing_up, tr("auth.submit"), tr("auth.signup.open")),
                                         type="button", id="signup-toggle", class_name="auth-link",
                                         on_click=AccountState.toggle_sign_up),
                            class_name="auth-switch")),
            rx.el.button(rx.icon("languages", size=14), tr("lang.toggle"), type="button", class_name="foot-btn",
                         on_click=LangState.toggle_lang),
            class_name="auth-card",
        ),
        dir=LangState.direction,
        lang=LangState.lang,
        class_name="auth-page",
    )
