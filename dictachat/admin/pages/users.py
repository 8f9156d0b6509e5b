"""/admin/users: search chat accounts, create (password shown once), set role, disable, own limits, reset password,
delete."""

from __future__ import annotations

import reflex as rx

from dictachat.admin.components.dialogs import (
    confirm_bar,
    confirm_dialog,
    form_dialog,
    form_grid,
    form_stack,
    save_form,
    shown_once_dialog,
)
from dictachat.admin.components.layout import admin_page, admin_shell
from dictachat.admin.components.limits import cost_inputs, quota_inputs, rate_input
from dictachat.admin.components.ui import empty_state, field, list_card, ltr, table
from dictachat.admin.state.users import UserRow, UsersState
from dictachat.ui.i18n import tr, tr_n


def toolbar() -> rx.Component:
    return rx.debounce_input(
        rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder=tr("admin.users.search"), value=UsersState.search,
                 on_change=UsersState.set_search, width="100%", max_width="420px", margin_bottom="0.75rem",
                 data_testid="users-search"),
        debounce_timeout=300,
    )


def user_actions(row: UserRow) -> rx.Component:
    return rx.hstack(
        rx.select(["user", "admin"], value=row.role, on_change=lambda role: UsersState.set_role(row.id, role), size="1",
                  data_testid="user-role"),
        rx.button(rx.cond(row.disabled, tr("admin.users.enable"), tr("admin.users.disable")), size="1", variant="soft",
                  color_scheme=rx.cond(row.disabled, "green", "amber"),
                  on_click=UsersState.set_disabled(row.id, ~row.disabled), data_testid="user-disable"),
        rx.button(tr("admin.users.limits"), size="1", variant="soft", color_scheme="gray",
                  on_click=UsersState.open_limits(row.id), data_testid="user-limits"),
        rx.button(tr("admin.users.reset"), size="1", variant="soft", color_scheme="gray",
                  on_click=UsersState.reset_password(row.id), data_testid="user-reset"),
        rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="ghost", color_scheme="red", aria_label="delete",
                       on_click=UsersState.ask_delete(row.id, row.name), data_testid="user-delete"),
        spacing="2",
        align="center",
    )


def user_table_row(row: UserRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(row.name, weight="medium", dir="auto"),
                                rx.text(row.email, size="1", color_scheme="gray", dir="auto"), spacing="0")),
        rx.table.cell(rx.cond(row.disabled,
                              rx.badge(tr("admin.users.disabled"), color_scheme="red", variant="soft", radius="full"),
                              rx.badge(tr("admin.keys.active"), color_scheme="green", variant="soft", radius="full")),
                      data_testid="user-status"),
        rx.table.cell(ltr(rx.cond(row.limits != "", row.limits, "—"), size="1", white_space="nowrap"),
                      data_testid="user-limit-text"),
        rx.table.cell(rx.vstack(ltr(row.spend, weight="medium"),
                                rx.text(tr_n("admin.n_requests", row.requests), " · ", row.tokens, " ",
                                        tr("admin.users.tokens"), size="1", color_scheme="gray", white_space="nowrap"),
                                spacing="0"), data_testid="user-usage"),
        rx.table.cell(ltr(rx.cond(row.last_seen != "", row.last_seen, "—"), size="1", white_space="nowrap")),
        rx.table.cell(ltr(row.created, size="1", white_space="nowrap")),
        rx.table.cell(user_actions(row)),
        data_testid="user-row",
        custom_attrs={"data-user-name": row.name, "data-user-id": row.id},
        align="center",
    )


def users_table() -> rx.Component:
    return list_card(
        UsersState,
        toolbar(),
        table([tr("admin.name"), tr("admin.status"), tr("admin.keys.limits"), tr("admin.users.usage"),
               tr("admin.users.last_seen"), tr("admin.created"), ""],
              rx.foreach(UsersState.rows, user_table_row)),
        empty_state("users", tr("admin.users.empty"), tr("admin.users.empty_body")),
    )


def user_dialog() -> rx.Component:
    return form_dialog(
        UsersState,
        rx.cond(UsersState.editing_id != "", tr("admin.users.limits"), tr("admin.users.create")),
        save_form(
            UsersState,
            rx.cond(UsersState.editing_id == "", form_stack(
                field(tr("admin.name"), rx.input(name="name", required=True, max_length=64, width="100%", dir="auto",
                                                 data_testid="user-name")),
                field(tr("admin.users.email"), rx.input(name="email", type="email", width="100%", dir="ltr")),
                field(tr("admin.users.password"), rx.input(name="password", type="password", width="100%", dir="ltr",
                                                           auto_complete="new-password"),
                      hint=tr("admin.users.password_hint")),
                field(tr("admin.users.role"), rx.select(["user", "admin"], name="role", default_value="user")),
            )),
            rx.text(tr("admin.users.limit_hint"), size="1", color_scheme="gray"),
            form_grid(
                rate_input(UsersState.limits_form, tr("admin.hint.rate"), test_id="user-rate"),
                *cost_inputs(UsersState.limits_form, None, "user"),
                *quota_inputs(UsersState.limits_form, "user"),
            ),
            save_test_id="user-save",
            reset_on_submit=True,
        ),
        max_width="480px",
    )


def password_dialog() -> rx.Component:
    return shown_once_dialog([tr("admin.users.password_for"), " ", UsersState.new_password_for], tr("admin.users.once"),
                             UsersState.new_password, UsersState.close_new_password, "new-password", max_width="480px")


def delete_dialog() -> rx.Component:
    return confirm_dialog(
        [tr("admin.users.delete"), " ", UsersState.delete_name],
        tr("admin.users.delete_help"),
        confirm_bar(rx.alert_dialog.action(rx.button(tr("admin.users.delete"), color_scheme="red", on_click=UsersState.delete,
                                                     data_testid="user-delete-confirm"))),
        is_open=UsersState.delete_id != "",
        on_cancel=UsersState.cancel_delete,
    )


@admin_page("users", "Users", UsersState.load)
def users() -> rx.Component:
    return admin_shell(
        "users", users_table(), user_dialog(), password_dialog(), delete_dialog(),
        actions=rx.button(rx.icon("user-plus", size=14), tr("admin.users.create"), on_click=UsersState.open_create,
                          data_testid="user-create"),
    )
