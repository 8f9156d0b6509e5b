"""Conversation history in the database (dictachat.chat.models Conversation/Message via common.db).

Functions are synchronous (SQLModel); the Reflex states call them through `asyncio.to_thread`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, delete, func, select

from common.db import session
from dictachat.chat.models import Conversation, Message

TITLE_LENGTH = 60


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


def list_conversations(limit: int = 200) -> list[ConversationItem]:
    with session() as db:
        rows = db.exec(select(Conversation).order_by(col(Conversation.updated_at).desc()).limit(limit)).all()
        return [ConversationItem(c.id, c.title, c.updated_at) for c in rows]


def create_conversation(title: str, settings: dict[str, Any]) -> str:
    with session() as db:
        conv = Conversation(title=title, settings=settings)
        db.add(conv)
        db.commit()
        return conv.id


def get_conversation(conv_id: str) -> Conversation | None:
    with session() as db:
        return db.get(Conversation, conv_id)


def rename_conversation(conv_id: str, title: str) -> None:
    with session() as db:
        conv = db.get(Conversation, conv_id)
        if conv is not None:
            conv.title = title.strip()[:200] or conv.title
            db.add(conv)
            db.commit()


def save_settings(conv_id: str, settings: dict[str, Any]) -> None:
    with session() as db:
        conv = db.get(Conversation, conv_id)
        if conv is not None:
            conv.settings = dict(settings)
            db.add(conv)
            db.commit()


def delete_conversation(conv_id: str) -> None:
    with session() as db:
        db.exec(delete(Message).where(col(Message.conversation_id) == conv_id))
        conv = db.get(Conversation, conv_id)
        if conv is not None:
            db.delete(conv)
        db.commit()


def load_rows(conv_id: str) -> list[dict[str, Any]]:
    """The conversation's messages, oldest first, as plain dicts."""
    with session() as db:
        rows = db.exec(select(Message).where(col(Message.conversation_id) == conv_id).order_by(col(Message.position))).all()
        return [_as_dict(m) for m in rows]


def append_rows(conv_id: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Store rows after the last message and touch the conversation; returns them with id and position."""
    with session() as db:
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
        _touch(db, conv_id)
        db.commit()
        return [_as_dict(m) for m in stored]


def truncate_from(conv_id: str, position: int) -> None:
    """Delete the messages at `position` and after (regenerate, edit-and-resend)."""
    with session() as db:
        db.exec(delete(Message).where(col(Message.conversation_id) == conv_id, col(Message.position) >= position))
        _touch(db, conv_id)
        db.commit()


def update_content(conv_id: str, message_id: str, content: str) -> None:
    with session() as db:
        msg = db.get(Message, message_id)
        if msg is not None and msg.conversation_id == conv_id:
            msg.content = content
            db.add(msg)
            db.commit()


def _touch(db: Any, conv_id: str) -> None:
    conv = db.get(Conversation, conv_id)
    if conv is not None:
        conv.updated_at = time.time()
        db.add(conv)


def _as_dict(m: Message) -> dict[str, Any]:
    return {"id": m.id, "position": m.position, "role": m.role, "content": m.content, "reasoning": m.reasoning,
            "tool_calls": list(m.tool_calls or []), "tool_call_id": m.tool_call_id, "name": m.name, "meta": dict(m.meta or {})}
