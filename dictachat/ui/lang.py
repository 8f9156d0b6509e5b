"""The UI language (Hebrew or English), kept in the browser's localStorage and shared by every page."""

from __future__ import annotations

import reflex as rx


class LangState(rx.State):
    """Which label set the UI shows; Hebrew also flips the layout to right-to-left."""

    lang: str = rx.LocalStorage("he", name="dictachat_lang", sync=True)

    @rx.var
    def is_he(self) -> bool:
        return self.lang != "en"

    @rx.var
    def direction(self) -> str:
        return "rtl" if self.lang != "en" else "ltr"

    @rx.event
    def toggle_lang(self) -> None:
        self.lang = "en" if self.lang != "en" else "he"
