"""Who is signed in, for the page to show (name, admin link); the check itself is `guard`'s."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

from dictachat.admin.client import AdminError, admin_client
from dictachat.auth.guard import current_account


class AccountState(rx.State):
    name: str = ""
    is_admin: bool = False
    ended: bool = False  # the sign-in page was reached because a session ended mid-use
    # Self sign-up as the gateway's accounts API allows it (AUTH_SIGNUP, AUTH_SIGNUP_DOMAIN).
    signup_enabled: bool = False
    signup_domain: str = ""
    signing_up: bool = False  # the sign-in page shows the sign-up form instead

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
        try:
            policy = await admin_client().sign_up_policy()
        except AdminError:
            policy = {"enabled": False, "domain": ""}  # the gateway is away: sign-in alone, as when off
        self.signup_enabled, self.signup_domain = policy["enabled"], policy["domain"]
        self.signing_up = False
        return None

    @rx.event
    def toggle_sign_up(self) -> None:
        self.signing_up = self.signup_enabled and not self.signing_up
