"""UI labels in Hebrew and English: one flat dict per language.

Pages add their keys here (prefix them by page, e.g. `admin.keys.title`); `t(key, lang)` looks a
label up in Python and `tr(key)` gives a reactive label that follows the language toggle.
"""

from __future__ import annotations

import reflex as rx

from dictachat.state.lang import LangState

EN: dict[str, str] = {
    "app.name": "DictaChat",
    "lang.toggle": "עברית",
    "theme.toggle": "Toggle dark mode",
    # Chat: sidebar
    "chat.new": "New chat",
    "chat.history": "Conversations",
    "chat.empty_history": "No conversations yet",
    "chat.rename": "Rename",
    "chat.delete": "Delete",
    "chat.delete_confirm": "Delete this conversation?",
    "chat.cancel": "Cancel",
    "chat.save": "Save",
    "chat.untitled": "New conversation",
    # Chat: composer and messages
    "chat.placeholder": "Message DictaChat…",
    "chat.send": "Send",
    "chat.stop": "Stop",
    "chat.regenerate": "Regenerate",
    "chat.edit": "Edit",
    "chat.copy": "Copy",
    "chat.copied": "Copied",
    "chat.resend": "Send",
    "chat.retry": "Retry",
    "chat.you": "You",
    "chat.assistant": "DictaLM",
    "chat.welcome_title": "How can I help today?",
    "chat.welcome_body": "Ask in Hebrew or English. The model can calculate, tell the time and convert Hebrew dates.",
    "chat.disclaimer": "The model can make mistakes. Check important information.",
    "chat.stopped": "Stopped",
    # Thinking and tools
    "chat.thinking": "Thinking…",
    "chat.thought_for": "Thought for {n} s",
    "chat.thought": "Thoughts",
    "chat.tool": "Tool",
    "chat.tool_running": "Running…",
    "chat.tool_args": "Arguments",
    "chat.tool_result": "Result",
    # Usage
    "chat.tokens": "tokens",
    "chat.tok_s": "tok/s",
    "chat.prompt_tokens": "prompt",
    "chat.completion_tokens": "completion",
    # Errors
    "chat.err.rate_limit": "Rate limit reached, try again in {n} s.",
    "chat.err.rate_limit_plain": "Rate limit reached, try again shortly.",
    "chat.err.unavailable": "The model is not available right now. Please retry in a moment.",
    "chat.err.auth": "The chat is not authorised by the gateway (check FRONTEND_API_KEY).",
    "chat.err.timeout": "The model took too long to answer. Please retry.",
    "chat.err.cut": "The answer was interrupted: the model stopped responding.",
    "chat.err.generic": "Something went wrong: {msg}",
    "chat.err.tool_loop": "Stopped after too many tool calls.",
    # Settings
    "chat.settings": "Settings",
    "chat.settings_title": "Conversation settings",
    "chat.system_prompt": "System prompt",
    "chat.temperature": "Temperature",
    "chat.top_p": "Top-p",
    "chat.max_tokens": "Max tokens",
    "chat.tools_enabled": "Allow tools",
    "chat.reset": "Reset",
}

HE: dict[str, str] = {
    "app.name": "DictaChat",
    "lang.toggle": "English",
    "theme.toggle": "מצב כהה",
    "chat.new": "שיחה חדשה",
    "chat.history": "שיחות",
    "chat.empty_history": "אין עדיין שיחות",
    "chat.rename": "שינוי שם",
    "chat.delete": "מחיקה",
    "chat.delete_confirm": "למחוק את השיחה?",
    "chat.cancel": "ביטול",
    "chat.save": "שמירה",
    "chat.untitled": "שיחה חדשה",
    "chat.placeholder": "כתבו הודעה ל-DictaChat…",
    "chat.send": "שליחה",
    "chat.stop": "עצירה",
    "chat.regenerate": "יצירה מחדש",
    "chat.edit": "עריכה",
    "chat.copy": "העתקה",
    "chat.copied": "הועתק",
    "chat.resend": "שליחה",
    "chat.retry": "ניסיון חוזר",
    "chat.you": "את/ה",
    "chat.assistant": "DictaLM",
    "chat.welcome_title": "במה אפשר לעזור היום?",
    "chat.welcome_body": "אפשר לשאול בעברית או באנגלית. המודל יודע לחשב, לומר מה השעה ולהמיר תאריכים עבריים.",
    "chat.disclaimer": "המודל עלול לטעות. כדאי לבדוק מידע חשוב.",
    "chat.stopped": "נעצר",
    "chat.thinking": "חושב…",
    "chat.thought_for": "חשב במשך {n} שניות",
    "chat.thought": "מחשבות",
    "chat.tool": "כלי",
    "chat.tool_running": "רץ…",
    "chat.tool_args": "ארגומנטים",
    "chat.tool_result": "תוצאה",
    "chat.tokens": "טוקנים",
    "chat.tok_s": "טוקנים/שנ׳",
    "chat.prompt_tokens": "קלט",
    "chat.completion_tokens": "פלט",
    "chat.err.rate_limit": "הגעתם למגבלת הקצב, נסו שוב בעוד {n} שניות.",
    "chat.err.rate_limit_plain": "הגעתם למגבלת הקצב, נסו שוב בעוד רגע.",
    "chat.err.unavailable": "המודל אינו זמין כרגע. נסו שוב בעוד רגע.",
    "chat.err.auth": "השער אינו מאשר את הצ׳אט (בדקו את FRONTEND_API_KEY).",
    "chat.err.timeout": "המודל לא ענה בזמן. נסו שוב.",
    "chat.err.cut": "התשובה נקטעה: המודל הפסיק להגיב.",
    "chat.err.generic": "משהו השתבש: {msg}",
    "chat.err.tool_loop": "נעצר אחרי יותר מדי קריאות לכלים.",
    "chat.settings": "הגדרות",
    "chat.settings_title": "הגדרות השיחה",
    "chat.system_prompt": "הנחיית מערכת",
    "chat.temperature": "טמפרטורה",
    "chat.top_p": "Top-p",
    "chat.max_tokens": "מקסימום טוקנים",
    "chat.tools_enabled": "לאפשר כלים",
    "chat.reset": "איפוס",
}

LABELS: dict[str, dict[str, str]] = {"en": EN, "he": HE}


def t(key: str, lang: str = "he", **fmt: object) -> str:
    """The label for `key` in `lang` (falls back to English, then to the key itself)."""
    text = LABELS.get(lang, EN).get(key) or EN.get(key) or key
    return text.format(**fmt) if fmt else text


def tr(key: str) -> rx.Var:
    """A label that follows the UI language toggle in the browser."""
    return rx.cond(LangState.is_he, t(key, "he"), t(key, "en"))
