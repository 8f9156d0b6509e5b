"""Building blocks shared by the admin pages: cards, stats, states (empty, loading, error), form fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from dictachat.ui.i18n import tr

CARD_STYLE = {
    "background": "var(--color-panel-solid)",
    "border": "1px solid var(--gray-a4)",
    "border_radius": "12px",
    "box_shadow": "0 1px 2px var(--black-a2)",
}


def card(*children: rx.Component, **props) -> rx.Component:
    """A white panel with a hairline border, the dashboard's basic surface."""
    style = {**CARD_STYLE, "padding": "1.25rem", "width": "100%", **props.pop("style", {})}
    return rx.box(*children, style=style, **props)


def section(title: rx.Var | str, *children: rx.Component, actions: rx.Component | None = None, **props) -> rx.Component:
    """A card with a small header line (title left, actions right)."""
    return card(
        rx.hstack(
            rx.text(title, weight="medium", size="3"),
            rx.spacer(),
            actions or rx.fragment(),
            align="center",
            width="100%",
            margin_bottom="0.75rem",
        ),
        *children,
        **props,
    )


def stat_card(label: rx.Var | str, value: rx.Var | str, icon: str, hint: rx.Var | str = "", test_id: str = "") -> rx.Component:
    """One big number with its label, an icon and an optional hint line."""
    return card(
        rx.hstack(
            rx.text(label, size="2", color_scheme="gray", weight="medium"),
            rx.spacer(),
            rx.center(rx.icon(icon, size=16), width="28px", height="28px", border_radius="8px",
                      background="var(--accent-a3)", color="var(--accent-11)"),
            align="center",
            width="100%",
        ),
        rx.text(value, size="7", weight="bold", margin_top="0.35rem", data_testid=test_id,
                style={"font_variant_numeric": "tabular-nums", "direction": "ltr", "unicode_bidi": "isolate"}),
        rx.text(hint, size="1", color_scheme="gray", margin_top="0.15rem", min_height="1em"),
        style={"padding": "1rem 1.1rem"},
    )


def empty_state(icon: str, title: rx.Var | str, body: rx.Var | str, action: rx.Component | None = None) -> rx.Component:
    """What a table or chart shows when there is nothing yet, with the next step to take."""
    return rx.center(
        rx.vstack(
            rx.center(rx.icon(icon, size=22), width="44px", height="44px", border_radius="999px",
                      background="var(--gray-a3)", color="var(--gray-11)"),
            rx.text(title, weight="medium", size="3"),
            rx.text(body, size="2", color_scheme="gray", text_align="center", max_width="28rem"),
            action or rx.fragment(),
            align="center",
            spacing="2",
        ),
        padding="2.5rem 1rem",
        width="100%",
        data_testid="empty-state",
    )


def error_callout(message: rx.Var, on_retry: rx.EventHandler | None = None) -> rx.Component:
    """A red banner with the error in words and a retry button; renders nothing without an error."""
    return rx.cond(
        message != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert", size=16)),
            rx.hstack(
                rx.callout.text(message, data_testid="admin-error"),
                rx.spacer(),
                rx.button(tr("admin.retry"), size="1", variant="soft", color_scheme="red", on_click=on_retry)
                if on_retry is not None else rx.fragment(),
                align="center",
                width="100%",
            ),
            color_scheme="red",
            role="alert",
            width="100%",
        ),
    )


def loading_rows(count: int = 5) -> rx.Component:
    """Skeleton lines standing in for a table while it loads."""
    return rx.vstack(
        *[rx.skeleton(rx.box(height="28px", width="100%"), loading=True) for _ in range(count)],
        spacing="2",
        width="100%",
        padding_y="0.5rem",
    )


def loading_or(loading: rx.Var, error: rx.Var, content: rx.Component, rows: int = 5) -> rx.Component:
    """Skeletons while loading, nothing under an error (its banner says why), else the content."""
    return rx.cond(loading, loading_rows(rows), rx.cond(error == "", content))


