"""The Reflex app: importing the chat page and the admin pages registers every `@rx.page`."""

import reflex as rx

from dictachat.admin import pages as admin_pages  # noqa: F401  (registers the admin pages)
from dictachat.auth import page as auth_page  # noqa: F401  (registers the sign-in page)
from dictachat.auth.api import auth_api
from dictachat.chat import page as chat_page  # noqa: F401  (registers the chat page)

app = rx.App(
    stylesheets=["/chat.css", "/auth.css"],
    head_components=[
        rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
        rx.el.script(src="/chat.js", defer=True),
        rx.el.script(src="/auth.js", defer=True),
    ],
    api_transformer=auth_api,  # /auth/sign-in, /auth/sign-out: the HttpOnly session cookie
)
