"""API keys: generation, hashing, ttl parsing. Only the SHA-256 of a raw key is ever stored."""

from __future__ import annotations

import hashlib
import re
import secrets

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
# Longer durations are typos, and would overflow the 64-bit expiry columns: a century is plenty.
MAX_DURATION_S = 100 * 365 * 86400


def generate_raw_key() -> str:
    return "sk-dc-" + secrets.token_urlsafe(32)


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def key_hint(raw: str) -> str:
    """The last four characters, so people can tell keys apart without the secret."""
    return raw[-4:]


def parse_ttl(ttl: str) -> float:
    """Parse a Go-style duration ("90s", "2h", "1h30m", "7d") into seconds; ValueError if malformed."""
    text = ttl.strip()
    if not text:
        raise ValueError("empty duration")
    pos, total = 0, 0.0
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(text) or total <= 0:
        raise ValueError(f"'{ttl}' is not a duration like 30s, 15m, 2h or 7d")
    if not total <= MAX_DURATION_S:  # also catches inf from "9999...9h"
        raise ValueError(f"'{ttl[:40]}' is longer than 100 years")
    return total
