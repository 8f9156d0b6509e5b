"""Who is signed in, for the page to show (name, admin link); the check itself is `guard`'s."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

from dictachat.auth.guard import current_account


class AccountState(rx.State):
    name: str = ""
    is_admin: bool = False
    ended: bool = False  # the sign-in page was reached because a session ended mid-use

    def _show(self, name: str, is_admin: bool) -> None:
        self.name, self.is_admin = name, is_admin

    @rx.event
    async def open_sign_in(self) -> EventSpec | None:
        """on_load of the sign-in page: skip it when this browser is already signed in."""
        account = await current_account(self)
        if account is not None:
            return rx.redirect("/")
        self._show("", False)
        self.ended = self.router.url.query_parameters.get("ended") == "1"
        return None
