"""The Overview's top users rows: the user's name over their id; an id without an account shows as itself."""

from __future__ import annotations

from dictachat.admin.client import Spend
from dictachat.admin.state.overview import ranked


def test_top_users_rows_name_the_user_and_keep_the_id() -> None:
    rows: list[Spend] = [
        {"userId": "u1", "name": "dana", "requests": 1200, "promptTokenCount": 10, "completionTokenCount": 5, "costInUsd": 0.5},
        {"userId": "u-gone", "name": "", "requests": 1, "costInUsd": 0.0, "lastSeen": None},
    ]
    shown = ranked(rows)
    assert [(r["label"], r["sub"]) for r in shown] == [("dana", "u1"), ("u-gone", "u-gone")]
    assert shown[0]["tokens"] == ranked([{"promptTokenCount": 15}])[0]["tokens"]
