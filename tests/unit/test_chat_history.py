"""Conversation history storage (SQLModel on a throwaway SQLite database)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel, select

from common.db import make_engine
from dictachat.chat import history
from dictachat.chat.models import Message
from gateway.accounts.users import create_user, delete_user


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    engine = make_engine(f"sqlite:///{tmp_path / 'chat.db'}")
    SQLModel.metadata.create_all(engine)
    monkeypatch.setattr(history, "session", lambda: Session(engine, expire_on_commit=False))
    return engine


@pytest.fixture
def users(engine) -> tuple[str, str]:
    """Two accounts, A and B; the tests write as A unless they say otherwise."""
    with Session(engine) as db:
        return create_user(db, "alice", "alice-password").id, create_user(db, "bob", "bob-password").id


@pytest.fixture
def me(users: tuple[str, str]) -> str:
    return users[0]


def test_messages_keep_their_order_and_fields(me: str) -> None:
    conv = history.create_conversation(me, "Hello", {"temperature": 0.3})
    history.append_rows(me, conv, [{"role": "user", "content": "שלום"}])
    history.append_rows(me, conv, [
        {"role": "assistant", "content": "", "reasoning": "think", "tool_calls": [{"id": "c1"}], "meta": {"thinking_s": 2}},
        {"role": "tool", "content": "{}", "tool_call_id": "c1", "name": "calculator"},
    ])
    rows = history.load_rows(me, conv)
    assert [(r["position"], r["role"]) for r in rows] == [(0, "user"), (1, "assistant"), (2, "tool")]
    assert rows[0]["content"] == "שלום"
    assert rows[1]["reasoning"] == "think" and rows[1]["tool_calls"] == [{"id": "c1"}] and rows[1]["meta"] == {"thinking_s": 2}
    assert rows[2]["tool_call_id"] == "c1"
    assert history.get_conversation(me, conv).settings == {"temperature": 0.3}


def test_truncate_and_edit_for_regenerate_and_resend(me: str) -> None:
    conv = history.create_conversation(me, "t", {})
    user, answer = history.append_rows(me, conv, [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}])
    history.truncate_from(me, conv, answer["position"])
    assert [r["role"] for r in history.load_rows(me, conv)] == ["user"]
    history.update_content(me, conv, user["id"], "edited")
    assert history.load_rows(me, conv)[0]["content"] == "edited"
    assert history.append_rows(me, conv, [{"role": "assistant", "content": "b"}])[0]["position"] == 1


def test_list_rename_and_delete(me: str) -> None:
    first = history.create_conversation(me, "first", {})
    second = history.create_conversation(me, "second", {})
    history.append_rows(me, first, [{"role": "user", "content": "bump"}])  # touched last → listed first
    assert [c.id for c in history.list_conversations(me)] == [first, second]
    history.rename_conversation(me, second, "  renamed  ")
    history.save_settings(me, second, {"max_tokens": 5})
    assert history.get_conversation(me, second).title == "renamed"
    assert history.get_conversation(me, second).settings == {"max_tokens": 5}
    history.delete_conversation(me, first)
    assert history.get_conversation(me, first) is None
    with pytest.raises(history.ConversationNotFound):
        history.load_rows(me, first)
    assert [c.title for c in history.list_conversations(me)] == ["renamed"]


def test_titles_are_short_single_lines() -> None:
    assert history.title_from("  hello\n  world ") == "hello world"
    long = history.title_from("א" * 100)
    assert len(long) == history.TITLE_LENGTH and long.endswith("…")


def test_another_users_conversation_gives_nothing_and_changes_nothing(users: tuple[str, str]) -> None:
    alice, bob = users
    conv = history.create_conversation(alice, "Alice's secret", {"temperature": 0.1})
    history.append_rows(alice, conv, [{"role": "user", "content": "my secret"}])
    assert history.list_conversations(bob) == []
    assert history.get_conversation(bob, conv) is None
    for attempt in (
        lambda: history.load_rows(bob, conv),
        lambda: history.append_rows(bob, conv, [{"role": "user", "content": "injected"}]),
        lambda: history.truncate_from(bob, conv, 0),
        lambda: history.update_content(bob, conv, "any", "edited"),
        lambda: history.rename_conversation(bob, conv, "mine now"),
        lambda: history.save_settings(bob, conv, {}),
        lambda: history.delete_conversation(bob, conv),
    ):
        with pytest.raises(history.ConversationNotFound):
            attempt()
    assert [r["content"] for r in history.load_rows(alice, conv)] == ["my secret"]
    assert history.get_conversation(alice, conv).title == "Alice's secret"
    assert history.get_conversation(alice, conv).settings == {"temperature": 0.1}


def test_deleting_a_user_deletes_their_conversations(engine, users: tuple[str, str]) -> None:
    alice, bob = users
    gone = history.create_conversation(alice, "a", {})
    history.append_rows(alice, gone, [{"role": "user", "content": "q"}])
    kept = history.create_conversation(bob, "b", {})
    with Session(engine) as db:
        delete_user(db, alice)
    with Session(engine) as db:
        assert db.exec(select(Message).where(Message.conversation_id == gone)).all() == []
    assert [c.id for c in history.list_conversations(bob)] == [kept]
