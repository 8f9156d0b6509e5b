"""Small text helpers shared by the gateway and the dashboard."""

from __future__ import annotations


def comma_list(text: str) -> list[str]:
    """The items of a comma-separated list, trimmed, empty ones dropped ("a, b,,c" -> ["a", "b", "c"])."""
    return [part.strip() for part in text.split(",") if part.strip()]
