"""/admin/keys: search and filter keys, create (raw key shown once), edit, revoke, per-key usage."""

from __future__ import annotations

import reflex as rx

from dictachat.admin.components.charts import bar_chart
from dictachat.admin.components.dialogs import (
    confirm_bar,
    confirm_dialog,
    form_dialog,
    form_grid,
    save_form,
    shown_once_dialog,
    view_dialog,
)
from dictachat.admin.components.layout import admin_page, admin_shell
from dictachat.admin.components.limits import cost_inputs, quota_inputs, rate_input
from dictachat.admin.components.ui import choice, empty_state, field, list_card, ltr, mono, stat_card, table
from dictachat.admin.state.keys import KeyRow, KeysState
from dictachat.ui.i18n import tr, tr_n


def toolbar() -> rx.Component:
    return rx.flex(
        rx.debounce_input(
            rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder=tr("admin.keys.search"),
                     value=KeysState.search, on_change=KeysState.set_search, width="100%", data_testid="keys-search"),
            debounce_timeout=300,
        ),
        rx.select.root(
            rx.select.trigger(placeholder=tr("admin.keys.all_tags")),
            rx.select.content(
                rx.select.item(tr("admin.keys.all_tags"), value="__all__"),
                rx.foreach(KeysState.all_tags, lambda tag: rx.select.item(tag, value=tag)),
            ),
            value=rx.cond(KeysState.tag == "", "__all__", KeysState.tag),
            on_change=KeysState.set_tag,
        ),
        choice([("all", tr("admin.all")), ("active", tr("admin.keys.active")), ("revoked", tr("admin.keys.revoked"))],
               KeysState.status, KeysState.set_status, test_id="keys-status"),
        gap="0.5rem",
        wrap="wrap",
        align="center",
        width="100%",
        margin_bottom="0.75rem",
    )


def key_actions(row: KeyRow) -> rx.Component:
    return rx.hstack(
        rx.tooltip(rx.icon_button(rx.icon("chart-line", size=14), variant="ghost", size="1",
                                  on_click=KeysState.open_usage(row.key_id), aria_label="usage"), content=tr("admin.keys.usage")),
        rx.tooltip(rx.icon_button(rx.icon("pencil", size=14), variant="ghost", size="1",
                                  on_click=KeysState.open_edit(row.key_id), aria_label="edit"), content=tr("admin.edit")),
        rx.cond(
            row.revoked,
            rx.fragment(),
            rx.tooltip(rx.icon_button(rx.icon("ban", size=14), variant="ghost", size="1", color_scheme="red",
                                      on_click=KeysState.ask_revoke(row.key_id), aria_label="revoke",
                                      data_testid="key-revoke"), content=tr("admin.keys.revoke")),
        ),
        spacing="1",
    )


def key_table_row(row: KeyRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(row.name, weight="medium"), mono(row.key_id, size="1", color_scheme="gray"),
                                spacing="0")),
        rx.table.cell(rx.flex(rx.foreach(row.tags, lambda tag: rx.badge(tag, variant="outline", radius="full")),
                              gap="1", wrap="wrap")),
        rx.table.cell(rx.vstack(
            rx.cond(
                row.revoked,
                rx.tooltip(rx.badge(tr("admin.keys.revoked"), color_scheme="red", variant="soft", radius="full"),
                           content=rx.cond(row.revoked_reason != "", row.revoked_reason, "—")),
                rx.cond(row.expired,
                        rx.badge(tr("admin.keys.expired"), color_scheme="amber", variant="soft", radius="full"),
                        rx.badge(tr("admin.keys.active"), color_scheme="green", variant="soft", radius="full")),
            ),
            rx.cond(row.expires != "", rx.text(tr("admin.keys.expires"), " ", ltr(row.expires), size="1", color_scheme="gray",
                                               white_space="nowrap")),
            spacing="1",
        ), data_testid="key-status"),
        rx.table.cell(rx.vstack(rx.cond(row.limits.length() > 0, rx.foreach(row.limits, lambda text: ltr(text, size="2")),
                                        ltr("—", size="2")),
                                ltr(row.share, size="1", color_scheme="gray", data_testid="key-share"), spacing="0")),
        rx.table.cell(rx.vstack(ltr(row.spend, weight="medium"), rx.text(tr_n("admin.n_requests", row.requests), size="1",
                                                                            color_scheme="gray"), spacing="0")),
        rx.table.cell(ltr(row.created, size="1", white_space="nowrap")),
        rx.table.cell(key_actions(row)),
        data_testid="key-row",
        align="center",
    )


def keys_table() -> rx.Component:
    return list_card(
        KeysState,
        toolbar(),
        table(
            [tr("admin.name"), tr("admin.keys.tags"), tr("admin.status"), tr("admin.keys.limits"),
             tr("admin.keys.spend"), tr("admin.created"), ""],
            rx.foreach(KeysState.rows, key_table_row),
        ),
        empty_state("key-round", tr("admin.empty.keys"), tr("admin.empty.keys_body"),
                    rx.button(rx.icon("plus", size=14), tr("admin.keys.create"), on_click=KeysState.open_create)),
    )


