"""/admin/events: every proxied request, filtered, sorted and paged; one event's detail; CSV export."""

from __future__ import annotations

import reflex as rx

from dictachat.admin.components.dialogs import view_dialog
from dictachat.admin.components.layout import admin_page, admin_shell
from dictachat.admin.components.ui import (
    empty_state,
    list_card,
    ltr,
    mono,
    select,
    status_badge,
    table,
    yes_no_badge,
)
from dictachat.admin.components.user_filter import user_select
from dictachat.admin.state.events import EventRow, EventsState
from dictachat.ui.i18n import tr

STATUSES = ["200", "400", "401", "403", "404", "413", "429", "500", "502", "503", "504"]


def filters() -> rx.Component:
    any_label = tr("admin.any")
    return rx.flex(
        rx.select.root(
            rx.select.trigger(placeholder=tr("admin.events.all_keys"), data_testid="filter-key"),
            rx.select.content(
                rx.select.item(tr("admin.events.all_keys"), value="__all__"),
                rx.foreach(EventsState.key_options, lambda k: rx.select.item(k[1], value=k[0])),
            ),
            value=rx.cond(EventsState.key_id == "", "__all__", EventsState.key_id),
            on_change=lambda value: EventsState.set_filter("key_id", value),
        ),
        user_select(EventsState),
        rx.debounce_input(
            rx.input(rx.input.slot(rx.icon("box", size=14)), placeholder=tr("admin.model"), value=EventsState.model,
                     on_change=lambda value: EventsState.set_filter("model", value), width="11rem", data_testid="filter-model"),
            debounce_timeout=400,
        ),
        select([("any", tr("admin.events.any_status")), *[(s, s) for s in STATUSES]],
               rx.cond(EventsState.status == "", "any", EventsState.status), lambda value: EventsState.set_filter("status", value)),
        select([("1h", tr("admin.window.1h")), ("24h", tr("admin.window.24h")), ("7d", tr("admin.window.7d")),
                ("30d", tr("admin.window.30d")), ("all", tr("admin.window.all"))], EventsState.window, lambda value: EventsState.set_filter("window", value)),
        rx.hstack(rx.text(tr("admin.events.stream"), size="1", color_scheme="gray"),
                  select([("any", any_label), ("yes", tr("admin.yes")), ("no", tr("admin.no"))], EventsState.stream,
                         lambda value: EventsState.set_filter("stream", value), size="1"), align="center", spacing="1"),
        rx.hstack(rx.text(tr("admin.events.cached"), size="1", color_scheme="gray"),
                  select([("any", any_label), ("yes", tr("admin.yes")), ("no", tr("admin.no"))], EventsState.cached,
                         lambda value: EventsState.set_filter("cached", value), size="1"), align="center", spacing="1"),
        rx.button(rx.icon("x", size=14), tr("admin.events.reset"), variant="ghost", color_scheme="gray", size="1",
                  on_click=EventsState.reset_filters),
        gap="0.5rem",
        wrap="wrap",
        align="center",
        width="100%",
        margin_bottom="0.75rem",
    )


def sort_header(label: rx.Var, column: str) -> rx.Component:
    """A header that sorts by `column`; the arrow shows the current direction."""
    active = EventsState.sort == column
    return rx.hstack(
        label,
        rx.cond(active, rx.icon(rx.cond(EventsState.order == "desc", "arrow-down", "arrow-up"), size=12),
                rx.icon("arrow-up-down", size=12, opacity="0.4")),
        spacing="1",
        align="center",
        cursor="pointer",
        on_click=EventsState.sort_by(column),
        data_testid=f"sort-{column}",
        color=rx.cond(active, "var(--accent-11)", "inherit"),
    )


