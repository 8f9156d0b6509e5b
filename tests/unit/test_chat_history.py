"""Conversation history storage (SQLModel on a throwaway SQLite database)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel

import dictachat.chat.models  # noqa: F401  (registers the tables)
from common.db import make_engine
from dictachat.chat import history


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'chat.db'}")
    SQLModel.metadata.create_all(engine)
    monkeypatch.setattr(history, "session", lambda: Session(engine, expire_on_commit=False))


def test_messages_keep_their_order_and_fields() -> None:
    conv = history.create_conversation("Hello", {"temperature": 0.3})
    history.append_rows(conv, [{"role": "user", "content": "שלום"}])
    history.append_rows(conv, [
        {"role": "assistant", "content": "", "reasoning": "think", "tool_calls": [{"id": "c1"}], "meta": {"thinking_s": 2}},
        {"role": "tool", "content": "{}", "tool_call_id": "c1", "name": "calculator"},
    ])
    rows = history.load_rows(conv)
    assert [(r["position"], r["role"]) for r in rows] == [(0, "user"), (1, "assistant"), (2, "tool")]
    assert rows[0]["content"] == "שלום"
    assert rows[1]["reasoning"] == "think" and rows[1]["tool_calls"] == [{"id": "c1"}] and rows[1]["meta"] == {"thinking_s": 2}
    assert rows[2]["tool_call_id"] == "c1"
    assert history.get_conversation(conv).settings == {"temperature": 0.3}


def test_truncate_and_edit_for_regenerate_and_resend() -> None:
    conv = history.create_conversation("t", {})
    user, answer = history.append_rows(conv, [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}])
    history.truncate_from(conv, answer["position"])
    assert [r["role"] for r in history.load_rows(conv)] == ["user"]
    history.update_content(conv, user["id"], "edited")
    assert history.load_rows(conv)[0]["content"] == "edited"
    assert history.append_rows(conv, [{"role": "assistant", "content": "b"}])[0]["position"] == 1


def test_list_rename_and_delete() -> None:
    first = history.create_conversation("first", {})
    second = history.create_conversation("second", {})
    history.append_rows(first, [{"role": "user", "content": "bump"}])  # touched last → listed first
    assert [c.id for c in history.list_conversations()] == [first, second]
    history.rename_conversation(second, "  renamed  ")
    history.save_settings(second, {"max_tokens": 5})
    assert history.get_conversation(second).title == "renamed"
    assert history.get_conversation(second).settings == {"max_tokens": 5}
    history.delete_conversation(first)
    assert history.get_conversation(first) is None and history.load_rows(first) == []
    assert [c.title for c in history.list_conversations()] == ["renamed"]


def test_titles_are_short_single_lines() -> None:
    assert history.title_from("  hello\n  world ") == "hello world"
    long = history.title_from("א" * 100)
    assert len(long) == history.TITLE_LENGTH and long.endswith("…")
