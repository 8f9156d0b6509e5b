"""Reflex states of the chat, one small class per concern."""