def event_table_row(row: EventRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(ltr(row.time, size="1", white_space="nowrap")),
        rx.table.cell(rx.vstack(rx.text(row.key, size="2", white_space="nowrap"),
                                rx.cond(row.user != "", rx.text(rx.icon("user", size=11), " ", row.user, size="1",
                                                                color_scheme="gray", data_testid="event-user")),
                                spacing="0")),
        rx.table.cell(rx.vstack(mono(row.model, size="1"), rx.text(row.provider, size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(status_badge(row.status)),
        rx.table.cell(rx.hstack(
            rx.cond(row.stream, rx.badge("SSE", variant="outline", radius="full")),
            rx.cond(row.cached, rx.badge(tr("admin.events.hit"), color_scheme="grass", variant="soft", radius="full")),
            spacing="1",
        )),
        rx.table.cell(ltr(row.prompt, " / ", row.completion, size="2", white_space="nowrap"), data_testid="event-tokens"),
        rx.table.cell(ltr(row.cost, size="2"), data_testid="event-cost"),
        rx.table.cell(ltr(row.latency, size="2", white_space="nowrap")),
        on_click=EventsState.show(row.id),
        cursor="pointer",
        _hover={"background": "var(--gray-a2)"},
        data_testid="event-row",
    )


def pager() -> rx.Component:
    return rx.hstack(
        rx.text(EventsState.range_label, size="2", color_scheme="gray", data_testid="events-range"),
        rx.spacer(),
        rx.icon_button(rx.icon("chevron-left", size=16), variant="soft", size="1", on_click=EventsState.prev_page,
                       disabled=EventsState.page == 0, aria_label="previous page"),
        rx.text(EventsState.page + 1, " / ", EventsState.page_count, size="2"),
        rx.icon_button(rx.icon("chevron-right", size=16), variant="soft", size="1", on_click=EventsState.next_page,
                       disabled=EventsState.next_cursor == "", aria_label="next page"),
        align="center",
        width="100%",
        margin_top="0.75rem",
        dir="ltr",
    )


def events_table() -> rx.Component:
    return list_card(
        EventsState,
        filters(),
        rx.fragment(
            table(
                [sort_header(tr("admin.time"), "time"), tr("admin.key"), tr("admin.model"), tr("admin.status"), "",
                 tr("admin.events.tokens"), sort_header(tr("admin.stat.cost"), "cost"),
                 sort_header(tr("admin.events.latency"), "latency")],
                rx.foreach(EventsState.rows, event_table_row),
            ),
            pager(),
        ),
        empty_state("list", tr("admin.empty.events"), tr("admin.empty.events_body")),
        rows=10,
    )


def detail_item(label: rx.Var | str, value: rx.Component | rx.Var, test_id: str = "") -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(label, min_width="9rem"),
        rx.data_list.value(value, data_testid=test_id),
    )


def body_block(title: rx.Var, body: rx.Var) -> rx.Component:
    return rx.cond(
        body != "",
        rx.vstack(
            rx.text(title, weight="medium", size="2"),
            rx.code_block(body, language="json", wrap_long_lines=True, custom_style={"max_height": "16rem", "font_size": "12px"},
                          width="100%"),
            width="100%",
            spacing="1",
            dir="ltr",
        ),
    )


def detail_dialog() -> rx.Component:
    d = EventsState.detail
    return view_dialog(
        [tr("admin.events.detail")],
        rx.data_list.root(
            detail_item("ID", mono(d.id)),
            detail_item(tr("admin.time"), ltr(d.time)),
            detail_item(tr("admin.key"), rx.hstack(rx.text(d.key), mono(d.key_id, color_scheme="gray", size="1"))),
            detail_item(tr("admin.filter.user"), rx.text(rx.cond(d.user != "", d.user, "—")), "detail-user"),
            detail_item(tr("admin.status"), status_badge(d.status)),
            detail_item(tr("admin.model"), rx.hstack(mono(d.model), rx.text(d.provider, color_scheme="gray"))),
            detail_item(tr("admin.events.path"), mono(d.path)),
            detail_item(tr("admin.prompt"), ltr(d.prompt), "detail-prompt"),
            detail_item(tr("admin.completion"), ltr(d.completion), "detail-completion"),
            detail_item(tr("admin.stat.cost"), ltr(d.cost), "detail-cost"),
            detail_item(tr("admin.events.latency"), ltr(d.latency)),
            detail_item("TTFT", ltr(d.ttft)),
            detail_item(tr("admin.events.stream"), yes_no_badge(d.stream, tr("admin.yes"), tr("admin.no"))),
            detail_item(tr("admin.events.cached"), yes_no_badge(d.cached, tr("admin.yes"), tr("admin.no"))),
            detail_item(tr("admin.events.upstream"), mono(rx.cond(d.upstream != "", d.upstream, "—"))),
            size="2",
            orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        ),
        rx.cond(d.error != "", rx.callout(d.error, icon="triangle-alert", color_scheme="red", size="1", margin_top="1rem")),
        rx.vstack(body_block(tr("admin.events.request"), d.request), body_block(tr("admin.events.response"), d.response),
                  margin_top="1rem", width="100%"),
        is_open=EventsState.detail_open,
        on_open_change=EventsState.set_detail_open,
        max_width="760px",
    )


@admin_page("events", "Events", EventsState.load)
def events() -> rx.Component:
    return admin_shell(
        "events", events_table(), detail_dialog(),
        actions=rx.hstack(
            rx.button(rx.icon("download", size=14), tr("admin.events.export"), variant="soft", on_click=EventsState.export_csv,
                      loading=EventsState.exporting, data_testid="events-export"),
            rx.icon_button(rx.icon("refresh-cw", size=14), variant="soft", on_click=EventsState.load,
                           loading=EventsState.loading, aria_label="refresh", data_testid="events-refresh"),
        ),
    )