def list_card(state: Any, toolbar: rx.Component, content: rx.Component, empty: rx.Component, rows: int = 5) -> rx.Component:
    """A page's list (a state with `rows`, `loading`, `error`, `load`): toolbar, the error with a retry,
    skeletons until the first rows come, then `content`, or `empty` when there are none."""
    return card(
        toolbar,
        error_callout(state.error, on_retry=state.load),
        loading_or(state.loading & (state.rows.length() == 0), state.error,
                   rx.cond(state.rows.length() > 0, content, empty), rows=rows),
    )


def field(label: rx.Var | str, control: rx.Component, hint: rx.Var | str | None = None) -> rx.Component:
    """A labelled form control with an optional hint under it."""
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        control,
        rx.text(hint, size="1", color_scheme="gray") if hint is not None else rx.fragment(),
        spacing="1",
        width="100%",
        align="stretch",
    )


def ltr(*values: rx.Var | str, **props) -> rx.Component:
    """Text that stays left-to-right inside a Hebrew layout (numbers with units, times, ids)."""
    return rx.text(*values, as_="span", style={"direction": "ltr", "unicode_bidi": "isolate"}, **props)


def mono(value: rx.Var | str, **props) -> rx.Component:
    """An id (key id, UUID) in monospace, left-to-right and never wrapped in the middle."""
    return rx.code(value, variant="ghost", style={"direction": "ltr", "unicode_bidi": "isolate", "white_space": "nowrap"}, **props)


def status_badge(status: rx.Var) -> rx.Component:
    """HTTP status as a coloured badge: green 2xx, amber 4xx, red 5xx and transport failures."""
    return rx.badge(
        status,
        color_scheme=rx.cond(status.to(int) < 300, "green", rx.cond(status.to(int) < 500, "amber", "red")),
        variant="soft",
        radius="full",
    )


def yes_no_badge(value: rx.Var, yes: rx.Var | str, no: rx.Var | str, yes_color: str = "green") -> rx.Component:
    return rx.cond(
        value,
        rx.badge(yes, color_scheme=yes_color, variant="soft", radius="full"),
        rx.badge(no, color_scheme="gray", variant="soft", radius="full"),
    )


def table(headers: list[rx.Var | str], body: rx.Component, **props) -> rx.Component:
    """A horizontally scrollable table so wide rows never break a narrow screen."""
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h, white_space="nowrap") for h in headers])),
            rx.table.body(body),
            variant="ghost",
            size="2",
            width="100%",
            **props,
        ),
        overflow_x="auto",
        width="100%",
    )


def select(options: list[tuple[str, rx.Var | str]], value: rx.Var, on_change: rx.EventHandler, **props) -> rx.Component:
    """A Radix select from (value, label) pairs."""
    return rx.select.root(
        rx.select.trigger(**props.pop("trigger", {})),
        rx.select.content(*[rx.select.item(label, value=val) for val, label in options]),
        value=value,
        on_change=on_change,
        **props,
    )


def choice(options: list[tuple[str, rx.Var | str]], value: rx.Var, on_pick: Callable[[str], EventSpec],
           test_id: str = "") -> rx.Component:
    """A segmented choice; `on_pick(value)` is called with the picked option (works right-to-left too)."""
    return rx.hstack(
        *[
            rx.button(label, size="1", variant=rx.cond(value == val, "surface", "ghost"),
                      color=rx.cond(value == val, "var(--accent-11)", "var(--gray-11)"), on_click=on_pick(val),
                      margin="0", padding_x="0.65rem",  # ghost buttons carry negative margins; not here
                      data_testid=f"{test_id}-{val}" if test_id else None, aria_pressed=rx.cond(value == val, "true", "false"))
            for val, label in options
        ],
        spacing="1",
        padding="3px",
        border_radius="9px",
        background="var(--gray-a3)",
        wrap="wrap",
    )

