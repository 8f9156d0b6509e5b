"""Conversation history in the database (dictachat.chat.models Conversation/Message via common.db).

Every function takes the signed-in user's id and touches only that user's conversations: another
user's conversation id reads as "not found", whatever the browser sent. Functions are synchronous
(SQLModel); the Reflex states call them through `asyncio.to_thread`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, delete, func, select, update

from common.db import session
from dictachat.chat.models import Conversation, Message

TITLE_LENGTH = 60


class ConversationNotFound(LookupError):
    """No conversation with this id belongs to this user."""


@dataclass
class ConversationItem:
    """A conversation as the sidebar lists it."""

    id: str = ""
    title: str = ""
    updated_at: float = 0.0


def title_from(text: str) -> str:
    """A short title from the first user message."""
    line = " ".join(text.split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"


def list_conversations(user_id: str, limit: int = 200) -> list[ConversationItem]:
    with session() as db:
        query = select(Conversation).where(col(Conversation.user_id) == user_id)
        rows = db.exec(query.order_by(col(Conversation.updated_at).desc()).limit(limit)).all()
        return [ConversationItem(c.id, c.title, c.updated_at) for c in rows]


def create_conversation(user_id: str, title: str, settings: dict[str, Any]) -> str:
    with session() as db:
        conv = Conversation(user_id=user_id, title=title, settings=settings)
        db.add(conv)
        db.commit()
        return conv.id


def adopt_ownerless(user_id: str) -> int:
    """Give conversations from before accounts existed to `user_id` (the first admin); returns how many."""
    with session() as db:
        result = db.exec(update(Conversation).where(col(Conversation.user_id).is_(None)).values(user_id=user_id))
        db.commit()
        return int(result.rowcount or 0)


def get_conversation(user_id: str, conv_id: str) -> Conversation | None:
    """The user's conversation, or None (also when it belongs to someone else)."""
    with session() as db:
        return _find(db, user_id, conv_id)


def rename_conversation(user_id: str, conv_id: str, title: str) -> None:
    with session() as db:
        conv = _owned(db, user_id, conv_id)
        conv.title = title.strip()[:200] or conv.title
        db.add(conv)
        db.commit()


def save_settings(user_id: str, conv_id: str, settings: dict[str, Any]) -> None:
    with session() as db:
        conv = _owned(db, user_id, conv_id)
        conv.settings = dict(settings)
        db.add(conv)
        db.commit()


def delete_conversation(user_id: str, conv_id: str) -> None:
    with session() as db:
        conv = _owned(db, user_id, conv_id)
        db.exec(delete(Message).where(col(Message.conversation_id) == conv_id))
        db.delete(conv)
        db.commit()


def load_rows(user_id: str, conv_id: str) -> list[dict[str, Any]]:
    """The conversation's messages, oldest first, as plain dicts."""
    with session() as db:
        _owned(db, user_id, conv_id)
        rows = db.exec(select(Message).where(col(Message.conversation_id) == conv_id).order_by(col(Message.position))).all()
        return [_as_dict(m) for m in rows]


def append_rows(user_id: str, conv_id: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Store rows after the last message and touch the conversation; returns them with id and position."""
    with session() as db:
        conv = _owned(db, user_id, conv_id)
        last = db.exec(select(func.max(Message.position)).where(col(Message.conversation_id) == conv_id)).one()
        position = -1 if last is None else int(last)
        stored = []
        for row in rows:
            position += 1
            msg = Message(conversation_id=conv_id, position=position, role=row["role"], content=row.get("content") or "",
                          reasoning=row.get("reasoning") or "", tool_calls=row.get("tool_calls") or [],
                          tool_call_id=row.get("tool_call_id") or "", name=row.get("name") or "", meta=row.get("meta") or {})
            db.add(msg)
            stored.append(msg)
        _touch(db, conv)
        db.commit()
        return [_as_dict(m) for m in stored]


def truncate_from(user_id: str, conv_id: str, position: int) -> None:
    """Delete the messages at `position` and after (regenerate, edit-and-resend)."""
    with session() as db:
        conv = _owned(db, user_id, conv_id)
        db.exec(delete(Message).where(col(Message.conversation_id) == conv_id, col(Message.position) >= position))
        _touch(db, conv)
        db.commit()


def update_content(user_id: str, conv_id: str, message_id: str, content: str) -> None:
    with session() as db:
        _owned(db, user_id, conv_id)
        msg = db.get(Message, message_id)
        if msg is not None and msg.conversation_id == conv_id:
            msg.content = content
            db.add(msg)
            db.commit()


def _find(db: Any, user_id: str, conv_id: str) -> Conversation | None:
    conv = db.get(Conversation, conv_id) if conv_id and user_id else None
    return conv if conv is not None and conv.user_id == user_id else None


def _owned(db: Any, user_id: str, conv_id: str) -> Conversation:
    conv = _find(db, user_id, conv_id)
    if conv is None:
        raise ConversationNotFound(conv_id)
    return conv


def _touch(db: Any, conv: Conversation) -> None:
    conv.updated_at = time.time()
    db.add(conv)


def _as_dict(m: Message) -> dict[str, Any]:
    return {"id": m.id, "position": m.position, "role": m.role, "content": m.content, "reasoning": m.reasoning,
            "tool_calls": list(m.tool_calls or []), "tool_call_id": m.tool_call_id, "name": m.name, "meta": dict(m.meta or {})}
