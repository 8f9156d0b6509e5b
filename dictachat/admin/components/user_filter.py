"""The "all users / one user" select of a dashboard page whose state mixes in `UserFilter`."""

from __future__ import annotations

import reflex as rx

from dictachat.admin.state.user_filter import ALL, UserFilter
from dictachat.ui.i18n import tr


def user_select(state: type[UserFilter]) -> rx.Component:
    """Radix select of every chat account; `state` mixes in UserFilter."""
    user_id = state.user_id
    return rx.select.root(
        rx.select.trigger(placeholder=tr("admin.filter.all_users"), data_testid="filter-user"),
        rx.select.content(
            rx.select.item(tr("admin.filter.all_users"), value=ALL),
            rx.foreach(state.user_options, lambda u: rx.select.item(u[1], value=u[0])),
        ),
        value=rx.cond(user_id == "", ALL, user_id),
        on_change=state.set_user_id,
    )
