"""The chat's tables: conversations and their messages (one metadata and migration history with the gateway's)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from common.columns import json_field, new_id


class Conversation(SQLModel, table=True):
    """A chat conversation shown in the sidebar."""

    __tablename__ = "conversations"

    id: str = Field(default_factory=new_id, primary_key=True)
    title: str = ""
    settings: dict[str, Any] = json_field({})
    created_at: float = Field(default_factory=time.time)
    updated_at: float = Field(default_factory=time.time, index=True)


class Message(SQLModel, table=True):
    """One message of a conversation, with its thinking, tool calls and usage."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conv_pos", "conversation_id", "position"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    conversation_id: str = Field(foreign_key="conversations.id", ondelete="CASCADE")
    position: int = 0
    role: str = "user"
    content: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    reasoning: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    tool_calls: list[dict[str, Any]] = json_field()
    tool_call_id: str = ""
    name: str = ""
    meta: dict[str, Any] = json_field({})
    created_at: float = Field(default_factory=time.time)
