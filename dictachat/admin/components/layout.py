"""The admin frame: a sidebar on wide screens, a top bar on narrow ones, and the page header."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from dictachat.admin.state.base import AdminState
from dictachat.ui.i18n import tr
from dictachat.ui.lang import LangState


class DirectionProvider(rx.Component):
    """Radix's direction context: Radix Themes pins it to ltr, so tables, tabs and selects need it set for Hebrew."""

    library = "radix-ui@1.8.1"  # the version @radix-ui/themes already installs, so they share one context
    tag = "Direction.Provider"

    dir: rx.Var[str]


NAV = [
    ("overview", "/admin/overview", "layout-dashboard", "admin.nav.overview"),
    ("keys", "/admin/keys", "key-round", "admin.nav.keys"),
    ("users", "/admin/users", "users", "admin.nav.users"),
    ("providers", "/admin/providers", "server", "admin.nav.providers"),
    ("events", "/admin/events", "list", "admin.nav.events"),
    ("system", "/admin/system", "cpu", "admin.nav.system"),
]
SIDEBAR_WIDTH = "232px"


def brand() -> rx.Component:
    return rx.hstack(
        rx.center(rx.icon("sparkles", size=16), width="30px", height="30px", border_radius="9px",
                  background="var(--accent-9)", color="white"),
        rx.text("DictaChat", weight="bold", size="4"),
        rx.badge(tr("admin.badge"), variant="soft", radius="full"),
        align="center",
        spacing="2",
    )


def nav_link(name: str, route: str, icon: str, label: str, active: str, compact: bool = False) -> rx.Component:
    is_active = name == active
    return rx.link(
        rx.hstack(
            rx.icon(icon, size=16),
            rx.text(tr(label), size="2", weight="medium", white_space="nowrap"),
            align="center",
            spacing="2",
            padding="0.45rem 0.7rem" if compact else "0.55rem 0.75rem",
            border_radius="8px",
            background="var(--accent-a3)" if is_active else "transparent",
            color="var(--accent-11)" if is_active else "var(--gray-11)",
            _hover={"background": "var(--accent-a3)" if is_active else "var(--gray-a3)", "color": "var(--gray-12)"},
            width="100%",
        ),
        href=route,
        underline="none",
        data_testid=f"nav-{name}",
        aria_current="page" if is_active else None,
    )


def footer_actions(compact: bool = False) -> rx.Component:
    """Language toggle, back to chat and sign out."""
    size = "1" if compact else "2"
    return rx.flex(
        rx.button(rx.icon("languages", size=14), tr("lang.toggle"), variant="ghost", color_scheme="gray", size=size,
                  on_click=LangState.toggle_lang, data_testid="admin-lang"),
        rx.link(rx.button(rx.icon("message-square", size=14), tr("admin.to_chat"), variant="ghost", color_scheme="gray",
                          size=size), href="/", underline="none"),
        rx.button(rx.icon("log-out", size=14), tr("admin.logout"), variant="ghost", color_scheme="gray", size=size,
                  on_click=AdminState.logout, data_testid="admin-logout"),
        direction="row" if compact else "column",
        align="start",
        spacing="3" if compact else "2",
        wrap="wrap",
    )


def nav_bar(wide: bool, *children: rx.Component, **props: Any) -> rx.Component:
    """The navigation, as a sidebar on wide screens or a top bar on narrow ones (each shows only on its own);
    it stays on screen while the page scrolls under it."""
    return rx.vstack(
        *children,
        background="var(--gray-2)",
        position="sticky",
        top="0",
        display=rx.breakpoints(initial="none", md="flex") if wide else rx.breakpoints(initial="flex", md="none"),
        **props,
    )


def sidebar(active: str) -> rx.Component:
    return nav_bar(
        True,
        rx.box(brand(), padding="0.25rem 0.5rem 1rem"),
        *[nav_link(name, route, icon, label, active) for name, route, icon, label in NAV],
        rx.spacer(),
        rx.divider(),
        rx.box(footer_actions(), padding="0.5rem"),
        width=SIDEBAR_WIDTH,
        min_width=SIDEBAR_WIDTH,
        height="100dvh",
        padding="1.25rem 0.75rem",
        spacing="1",
        border_inline_end="1px solid var(--gray-a4)",
    )


def topbar(active: str) -> rx.Component:
    """The narrow-screen navigation: brand and actions, then a scrollable row of pages."""
    return nav_bar(
        False,
        rx.hstack(brand(), rx.spacer(), footer_actions(compact=True), align="center", width="100%", wrap="wrap"),
        rx.hstack(
            *[nav_link(name, route, icon, label, active, compact=True) for name, route, icon, label in NAV],
            spacing="1",
            overflow_x="auto",
            width="100%",
            padding_bottom="0.25rem",
        ),
        width="100%",
        padding="0.75rem 1rem 0.5rem",
        border_bottom="1px solid var(--gray-a4)",
        z_index="10",
        spacing="2",
    )


def page_header(title: rx.Var | str, subtitle: rx.Var | str, actions: rx.Component | None = None) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.heading(title, size="6", weight="bold"),
            rx.text(subtitle, size="2", color_scheme="gray"),
            spacing="1",
        ),
        rx.spacer(),
        actions or rx.fragment(),
        direction=rx.breakpoints(initial="column", sm="row"),
        align=rx.breakpoints(initial="start", sm="center"),
        gap="0.75rem",
        width="100%",
        margin_bottom="1.25rem",
    )


def _waiting() -> rx.Component:
    return rx.center(rx.spinner(size="3"), height="60vh", width="100%")


def directed(*children: rx.Component, **props) -> rx.Component:
    """Lay `children` out in the UI language's direction (right-to-left for Hebrew)."""
    return DirectionProvider.create(rx.box(*children, dir=LangState.direction, **props), dir=LangState.direction)


def admin_page(name: str, title: str, *on_load: Any) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """Register the page /admin/<name>: the session check runs first on load, then the page's own loads."""
    return rx.page(route=f"/admin/{name}", title=f"DictaChat · {title}", on_load=[AdminState.require_session, *on_load])


def admin_shell(active: str, *content: rx.Component, actions: rx.Component | None = None) -> rx.Component:
    """Frame the admin page `active`, headed by its title and subtitle (admin.<active>.title/.subtitle);
    its content appears only once the session check has passed."""
    title, subtitle = tr(f"admin.{active}.title"), tr(f"admin.{active}.subtitle")
    return directed(rx.flex(
        sidebar(active),
        rx.box(
            topbar(active),
            rx.box(
                rx.cond(
                    AdminState.signed_in,
                    rx.fragment(page_header(title, subtitle, actions), *content),
                    _waiting(),
                ),
                padding=rx.breakpoints(initial="1rem", md="1.75rem 2rem"),
                max_width="1400px",
                margin_x="auto",
                width="100%",
                data_testid="admin-content",
            ),
            flex="1",
            min_width="0",
        ),
        min_height="100vh",
        width="100%",
        background="var(--gray-1)",
    ))
