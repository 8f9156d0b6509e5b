"""API keys: generation and hashing. Only the SHA-256 of a raw key is ever stored."""

from __future__ import annotations

import hashlib
import secrets


def generate_raw_key() -> str:
    return "sk-dc-" + secrets.token_urlsafe(32)


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def key_hint(raw: str) -> str:
    """The last four characters, so people can tell keys apart without the secret."""
    return raw[-4:]
