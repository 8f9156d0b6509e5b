"""Users page: list and search chat accounts, create (password shown once), role, disable, reset, delete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from dictachat.admin.client import JSON, Limits, UserInfo
from dictachat.admin.state import format as fmt
from dictachat.admin.state.base import AdminForm, AdminPage, AdminState, admin_call
from dictachat.admin.state.limits import limits_prefill, quota_fields, rate_cost_fields


@dataclass
class UserRow:
    id: str = ""
    name: str = ""
    email: str = ""
    role: str = "user"
    disabled: bool = False
    created: str = ""
    last_seen: str = ""
    limits: str = ""
    requests: int = 0
    tokens: str = ""
    spend: str = ""


def user_row(user: UserInfo) -> UserRow:
    return UserRow(
        id=user.get("id", ""), name=user.get("name", ""), email=user.get("email", ""), role=user.get("role", "user"),
        disabled=bool(user.get("disabled")), created=fmt.stamp(user.get("createdAt"), with_seconds=False),
        last_seen=fmt.stamp(user["lastSeenAt"], with_seconds=False) if user.get("lastSeenAt") else "",
        limits=" · ".join(fmt.limits(user) + fmt.share(user)), requests=int(user.get("requests", 0)),
        tokens=fmt.count(user.get("promptTokenCount", 0) + user.get("completionTokenCount", 0)),
        spend=fmt.usd(user.get("costInUsd", 0.0)),
    )


def limit_fields(form: dict[str, Any]) -> JSON:
    """The user's own limits from the form (empty = no limit): rate, total and per-period cost, requests at once,
    tokens per window; ValueError names the bad field in the key form's words."""
    fields: Limits = {}
    rate_cost_fields(form, fields)
    quota_fields(form, fields)
    return {**fields}


def user_fields(form: dict[str, Any]) -> JSON:
    """The admin API body for the create form; ValueError names the bad field (the API checks the rest)."""
    name = str(form.get("name", "")).strip()
    if not name:
        raise ValueError("name is required")
    fields: JSON = {"name": name, "email": str(form.get("email", "")).strip(),
                    "role": "admin" if form.get("role") == "admin" else "user"}
    if str(form.get("password", "")):
        fields["password"] = str(form["password"])
    return {**fields, **limit_fields(form)}


class UsersState(AdminForm, AdminPage, AdminState):
    rows: list[UserRow] = []
    search: str = ""
    # A password the gateway generated (new user or reset), shown once.
    new_password: str = ""
    new_password_for: str = ""
    delete_id: str = ""
    delete_name: str = ""

    @rx.event
    @admin_call(loading=False)
    async def load(self):
        self.loading, self.error = True, ""
        yield
        users = await self._api().list_users(name=self.search.strip())
        self._users = {u.get("id", ""): u for u in users}
        self.rows = [user_row(u) for u in users]
        self.loading = False

    @rx.event
    def set_search(self, value: str):
        self.search = value
        return UsersState.load

    limits_form: dict[str, str] = limits_prefill({})
    _users: dict[str, UserInfo] = {}

    @rx.event
    def open_create(self) -> None:
        self.editing_id, self.form_error, self.form_open = "", "", True
        self.limits_form = limits_prefill({})

    @rx.event
    def open_limits(self, user_id: str) -> None:
        """Edit one user's own limits in the same dialog (name and password stay as they are)."""
        self.limits_form = limits_prefill(self._users.get(user_id, {}))
        self.editing_id, self.form_error, self.form_open = user_id, "", True

    @rx.event
    @admin_call(in_dialog=True)
    async def save(self, form: dict[str, Any]):
        try:
            fields = limit_fields(form) if self.editing_id else user_fields(form)
        except ValueError as exc:
            self.form_error = await self._t("admin.err.form", msg=str(exc))
            return
        self.saving, self.form_error = True, ""
        yield
        if self.editing_id:
            await self._api().update_user(self.editing_id, fields)
        else:
            self._show_password(await self._api().create_user(fields))
        self.saving, self.form_open = False, False
        yield rx.toast.success(await self._t("admin.users.saved"))
        yield UsersState.load

    def _show_password(self, user: UserInfo) -> None:
        self.new_password, self.new_password_for = user.get("password") or "", user.get("name", "")

    @rx.event
    def close_new_password(self) -> None:
        self.new_password = ""

    @rx.event
    @admin_call()
    async def set_role(self, user_id: str, role: str):
        await self._api().update_user(user_id, {"role": role})
        yield UsersState.load

    @rx.event
    @admin_call()
    async def set_disabled(self, user_id: str, disabled: bool):
        await self._api().update_user(user_id, {"disabled": disabled})
        yield UsersState.load

    @rx.event
    @admin_call()
    async def reset_password(self, user_id: str):
        self._show_password(await self._api().update_user(user_id, {"resetPassword": True}))
        yield UsersState.load

    @rx.event
    def ask_delete(self, user_id: str, name: str) -> None:
        self.delete_id, self.delete_name = user_id, name

    @rx.event
    def cancel_delete(self, _open: bool = False) -> None:
        self.delete_id = ""

    @rx.event
    @admin_call(delete_id="")
    async def delete(self):
        await self._api().delete_user(self.delete_id)
        self.delete_id = ""
        yield rx.toast.success(await self._t("admin.users.deleted"))
        yield UsersState.load
