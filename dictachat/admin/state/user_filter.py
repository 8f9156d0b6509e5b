"""The user filter of a dashboard page (events, overview): the picked chat account and the ones to pick from."""

from __future__ import annotations

import reflex as rx

from dictachat.admin.client import AdminClient

ALL = "__all__"  # the select's value for "every user" (Radix select items need a non-empty value)


class UserFilter(rx.State, mixin=True):
    """Mix into a page state that has `_refilter()` (the event that reloads the page from its first page)."""

    user_id: str = ""  # "" = every user
    user_options: list[list[str]] = []  # [id, name] of every account, by name

    async def _load_users(self, api: AdminClient) -> dict[str, str]:
        """Fill the options; returns the names by id (to show who each event was for)."""
        users = await api.list_users()
        self.user_options = [[u.get("id", ""), u.get("name", "")] for u in users]
        return {u.get("id", ""): u.get("name", "") for u in users}

    def _user_ids(self) -> list[str]:
        return [self.user_id] if self.user_id else []

    @rx.event
    def set_user_id(self, value: str):
        self.user_id = "" if value == ALL else value
        return self._refilter()  # type: ignore[attr-defined]
