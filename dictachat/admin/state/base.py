"""Admin sign-in: the base state of every admin page, and the only way they reach the admin API."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import quote

import reflex as rx
from reflex.event import EventSpec

from dictachat.admin import sessions as admin_sessions
from dictachat.admin.client import AdminClient, AdminError, admin_client
from dictachat.ui.i18n import t
from dictachat.ui.lang import LangState

LOGIN_ROUTE = "/admin"
HOME_ROUTE = "/admin/overview"
SESSION_COOKIE = "dictachat_admin_session"


class NotSignedIn(Exception):
    """The browser has no live admin session."""


class AdminState(rx.State):
    """Holds the session token cookie; page states inherit from it and call `_api()`."""

    session: str = rx.Cookie("", name=SESSION_COOKIE, max_age=admin_sessions.SESSION_MAX_S, same_site="strict")
    signed_in: bool = False
    login_error: str = ""
    login_busy: bool = False

    def _api(self) -> AdminClient:
        """A client carrying this session's admin password; NotSignedIn without a live session."""
        password = admin_sessions.password_for(self.session)
        if password is None:
            self.signed_in = False
            raise NotSignedIn
        return admin_client(password)

    def _to_login(self) -> EventSpec:
        """End the session and send the browser to sign-in, coming back here afterwards."""
        admin_sessions.end(self.session)
        self.signed_in = False
        return rx.redirect(f"{LOGIN_ROUTE}?next={quote(self.router.url.path)}")

    async def _t(self, key: str, **values: Any) -> str:
        """A dashboard sentence in the browser's language."""
        return t(key, (await self.get_state(LangState)).lang, **values)

    @rx.event
    def require_session(self) -> EventSpec | None:
        """on_load of every admin page: no live session, no page."""
        if admin_sessions.password_for(self.session) is not None:
            self.signed_in = True
            return None
        return self._to_login()

    @rx.event
    def open_login(self) -> EventSpec | None:
        """on_load of the sign-in page: skip it when already signed in."""
        self.login_error = ""
        if admin_sessions.password_for(self.session) is not None:
            self.signed_in = True
            return rx.redirect(HOME_ROUTE)
        return None

    @rx.event
    async def login(self, form: dict[str, str]):
        """Check the password against the gateway; on success start a server-side session."""
        password = form.get("password", "")
        self.login_error = ""
        if not password:
            self.login_error = await self._t("admin.login.empty")
            return
        self.login_busy = True
        yield
        try:
            accepted = await admin_client(password).verify()
        except AdminError as exc:
            self.login_error = await self._t("admin.login.unreachable", msg=exc.message)
            return
        finally:
            self.login_busy = False
        if not accepted:
            self.login_error = await self._t("admin.login.wrong")
            return
        self.session = admin_sessions.create(password)
        self.signed_in = True
        target = self.router.url.query_parameters.get("next", "")
        yield rx.redirect(target if target.startswith("/admin/") else HOME_ROUTE)

    @rx.event
    def logout(self) -> EventSpec:
        admin_sessions.end(self.session)
        self.session = ""
        self.signed_in = False
        return rx.redirect(LOGIN_ROUTE)


class AdminPage(rx.State, mixin=True):
    """Loading and error flags of one admin page; mix in before AdminState."""

    loading: bool = False
    error: str = ""

    async def _fail(self, exc: NotSignedIn | AdminError) -> EventSpec | None:
        """A failed admin call becomes a redirect to sign-in (no or refused session) or a readable `error`."""
        if isinstance(exc, NotSignedIn) or exc.status == 401:
            return self._to_login()  # type: ignore[attr-defined]
        self.error = await self._t("admin.err.call", msg=exc.message)  # type: ignore[attr-defined]
        return None


class AdminForm(rx.State, mixin=True):
    """The create/edit dialog of an admin page; mix in with AdminPage."""

    form_open: bool = False
    editing_id: str = ""
    form_error: str = ""
    saving: bool = False

    @rx.event
    def set_form_open(self, value: bool) -> None:
        self.form_open = value

    async def _save_failed(self, exc: NotSignedIn | AdminError) -> EventSpec | None:
        """A save the gateway refused stays in the dialog as a sentence; a lost session goes to sign-in."""
        self.saving = False
        if isinstance(exc, AdminError) and exc.status != 401:
            self.form_error = await self._t("admin.err.call", msg=exc.message)  # type: ignore[attr-defined]
            return None
        return await self._fail(exc)  # type: ignore[attr-defined]


Handler = Callable[..., AsyncIterator[Any]]


def admin_call(*, in_dialog: bool = False, **reset: object) -> Callable[[Handler], Handler]:
    """Wrap an admin page's event handler: when an admin call fails (no session, or the gateway
    refused), set the `reset` fields back, then go to sign-in or show the error — on the page, or
    in the open dialog when `in_dialog`. The one place every page handles a failed call."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def run(self: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            try:
                async for event in handler(self, *args, **kwargs):
                    yield event
            except (NotSignedIn, AdminError) as exc:
                for name, value in reset.items():
                    setattr(self, name, value)
                yield await (self._save_failed(exc) if in_dialog else self._fail(exc))

        return run

    return wrap
