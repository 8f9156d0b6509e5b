"""The Reflex app: importing the chat page and the admin pages registers every `@rx.page`."""

import reflex as rx

from dictachat.admin import pages as admin_pages  # noqa: F401  (registers the admin pages)
from dictachat.chat import page as chat_page  # noqa: F401  (registers the chat page)

app = rx.App(
    stylesheets=["/chat.css"],
    head_components=[
        rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
        rx.el.script(src="/chat.js", defer=True),
    ],
)
