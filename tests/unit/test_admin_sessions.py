"""Admin sessions: the browser holds a random token; the password stays in the backend and sessions end."""

from __future__ import annotations

import pytest

from dictachat.admin import sessions as admin_sessions


def test_a_session_token_maps_to_the_accepted_password() -> None:
    token = admin_sessions.create("pw-1")
    assert "pw-1" not in token and len(token) >= 32
    assert admin_sessions.password_for(token) == "pw-1"
    assert admin_sessions.create("pw-1") != token


def test_unknown_ended_and_expired_sessions_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    assert admin_sessions.password_for("") is None
    assert admin_sessions.password_for("made-up") is None
    ended = admin_sessions.create("pw")
    admin_sessions.end(ended)
    assert admin_sessions.password_for(ended) is None
    stale = admin_sessions.create("pw")
    clock = admin_sessions.time.monotonic() + admin_sessions.SESSION_IDLE_S + 1
    monkeypatch.setattr(admin_sessions.time, "monotonic", lambda: clock)
    assert admin_sessions.password_for(stale) is None


def test_a_session_in_constant_use_still_ends_after_its_maximum_lifetime(monkeypatch: pytest.MonkeyPatch) -> None:
    start = admin_sessions.time.monotonic()
    busy = admin_sessions.create("pw")
    now = [start]
    monkeypatch.setattr(admin_sessions.time, "monotonic", lambda: now[0])
    while now[0] < start + admin_sessions.SESSION_MAX_S - admin_sessions.SESSION_IDLE_S:
        now[0] += admin_sessions.SESSION_IDLE_S / 2  # used every half hour: never idle
        assert admin_sessions.password_for(busy) == "pw"
    now[0] = start + admin_sessions.SESSION_MAX_S + 1
    assert admin_sessions.password_for(busy) is None