def _input(name: str, placeholder: str | rx.Var = "", **props) -> rx.Component:
    # dir="auto": Hebrew names read right-to-left, URLs, paths and numbers stay left-to-right.
    return rx.input(name=name, default_value=KeysState.form[name], placeholder=placeholder, width="100%", dir="auto", **props)


def key_form() -> rx.Component:
    return save_form(
        KeysState,
        field(tr("admin.name"), _input("name", "team-a", required=True, data_testid="key-name")),
        field(tr("admin.keys.tags"), _input("tags", "prod, team-a"), hint=tr("admin.hint.comma")),
        form_grid(
            rate_input(KeysState.form, tr("admin.hint.rate")),
            field(tr("admin.keys.ttl"), _input("ttl", "720h"), hint=tr("admin.hint.ttl")),
            *cost_inputs(KeysState.form, tr("admin.hint.cost_total"), "key"),
            field(tr("admin.keys.thinking_budget"), _input("thinking_budget", "1024", type="number", min=0),
                  hint=tr("admin.hint.thinking_budget")),
        ),
        share_fields(),
        field(tr("admin.keys.paths"), _input("paths", "/v1/chat/completions"), hint=tr("admin.hint.paths")),
        field(tr("admin.keys.models"), _input("models", "scripted-model"), hint=tr("admin.hint.models")),
        rx.hstack(
            rx.checkbox(tr("admin.keys.log_request"), name="log_request",
                        default_checked=KeysState.form["log_request"] == "on"),
            rx.checkbox(tr("admin.keys.log_response"), name="log_response",
                        default_checked=KeysState.form["log_response"] == "on"),
            spacing="4",
            wrap="wrap",
        ),
        save_test_id="key-save",
    )


def share_fields() -> rx.Component:
    """The key's share of the GPU: requests at once, tokens per window, queue wait, priority."""
    return form_grid(
        *quota_inputs(KeysState.form, "key"),
        field(tr("admin.keys.queue_wait"), _input("queue_wait", "60", type="number", min=0, data_testid="key-queue-wait"),
              hint=tr("admin.hint.queue_wait")),
        field(tr("admin.keys.priority"), _input("priority", "1", type="number", min=1, max=100, data_testid="key-priority"),
              hint=tr("admin.hint.priority")),
    )


def key_dialog() -> rx.Component:
    return form_dialog(
        KeysState,
        rx.cond(KeysState.editing_id != "", tr("admin.keys.edit"), tr("admin.keys.create")),
        rx.dialog.description(tr("admin.keys.form_help"), size="2", color_scheme="gray", margin_bottom="1rem"),
        key_form(),
    )


def new_key_dialog() -> rx.Component:
    return shown_once_dialog([tr("admin.keys.created")], tr("admin.keys.once"), KeysState.new_key, KeysState.close_new_key,
                             "new-key")


def revoke_dialog() -> rx.Component:
    return confirm_dialog(
        [tr("admin.keys.revoke"), " ", KeysState.revoke_name],
        tr("admin.keys.revoke_help"),
        rx.form(
            rx.vstack(
                rx.input(name="reason", placeholder=tr("admin.keys.reason"), width="100%", data_testid="revoke-reason"),
                confirm_bar(rx.button(tr("admin.keys.revoke"), color_scheme="red", type="submit", data_testid="revoke-confirm")),
                spacing="3",
            ),
            on_submit=KeysState.revoke,
        ),
        is_open=KeysState.revoke_id != "",
        on_cancel=KeysState.cancel_revoke,
    )


def usage_dialog() -> rx.Component:
    s = KeysState.usage_summary
    return view_dialog(
        [tr("admin.keys.usage"), " · ", KeysState.usage_name],
        rx.grid(
            stat_card(tr("admin.keys.spend_total"), KeysState.usage_spend, "circle-dollar-sign"),
            stat_card(tr("admin.stat.requests"), s["requests"], "activity", hint=tr("admin.window.7d")),
            stat_card(tr("admin.stat.tokens"), s["tokens"], "text", hint=tr("admin.window.7d")),
            columns=rx.breakpoints(initial="1", sm="3"),
            spacing="3",
            margin_y="1rem",
        ),
        rx.box(bar_chart(KeysState.usage_series, [("requests", tr("admin.stat.requests"), "accent")], KeysState.usage_ticks),
               dir="ltr"),
        is_open=KeysState.usage_open,
        on_open_change=KeysState.set_usage_open,
        max_width="720px",
    )


@admin_page("keys", "Keys", KeysState.load)
def keys() -> rx.Component:
    return admin_shell(
        "keys", keys_table(), key_dialog(), new_key_dialog(), revoke_dialog(), usage_dialog(),
        actions=rx.button(rx.icon("plus", size=14), tr("admin.keys.create"), on_click=KeysState.open_create,
                          data_testid="key-create"),
    )
