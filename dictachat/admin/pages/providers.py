"""/admin/providers: custom providers (deployments), provider settings (keys, prices), routes; connection tests."""

from __future__ import annotations

import reflex as rx

from dictachat.admin.components.dialogs import form_dialog, form_grid, form_stack, save_form
from dictachat.admin.components.layout import admin_page, admin_shell
from dictachat.admin.components.ui import card, empty_state, error_callout, field, loading_or, mono, table
from dictachat.admin.state.providers import ProviderRow, ProvidersState, RouteRow, SettingRow
from dictachat.ui.i18n import tr

F = ProvidersState.form


def test_button(target: rx.Var, url: rx.Var | str = "", setting_id: rx.Var | str = "") -> rx.Component:
    """A "test connection" button and, once run, its result (ok + latency, or why it failed)."""
    return rx.hstack(
        rx.button(rx.icon("plug-zap", size=14), tr("admin.providers.test"), size="1", variant="soft",
                  loading=ProvidersState.testing == target,
                  on_click=ProvidersState.test(target, url, setting_id), data_testid="test-connection"),
        rx.cond(
            ProvidersState.test_text.contains(target),
            rx.badge(
                rx.icon(rx.cond(ProvidersState.test_ok[target], "circle-check", "circle-x"), size=12),
                ProvidersState.test_text[target],
                color_scheme=rx.cond(ProvidersState.test_ok[target], "green", "red"),
                variant="soft",
                radius="full",
                data_testid=rx.cond(ProvidersState.test_ok[target], "test-ok", "test-failed"),
                style={"white_space": "normal"},
            ),
        ),
        align="center",
        spacing="2",
        wrap="wrap",
    )


def edit_button(kind: str, row_id: rx.Var) -> rx.Component:
    return rx.icon_button(rx.icon("pencil", size=14), variant="ghost", size="1", on_click=ProvidersState.open_form(kind, row_id),
                          aria_label="edit")


def provider_row(row: ProviderRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.provider, weight="medium")),
        rx.table.cell(rx.vstack(
            rx.foreach(row.urls, lambda url: rx.vstack(mono(url, size="2"), test_button(row.id + url, url), spacing="1")),
            spacing="2",
        )),
        rx.table.cell(edit_button("provider", row.id)),
        data_testid="provider-row",
    )


def setting_row(row: SettingRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(row.name, weight="medium"), rx.badge(row.provider, variant="soft", radius="full"),
                                spacing="1")),
        rx.table.cell(rx.vstack(mono(rx.cond(row.url != "", row.url, "—"), size="2"),
                                rx.cond(row.apikey != "", rx.text("apikey ", row.apikey, size="1", color_scheme="gray")),
                                test_button(row.id, setting_id=row.id), spacing="1")),
        rx.table.cell(rx.text(rx.cond(row.models != "", row.models, tr("admin.all")), size="2")),
        rx.table.cell(mono(rx.cond(row.prices != "", row.prices, "—"), size="1")),
        rx.table.cell(edit_button("setting", row.id)),
        data_testid="setting-row",
    )


def route_row(row: RouteRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(row.name, weight="medium"), mono("/api/routes/" + row.path, size="1"), spacing="0")),
        rx.table.cell(mono(row.steps, size="2")),
        rx.table.cell(row.retries),
        rx.table.cell(rx.cond(row.cache != "", rx.badge(row.cache, color_scheme="grass", variant="soft"),
                              rx.text("—", color_scheme="gray"))),
        rx.table.cell(rx.hstack(
            edit_button("route", row.id),
            rx.icon_button(rx.icon("trash-2", size=14), variant="ghost", size="1", color_scheme="red",
                           on_click=ProvidersState.delete_route(row.id), aria_label="delete"),
            spacing="1",
        )),
        data_testid="route-row",
    )


def listing(rows: rx.Var, headers: list, render, icon: str, empty_title: str, empty_body: str, kind: str) -> rx.Component:
    return loading_or(
        ProvidersState.loading & (rows.length() == 0),
        ProvidersState.error,
        rx.cond(
            rows.length() > 0,
            table(headers, rx.foreach(rows, render)),
            empty_state(icon, tr(empty_title), tr(empty_body),
                        rx.button(rx.icon("plus", size=14), tr("admin.add"), on_click=ProvidersState.open_form(kind, ""))),
        ),
    )


def tab_head(kind: str, help_key: str) -> rx.Component:
    return rx.hstack(
        rx.text(tr(help_key), size="2", color_scheme="gray"),
        rx.spacer(),
        rx.button(rx.icon("plus", size=14), tr("admin.add"), size="2", on_click=ProvidersState.open_form(kind, ""),
                  data_testid=f"add-{kind}"),
        align="center",
        width="100%",
        margin_y="0.75rem",
        wrap="wrap",
    )


