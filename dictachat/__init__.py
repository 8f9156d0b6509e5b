"""DictaChat: the Reflex chat and admin dashboard."""
