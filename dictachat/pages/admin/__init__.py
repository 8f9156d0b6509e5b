"""The admin dashboard under /admin: importing this package registers its pages."""

from dictachat.pages.admin import events, keys, login, overview, providers, system

__all__ = ["events", "keys", "login", "overview", "providers", "system"]
