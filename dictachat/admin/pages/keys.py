"""/admin/keys: search and filter keys, create (raw key shown once), edit, revoke, per-key usage."""

from __future__ import annotations

import reflex as rx

from dictachat.admin.components.charts import area_chart
from dictachat.admin.components.layout import admin_shell
from dictachat.admin.components.ui import (
    card,
    choice,
    empty_state,
    error_callout,
    field,
    loading_or,
    ltr,
    mono,
    stat_card,
    table,
)
from dictachat.admin.state.base import AdminState
from dictachat.admin.state.keys import COST_UNITS, RATE_UNITS, TOKEN_UNITS, KeyRow, KeysState
from dictachat.ui.i18n import tr
from dictachat.ui.lang import LangState


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
        rx.table.cell(rx.vstack(ltr(rx.cond(row.rate != "", row.rate, "—"), size="2"),
                                ltr(row.cost_limit, size="1", color_scheme="gray"),
                                ltr(row.share, size="1", color_scheme="gray", data_testid="key-share"), spacing="0")),
        rx.table.cell(rx.vstack(ltr(row.spend, weight="medium"), rx.text(row.requests, " ", tr("admin.requests"), size="1",
                                                                            color_scheme="gray"), spacing="0")),
        rx.table.cell(ltr(row.created, size="1", white_space="nowrap")),
        rx.table.cell(key_actions(row)),
        data_testid="key-row",
        align="center",
    )


def keys_table() -> rx.Component:
    return card(
        toolbar(),
        error_callout(KeysState.error, on_retry=KeysState.load),
        loading_or(
            KeysState.loading & (KeysState.rows.length() == 0),
            KeysState.error,
            rx.cond(
                KeysState.rows.length() > 0,
                table(
                    [tr("admin.name"), tr("admin.keys.tags"), tr("admin.status"), tr("admin.keys.limits"),
                     tr("admin.keys.spend"), tr("admin.created"), ""],
                    rx.foreach(KeysState.rows, key_table_row),
                ),
                empty_state("key-round", tr("admin.empty.keys"), tr("admin.empty.keys_body"),
                            rx.button(rx.icon("plus", size=14), tr("admin.keys.create"), on_click=KeysState.open_create)),
            ),
        ),
    )


def _input(name: str, placeholder: str | rx.Var = "", **props) -> rx.Component:
    # dir="auto": Hebrew names read right-to-left, URLs, paths and numbers stay left-to-right.
    return rx.input(name=name, default_value=KeysState.form[name], placeholder=placeholder, width="100%", dir="auto", **props)


def key_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            field(tr("admin.name"), _input("name", "team-a", required=True, data_testid="key-name")),
            field(tr("admin.keys.tags"), _input("tags", "prod, team-a"), hint=tr("admin.hint.comma")),
            rx.grid(
                field(tr("admin.keys.rate"), rx.hstack(
                    _input("rate", "60", type="number", min=0),
                    rx.select(list(RATE_UNITS), name="rate_unit", default_value=KeysState.form["rate_unit"]),
                ), hint=tr("admin.hint.rate")),
                field(tr("admin.keys.ttl"), _input("ttl", "720h"), hint=tr("admin.hint.ttl")),
                field(tr("admin.keys.thinking_budget"), _input("thinking_budget", "1024", type="number", min=0),
                      hint=tr("admin.hint.thinking_budget")),
                field(tr("admin.keys.cost_limit"), _input("cost_limit", "10", type="number", min=0, step="any"),
                      hint=tr("admin.hint.cost_total")),
                field(tr("admin.keys.cost_period"), rx.hstack(
                    _input("cost_period", "1", type="number", min=0, step="any"),
                    rx.select(list(COST_UNITS), name="cost_unit", default_value=KeysState.form["cost_unit"]),
                ), hint=tr("admin.hint.cost_period")),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
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
            rx.cond(KeysState.form_error != "", rx.callout(KeysState.form_error, icon="circle-alert", color_scheme="red",
                                                           size="1", width="100%", data_testid="form-error")),
            rx.hstack(
                rx.dialog.close(rx.button(tr("admin.cancel"), variant="soft", color_scheme="gray", type="button")),
                rx.button(tr("admin.save"), type="submit", loading=KeysState.saving, data_testid="key-save"),
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=KeysState.save,
    )


def share_fields() -> rx.Component:
    """The key's share of the GPU: requests at once, tokens per window, queue wait, priority."""
    return rx.grid(
        field(tr("admin.keys.concurrent"), _input("concurrent", "4", type="number", min=0, data_testid="key-concurrent"),
              hint=tr("admin.hint.concurrent")),
        field(tr("admin.keys.tokens"), rx.hstack(
            _input("tokens", "100000", type="number", min=0, data_testid="key-tokens"),
            rx.select(list(TOKEN_UNITS), name="token_unit", default_value=KeysState.form["token_unit"]),
        ), hint=tr("admin.hint.tokens")),
        field(tr("admin.keys.queue_wait"), _input("queue_wait", "60", type="number", min=0, data_testid="key-queue-wait"),
              hint=tr("admin.hint.queue_wait")),
        field(tr("admin.keys.priority"), _input("priority", "1", type="number", min=1, max=100, data_testid="key-priority"),
              hint=tr("admin.hint.priority")),
        columns=rx.breakpoints(initial="1", sm="2"),
        spacing="3",
        width="100%",
    )


def form_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(KeysState.editing_id != "", tr("admin.keys.edit"), tr("admin.keys.create"))),
            rx.dialog.description(tr("admin.keys.form_help"), size="2", color_scheme="gray", margin_bottom="1rem"),
            key_form(),
            max_width="560px",
            dir=LangState.direction,
        ),
        open=KeysState.form_open,
        on_open_change=KeysState.set_form_open,
    )


