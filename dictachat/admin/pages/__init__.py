"""The admin dashboard under /admin: importing this package registers its pages."""

from dictachat.admin.pages import events, keys, login, overview, providers, system, users

__all__ = ["events", "keys", "login", "overview", "providers", "system", "users"]
