"""Reflex states, one small class per page or concern."""