def new_key_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("admin.keys.created")),
            rx.callout(tr("admin.keys.once"), icon="shield-alert", color_scheme="amber", size="1", margin_y="0.75rem"),
            rx.hstack(
                rx.code(KeysState.new_key, size="3", style={"direction": "ltr", "word_break": "break-all", "padding": "0.5rem"},
                        data_testid="new-key", flex="1"),
                rx.icon_button(rx.icon("copy", size=16), on_click=[rx.set_clipboard(KeysState.new_key),
                                                                  rx.toast.success(tr("chat.copied"))],
                               variant="soft", aria_label="copy", data_testid="copy-key"),
                align="center",
                width="100%",
            ),
            rx.hstack(rx.button(tr("admin.done"), on_click=KeysState.close_new_key, data_testid="new-key-done"),
                      justify="end", margin_top="1rem"),
            max_width="560px",
            dir=LangState.direction,
        ),
        open=KeysState.new_key != "",
    )


def revoke_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(tr("admin.keys.revoke"), " ", KeysState.revoke_name),
            rx.alert_dialog.description(tr("admin.keys.revoke_help"), size="2", margin_bottom="0.75rem"),
            rx.form(
                rx.vstack(
                    rx.input(name="reason", placeholder=tr("admin.keys.reason"), width="100%", data_testid="revoke-reason"),
                    rx.hstack(
                        rx.alert_dialog.cancel(rx.button(tr("admin.cancel"), variant="soft", color_scheme="gray", type="button")),
                        rx.button(tr("admin.keys.revoke"), color_scheme="red", type="submit", data_testid="revoke-confirm"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=KeysState.revoke,
            ),
            dir=LangState.direction,
        ),
        open=KeysState.revoke_id != "",
        on_open_change=KeysState.cancel_revoke,
    )


def usage_dialog() -> rx.Component:
    s = KeysState.usage_summary
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("admin.keys.usage"), " · ", KeysState.usage_name),
            rx.grid(
                stat_card(tr("admin.keys.spend_total"), KeysState.usage_spend, "circle-dollar-sign"),
                stat_card(tr("admin.stat.requests"), s["requests"], "activity", hint=tr("admin.window.7d")),
                stat_card(tr("admin.stat.tokens"), s["tokens"], "text", hint=tr("admin.window.7d")),
                columns=rx.breakpoints(initial="1", sm="3"),
                spacing="3",
                margin_y="1rem",
            ),
            rx.box(area_chart(KeysState.usage_series, [("requests", tr("admin.stat.requests"), "accent")]), dir="ltr"),
            rx.hstack(rx.dialog.close(rx.button(tr("admin.done"), variant="soft")), justify="end", margin_top="1rem"),
            max_width="720px",
            dir=LangState.direction,
        ),
        open=KeysState.usage_open,
        on_open_change=KeysState.set_usage_open,
    )


@rx.page(route="/admin/keys", title="DictaChat · Keys", on_load=[AdminState.require_session, KeysState.load])
def keys() -> rx.Component:
    return admin_shell(
        "keys", tr("admin.keys.title"), tr("admin.keys.subtitle"),
        keys_table(), form_dialog(), new_key_dialog(), revoke_dialog(), usage_dialog(),
        actions=rx.button(rx.icon("plus", size=14), tr("admin.keys.create"), on_click=KeysState.open_create,
                          data_testid="key-create"),
    )