def tabs() -> rx.Component:
    return rx.tabs.root(
        rx.tabs.list(
            rx.tabs.trigger(tr("admin.providers.custom"), value="providers"),
            rx.tabs.trigger(tr("admin.providers.settings"), value="settings"),
            rx.tabs.trigger(tr("admin.providers.routes"), value="routes"),
        ),
        rx.tabs.content(
            tab_head("provider", "admin.providers.custom_help"),
            listing(ProvidersState.providers, [tr("admin.providers.provider"), tr("admin.providers.urls"), ""], provider_row,
                    "server", "admin.empty.providers", "admin.empty.providers_body", "provider"),
            value="providers",
        ),
        rx.tabs.content(
            tab_head("setting", "admin.providers.settings_help"),
            listing(ProvidersState.settings,
                    [tr("admin.name"), "URL", tr("admin.providers.models"), tr("admin.providers.prices"), ""],
                    setting_row, "settings", "admin.empty.settings", "admin.empty.settings_body", "setting"),
            value="settings",
        ),
        rx.tabs.content(
            tab_head("route", "admin.providers.routes_help"),
            listing(ProvidersState.routes, [tr("admin.name"), tr("admin.providers.steps"), tr("admin.providers.retries"),
                                            tr("admin.providers.cache"), ""],
                    route_row, "route", "admin.empty.routes", "admin.empty.routes_body", "route"),
            value="routes",
        ),
        value=ProvidersState.tab,
        on_change=ProvidersState.set_tab,
        width="100%",
    )


def _input(name: str, placeholder: str = "", **props) -> rx.Component:
    # dir="auto": Hebrew names read right-to-left, URLs, paths and numbers stay left-to-right.
    return rx.input(name=name, default_value=F[name], placeholder=placeholder, width="100%", dir="auto", **props)


def _area(name: str, placeholder: str, rows: str = "3") -> rx.Component:
    return rx.text_area(name=name, default_value=F[name], placeholder=placeholder, rows=rows, width="100%",
                        style={"font_family": "var(--code-font-family)", "direction": "ltr"})


def provider_fields() -> rx.Component:
    return form_stack(
        field(tr("admin.providers.provider"), _input("provider", "llama-cpp-gpu2", required=True, data_testid="form-provider")),
        field(tr("admin.providers.urls"), _area("urls", "http://127.0.0.1:5002\nhttp://10.0.0.7:5002"),
              hint=tr("admin.hint.urls")),
    )


def setting_fields() -> rx.Component:
    return form_stack(
        form_grid(
            field(tr("admin.providers.provider"), _input("provider", "llama-cpp-root", required=True)),
            field(tr("admin.name"), _input("name", "local prices")),
        ),
        field("URL", _input("url", "http://127.0.0.1:5002")),
        field("API key", _input("apikey", "sk-…", type="password", auto_complete="off"), hint=tr("admin.hint.apikey")),
        field(tr("admin.providers.models"), _input("models", "scripted-model"), hint=tr("admin.hint.models")),
        field(tr("admin.providers.prices"), _area("prices", "* 0.0005 0.0015\nscripted-model 0.001 0.002"),
              hint=tr("admin.hint.prices")),
    )


def route_fields() -> rx.Component:
    return form_stack(
        form_grid(
            field(tr("admin.name"), _input("name", "chat")),
            field(tr("admin.providers.path"), _input("path", "chat", required=True), hint="/api/routes/{path}"),
        ),
        field(tr("admin.providers.steps"), _area("steps", "llama-cpp-root scripted-model\nbackup scripted-model"),
              hint=tr("admin.hint.steps")),
        form_grid(
            field(tr("admin.providers.retries"), _input("retries", "0", type="number", min=0)),
            field(tr("admin.providers.cache_ttl"), _input("ttl", "300", type="number", min=0)),
            columns="2",
        ),
        rx.checkbox(tr("admin.providers.cache_on"), name="cache", default_checked=F["cache"] == "on"),
    )


def provider_dialog() -> rx.Component:
    kind = F["kind"]
    return form_dialog(
        ProvidersState,
        rx.fragment(
            rx.cond(ProvidersState.editing_id != "", tr("admin.edit"), tr("admin.add")), " · ",
            rx.match(kind, ("provider", tr("admin.providers.custom")), ("setting", tr("admin.providers.settings")),
                     tr("admin.providers.routes")),
        ),
        save_form(
            ProvidersState,
            rx.match(kind, ("provider", provider_fields()), ("setting", setting_fields()), route_fields()),
            save_test_id="form-save",
            margin_top="1rem",
        ),
        max_width="600px",
    )


@admin_page("providers", "Providers", ProvidersState.load)
def providers() -> rx.Component:
    return admin_shell(
        "providers", card(error_callout(ProvidersState.error, on_retry=ProvidersState.load), tabs()),
        provider_dialog(),
    )
