"""The Reflex app: importing `dictachat.pages` registers every `@rx.page`."""

import reflex as rx

from dictachat import pages  # noqa: F401  (registers the pages)

app = rx.App(
    stylesheets=["/chat.css"],
    head_components=[
        rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
        rx.el.script(src="/chat.js", defer=True),
    ],
)
